-- Create "mail_outbox" table
CREATE TABLE `mail_outbox` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `recipient` text NOT NULL, `username` text NULL, `requested_at` datetime NOT NULL, `accepted` bool NOT NULL DEFAULT (false), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `locked_until` datetime NULL, `last_error` text NULL);
-- Create index "outboxmail_next_attempt_at" to table: "mail_outbox"
CREATE INDEX `outboxmail_next_attempt_at` ON `mail_outbox` (`next_attempt_at`);
-- Create "password_reset_tokens" table
CREATE TABLE `password_reset_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `created_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `password_reset_tokens_users_reset_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "password_reset_tokens_token_hash_key" to table: "password_reset_tokens"
CREATE UNIQUE INDEX `password_reset_tokens_token_hash_key` ON `password_reset_tokens` (`token_hash`);
-- Create index "passwordresettoken_user_id" to table: "password_reset_tokens"
CREATE INDEX `passwordresettoken_user_id` ON `password_reset_tokens` (`user_id`);
-- Create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL, `session_version` integer NOT NULL DEFAULT (1), `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `last_reset_mail_at` datetime NULL, `reset_mail_window_start` datetime NULL, `reset_mails_in_window` integer NOT NULL DEFAULT (0));
-- Create index "users_username_key" to table: "users"
CREATE UNIQUE INDEX `users_username_key` ON `users` (`username`);
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
