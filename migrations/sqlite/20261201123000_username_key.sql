-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_users" table
CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `username_key` text NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL, `session_version` integer NOT NULL DEFAULT (1), `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `last_reset_mail_at` datetime NULL, `reset_mail_window_start` datetime NULL, `reset_mails_in_window` integer NOT NULL DEFAULT (0));
-- Copy rows from old table "users" to new temporary table "new_users", folding each username (ASCII only)
INSERT INTO `new_users` (`id`, `username`, `username_key`, `email`, `password_hash`, `session_version`, `created_at`, `updated_at`, `last_reset_mail_at`, `reset_mail_window_start`, `reset_mails_in_window`) SELECT `id`, `username`, lower(`username`), `email`, `password_hash`, `session_version`, `created_at`, `updated_at`, `last_reset_mail_at`, `reset_mail_window_start`, `reset_mails_in_window` FROM `users`;
-- The PRAGMA above does nothing inside the migration's transaction, so dropping "users" would
-- cascade to the reset tokens: keep them aside and put them back after the rename
CREATE TEMPORARY TABLE `saved_reset_tokens` AS SELECT * FROM `password_reset_tokens`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
INSERT INTO `password_reset_tokens` SELECT * FROM `saved_reset_tokens`;
DROP TABLE `saved_reset_tokens`;
-- Create index "users_username_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
-- Fails, and so rolls the whole migration back, while two usernames differ only in case
-- Create index "users_username_key_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key_key` ON `users` (`username_key`);
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
