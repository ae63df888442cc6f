-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "disabled" boolean NOT NULL DEFAULT false;
