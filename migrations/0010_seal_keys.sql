-- Data keys of the sealed (encrypted-at-rest) fields, one or more versions
-- per scope, each wrapped (AES-256-GCM) under the operator's master key,
-- named by master_id. See internal/platform/seal and docs/security.md.

CREATE TABLE seal_keys (
    scope       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    master_id   TEXT NOT NULL,
    wrapped     BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ,
    PRIMARY KEY (scope, version)
);
CREATE INDEX seal_keys_master ON seal_keys (master_id);
