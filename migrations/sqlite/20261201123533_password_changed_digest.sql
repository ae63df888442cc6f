-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_mail_outbox" table
CREATE TABLE `new_mail_outbox` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `recipient` text NOT NULL, `username` text NULL, `requested_at` datetime NOT NULL, `accepted` bool NOT NULL DEFAULT (false), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `locked_until` datetime NULL, `last_error` text NULL, `user_id` integer NULL, `change_count` integer NOT NULL DEFAULT (1), `last_change_at` datetime NULL, `previous_notice_at` datetime NULL);
-- Copy rows from old table "mail_outbox" to new temporary table "new_mail_outbox"
INSERT INTO `new_mail_outbox` (`id`, `kind`, `recipient`, `username`, `requested_at`, `accepted`, `attempts`, `next_attempt_at`, `locked_until`, `last_error`) SELECT `id`, `kind`, `recipient`, `username`, `requested_at`, `accepted`, `attempts`, `next_attempt_at`, `locked_until`, `last_error` FROM `mail_outbox`;
-- Drop "mail_outbox" table after copying rows
DROP TABLE `mail_outbox`;
-- Rename temporary table "new_mail_outbox" to "mail_outbox"
ALTER TABLE `new_mail_outbox` RENAME TO `mail_outbox`;
-- Create index "outboxmail_next_attempt_at" to table: "mail_outbox"
CREATE INDEX `outboxmail_next_attempt_at` ON `mail_outbox` (`next_attempt_at`);
-- Create index "outboxmail_user_id" to table: "mail_outbox"
CREATE INDEX `outboxmail_user_id` ON `mail_outbox` (`user_id`) WHERE user_id IS NOT NULL;
-- Add column "last_changed_mail_at" to table: "users"
ALTER TABLE `users` ADD COLUMN `last_changed_mail_at` datetime NULL;
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
