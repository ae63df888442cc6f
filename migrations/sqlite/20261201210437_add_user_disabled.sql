-- Add column "disabled" to table: "users" (in place: a rebuild would cascade-delete the
-- sessions, tokens and address changes that reference users)
ALTER TABLE `users` ADD COLUMN `disabled` bool NOT NULL DEFAULT (false);
