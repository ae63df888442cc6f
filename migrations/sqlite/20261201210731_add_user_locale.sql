-- Add column "locale" to tables "users", "mail_outbox" and "pending_signups" (in place: a
-- rebuild of users would cascade-delete the tables that reference it)
ALTER TABLE `users` ADD COLUMN `locale` text NOT NULL DEFAULT ('en');
ALTER TABLE `mail_outbox` ADD COLUMN `locale` text NOT NULL DEFAULT ('en');
ALTER TABLE `pending_signups` ADD COLUMN `locale` text NOT NULL DEFAULT ('en');
