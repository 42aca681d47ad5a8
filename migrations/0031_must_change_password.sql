-- An initial password set by the secretariat or the CLI must be replaced by
-- its holder at first sign-in; any password change clears the mark.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
