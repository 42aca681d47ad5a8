-- Passkeys (WebAuthn credentials, issue 13 item 5): several per account,
-- named, with their last use; the challenges of ceremonies in progress
-- (single use, short-lived); sessions remember a TOTP passed while a
-- passkey must still be registered (the secretariat's auth.require_passkeys
-- setting, in the settings table).

CREATE TABLE passkeys (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    credential_id  BYTEA NOT NULL UNIQUE,
    credential     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    last_used_at   TIMESTAMPTZ
);
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE webauthn_challenges (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    user_id       TEXT NOT NULL DEFAULT '',
    session_hash  TEXT NOT NULL DEFAULT '',
    data          TEXT NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);

ALTER TABLE sessions ADD COLUMN totp_passed BOOLEAN NOT NULL DEFAULT FALSE;
