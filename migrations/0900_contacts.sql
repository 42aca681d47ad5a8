-- Points of contact under norm (h): the directory, communication-check
-- rounds ("pings") and requests for assistance between States.
-- See docs/modules/contacts.md.

-- A contact entry. An entry never changes once confirmed: a change is a new
-- draft that replaces it (replaces), so every version is dated and a round's
-- pings keep pointing at the details they were sent to.
CREATE TABLE contacts_entries (
    id            TEXT PRIMARY KEY,
    state_iso3    TEXT NOT NULL REFERENCES states(iso3),
    kind          TEXT NOT NULL,            -- diplomatic | technical
    status        TEXT NOT NULL,            -- draft | active | replaced | retired | discarded
    replaces      TEXT,                     -- the active entry a draft replaces
    name          TEXT NOT NULL,
    function      TEXT NOT NULL DEFAULT '',
    organisation  TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL,
    phone         TEXT NOT NULL DEFAULT '',
    languages     TEXT NOT NULL DEFAULT '',
    hours         TEXT NOT NULL DEFAULT '',
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    secure_notes  TEXT NOT NULL DEFAULT '',
    drafted_by    TEXT NOT NULL,
    drafted_at    TIMESTAMPTZ NOT NULL,
    confirmed_by  TEXT,
    confirmed_at  TIMESTAMPTZ,
    ended_at      TIMESTAMPTZ
);
CREATE INDEX contacts_entries_state ON contacts_entries (state_iso3, status, kind);
CREATE INDEX contacts_entries_email ON contacts_entries (email);

-- Since when a State has had at least one active contact of a kind: the
-- public part of the directory, kept on every confirmation and retirement.
CREATE TABLE contacts_coverage (
    state_iso3  TEXT NOT NULL REFERENCES states(iso3),
    kind        TEXT NOT NULL,
    since       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (state_iso3, kind)
);

-- A communication check.
CREATE TABLE contacts_rounds (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    scope        TEXT NOT NULL,             -- "all", or the ISO3 codes, comma-separated
    started_by   TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    deadline     TIMESTAMPTZ NOT NULL,
    remind_at    TIMESTAMPTZ NOT NULL,
    reminded_at  TIMESTAMPTZ,
    contacts     INTEGER NOT NULL DEFAULT 0,
    states       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contacts_rounds_started ON contacts_rounds (started_at);

-- One contact's part in a round.
CREATE TABLE contacts_pings (
    id            TEXT PRIMARY KEY,
    round_id      TEXT NOT NULL REFERENCES contacts_rounds(id),
    entry_id      TEXT NOT NULL REFERENCES contacts_entries(id),
    state_iso3    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    sent_at       TIMESTAMPTZ,
    acked_at      TIMESTAMPTZ,
    acked_via     TEXT NOT NULL DEFAULT '',   -- link | platform
    acked_by      TEXT NOT NULL DEFAULT '',   -- the account, for the platform
    bounced_at    TIMESTAMPTZ,
    bounce_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX contacts_pings_round_entry ON contacts_pings (round_id, entry_id);
CREATE INDEX contacts_pings_state ON contacts_pings (state_iso3, round_id);

-- Deadlines by urgency, set by the secretariat.
CREATE TABLE contacts_deadlines (
    urgency       TEXT PRIMARY KEY,
    ack_hours     INTEGER NOT NULL,
    answer_hours  INTEGER NOT NULL
);
INSERT INTO contacts_deadlines (urgency, ack_hours, answer_hours) VALUES ('critical', 24, 72), ('high', 48, 168), ('routine', 72, 336);

-- A request for assistance. Its content (the incident, what is asked, the
-- answer's reason, the feedback's comment) is sealed; the columns in clear
-- are the metadata the secretariat may see.
CREATE TABLE contacts_requests (
    id             TEXT PRIMARY KEY,
    from_state     TEXT NOT NULL REFERENCES states(iso3),
    to_state       TEXT NOT NULL REFERENCES states(iso3),
    urgency        TEXT NOT NULL,
    tlp            TEXT NOT NULL,
    status         TEXT NOT NULL,            -- sent | acknowledged | answered | closed | withdrawn
    answer         TEXT NOT NULL DEFAULT '', -- help | unable
    feedback       TEXT NOT NULL DEFAULT '', -- helpful | partly | not
    content        BYTEA NOT NULL,
    sent_by        TEXT NOT NULL,
    sent_at        TIMESTAMPTZ NOT NULL,
    ack_due        TIMESTAMPTZ NOT NULL,
    answer_due     TIMESTAMPTZ NOT NULL,
    acked_at       TIMESTAMPTZ,
    answered_at    TIMESTAMPTZ,
    closed_at      TIMESTAMPTZ,
    withdrawn_at   TIMESTAMPTZ,
    reminded       INTEGER NOT NULL DEFAULT 0, -- bit 1: acknowledgement reminder, 2: answer reminder
    overdue        INTEGER NOT NULL DEFAULT 0, -- bit 1: acknowledgement overdue told, 2: answer overdue told
    share_from     BOOLEAN NOT NULL DEFAULT FALSE,
    share_to       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX contacts_requests_from ON contacts_requests (from_state, sent_at);
CREATE INDEX contacts_requests_to ON contacts_requests (to_state, sent_at);
CREATE INDEX contacts_requests_status ON contacts_requests (status, ack_due);

-- Messages and files between the two States on a request; sealed.
CREATE TABLE contacts_request_messages (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES contacts_requests(id),
    from_state  TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    body        BYTEA NOT NULL
);
CREATE INDEX contacts_request_messages_request ON contacts_request_messages (request_id, at);

CREATE TABLE contacts_request_files (
    id          TEXT PRIMARY KEY,
    request_id  TEXT NOT NULL REFERENCES contacts_requests(id),
    from_state  TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    size        INTEGER NOT NULL,
    meta        BYTEA NOT NULL,              -- sealed: name and media type
    content     BYTEA NOT NULL
);
CREATE INDEX contacts_request_files_request ON contacts_request_files (request_id, at);
