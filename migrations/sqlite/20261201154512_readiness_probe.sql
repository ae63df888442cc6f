-- Create "readiness_probes" table
CREATE TABLE `readiness_probes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `checked_at` datetime NOT NULL);
