-- Add column "new_email" to table: "mail_outbox"
ALTER TABLE `mail_outbox` ADD COLUMN `new_email` text NULL;
-- Create "email_changes" table
CREATE TABLE `email_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `new_email` text NOT NULL, `request_id` integer NOT NULL, `session_version` integer NOT NULL, `token_hash` text NULL, `expires_at` datetime NOT NULL, `created_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `email_changes_users_email_changes` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "email_changes_token_hash_key" to table: "email_changes"
CREATE UNIQUE INDEX `email_changes_token_hash_key` ON `email_changes` (`token_hash`);
-- Create index "emailchange_user_id" to table: "email_changes"
CREATE UNIQUE INDEX `emailchange_user_id` ON `email_changes` (`user_id`);
-- Create "mail_allowances" table
CREATE TABLE `mail_allowances` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `last_mail_at` datetime NOT NULL, `window_start` datetime NOT NULL, `mails_in_window` integer NOT NULL);
-- Create index "mail_allowances_key_key" to table: "mail_allowances"
CREATE UNIQUE INDEX `mail_allowances_key_key` ON `mail_allowances` (`key`);
-- Create index "mailallowance_last_mail_at" to table: "mail_allowances"
CREATE INDEX `mailallowance_last_mail_at` ON `mail_allowances` (`last_mail_at`);
