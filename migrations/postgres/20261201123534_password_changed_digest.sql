-- Modify "mail_outbox" table
ALTER TABLE "mail_outbox" ADD COLUMN "user_id" bigint NULL, ADD COLUMN "change_count" bigint NOT NULL DEFAULT 1, ADD COLUMN "last_change_at" timestamptz NULL, ADD COLUMN "previous_notice_at" timestamptz NULL;
-- Create index "outboxmail_user_id" to table: "mail_outbox"
CREATE INDEX "outboxmail_user_id" ON "mail_outbox" ("user_id") WHERE (user_id IS NOT NULL);
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "last_changed_mail_at" timestamptz NULL;
