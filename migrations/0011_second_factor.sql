-- The second factor hardened (issue 13): TOTP secrets sealed
-- (totp_sealed, internal/platform/seal; the plain column is emptied at
-- start-up), the last accepted time step against replay, atomic attempt
-- counters per account (within a window) and per pending session, and
-- recovery codes hashed with argon2id, found by a short public prefix.

ALTER TABLE users ADD COLUMN totp_sealed BYTEA;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN mfa_window_start TIMESTAMPTZ;
ALTER TABLE sessions ADD COLUMN mfa_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recovery_codes ADD COLUMN code_id TEXT;
CREATE INDEX recovery_codes_lookup ON recovery_codes (user_id, code_id);
