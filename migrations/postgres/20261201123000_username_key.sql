-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "username_key" character varying NULL;
-- Fold the usernames already there (ASCII only) before the column may not be empty
UPDATE "users" SET "username_key" = lower("username");
ALTER TABLE "users" ALTER COLUMN "username_key" SET NOT NULL;
-- Fails, and so rolls the whole migration back, while two usernames differ only in case
-- Create index "users_username_key_key" to table: "users"
CREATE UNIQUE INDEX "users_username_key_key" ON "users" ("username_key");
