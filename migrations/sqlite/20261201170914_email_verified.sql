-- Add column "email_verified" to table: "users" (in place: a rebuild would cascade-delete the
-- tables that reference users)
ALTER TABLE `users` ADD COLUMN `email_verified` bool NOT NULL DEFAULT (false);
