-- Create "login_failures" table
CREATE TABLE `login_failures` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `account` text NOT NULL, `failures` integer NOT NULL DEFAULT (0), `last_failed_at` datetime NOT NULL);
-- Create index "login_failures_key_key" to table: "login_failures"
CREATE UNIQUE INDEX `login_failures_key_key` ON `login_failures` (`key`);
-- Create index "loginfailure_account" to table: "login_failures"
CREATE INDEX `loginfailure_account` ON `login_failures` (`account`);
-- Create index "loginfailure_last_failed_at" to table: "login_failures"
CREATE INDEX `loginfailure_last_failed_at` ON `login_failures` (`last_failed_at`);
