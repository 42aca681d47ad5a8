-- Vulnerability equities (issue 18): published VEP policies and their
-- scorecards, the VEP permission, each State's sealed register of
-- government-held vulnerabilities with its review reminders, and the
-- public transparency reports. docs/modules/vep.md describes the model.

-- A State's policy as drafted: one draft by the State's own staff
-- (source "state") and one by the secretariat from the public source
-- (source "secretariat"), each visible only to its authors. body is the
-- policy's JSON (vep.Policy).
CREATE TABLE vep_policy_drafts (
    state_iso3  TEXT NOT NULL REFERENCES states(iso3),
    source      TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (state_iso3, source)
);

-- Every published version of a State's policy; the newest is in force.
CREATE TABLE vep_policies (
    state_iso3    TEXT NOT NULL REFERENCES states(iso3),
    version       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    source        TEXT NOT NULL,
    published_at  TIMESTAMPTZ NOT NULL,
    published_by  TEXT NOT NULL,
    PRIMARY KEY (state_iso3, version)
);

-- Who of a State's users may read and write its register, granted by the
-- State's approver. A user acts for one State, so user_id is the key.
CREATE TABLE vep_grants (
    user_id     TEXT PRIMARY KEY REFERENCES users(id),
    state_iso3  TEXT NOT NULL REFERENCES states(iso3),
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX vep_grants_state ON vep_grants (state_iso3);

-- A register entry: everything about the vulnerability, its decision and
-- its reviews is in sealed (AEAD under the State's key, scope "vep:ISO3",
-- the entry's id as associated data). Only what is needed to find a
-- State's entries is in the clear: no dates, no decision, no product.
CREATE TABLE vep_entries (
    id          TEXT PRIMARY KEY,
    state_iso3  TEXT NOT NULL REFERENCES states(iso3),
    revision    INTEGER NOT NULL,
    sealed      BYTEA NOT NULL
);
CREATE INDEX vep_entries_state ON vep_entries (state_iso3);

-- Review reminders sent to a State's VEP users (kind "due" or "overdue"),
-- so that each is sent once per period. It names no entry.
CREATE TABLE vep_reminders (
    state_iso3  TEXT NOT NULL REFERENCES states(iso3),
    kind        TEXT NOT NULL,
    period      TEXT NOT NULL,
    sent_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (state_iso3, kind, period)
);

-- A State's annual transparency report: aggregate figures generated from
-- the register, already suppressed (a count of 1 to 4 is stored as -1,
-- "fewer than 5"; a median over fewer than 5 is stored as -1), so the
-- table holds nothing that the published page would not show.
CREATE TABLE vep_reports (
    id            TEXT PRIMARY KEY,
    state_iso3    TEXT NOT NULL REFERENCES states(iso3),
    year          INTEGER NOT NULL,
    status        TEXT NOT NULL,
    figures       TEXT NOT NULL,
    generated_at  TIMESTAMPTZ NOT NULL,
    generated_by  TEXT NOT NULL,
    published_at  TIMESTAMPTZ,
    UNIQUE (state_iso3, year)
);
