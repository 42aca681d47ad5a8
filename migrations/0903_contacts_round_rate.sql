-- The pace of a round's e-mails: at most rate a minute (0: no limit).
-- Each check's and each reminder's job is queued to run at its turn, so
-- the pace holds across instances and restarts.
ALTER TABLE contacts_rounds ADD COLUMN rate INTEGER NOT NULL DEFAULT 0;
