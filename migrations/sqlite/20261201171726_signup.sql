-- Add column "password_hash" to table: "mail_outbox"
ALTER TABLE `mail_outbox` ADD COLUMN `password_hash` text NULL;
-- Create "email_verification_tokens" table
CREATE TABLE `email_verification_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `email` text NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `created_at` datetime NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `email_verification_tokens_users_verification_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "email_verification_tokens_token_hash_key" to table: "email_verification_tokens"
CREATE UNIQUE INDEX `email_verification_tokens_token_hash_key` ON `email_verification_tokens` (`token_hash`);
-- Create index "emailverificationtoken_user_id" to table: "email_verification_tokens"
CREATE INDEX `emailverificationtoken_user_id` ON `email_verification_tokens` (`user_id`);
-- Create index "emailverificationtoken_expires_at" to table: "email_verification_tokens"
CREATE INDEX `emailverificationtoken_expires_at` ON `email_verification_tokens` (`expires_at`);
-- Create "pending_signups" table
CREATE TABLE `pending_signups` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `email` text NOT NULL, `username` text NOT NULL, `password_hash` text NOT NULL, `token_hash` text NULL, `request_id` integer NOT NULL, `expires_at` datetime NOT NULL, `last_mail_at` datetime NULL, `mail_window_start` datetime NULL, `mails_in_window` integer NOT NULL DEFAULT (0));
-- Create index "pending_signups_email_key" to table: "pending_signups"
CREATE UNIQUE INDEX `pending_signups_email_key` ON `pending_signups` (`email`);
-- Create index "pending_signups_token_hash_key" to table: "pending_signups"
CREATE UNIQUE INDEX `pending_signups_token_hash_key` ON `pending_signups` (`token_hash`);
-- Create index "pendingsignup_expires_at" to table: "pending_signups"
CREATE INDEX `pendingsignup_expires_at` ON `pending_signups` (`expires_at`);
