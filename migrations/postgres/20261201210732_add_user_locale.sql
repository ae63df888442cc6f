-- Modify "mail_outbox" table
ALTER TABLE "mail_outbox" ADD COLUMN "locale" character varying NOT NULL DEFAULT 'en';
-- Modify "pending_signups" table
ALTER TABLE "pending_signups" ADD COLUMN "locale" character varying NOT NULL DEFAULT 'en';
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "locale" character varying NOT NULL DEFAULT 'en';
