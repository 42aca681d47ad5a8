-- Participation: organisation profiles, bodies and sessions, accreditation
-- with per-body modalities, objections and votes, statements and
-- consultations. See docs/modules/participation.md.

CREATE TABLE participation_profiles (
    org_id       TEXT PRIMARY KEY REFERENCES organisations(id),
    org_type     TEXT NOT NULL DEFAULT 'other',
    ecosoc       TEXT NOT NULL DEFAULT 'none',
    hq_iso3      TEXT NOT NULL DEFAULT '',
    website      TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    members      INTEGER NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE participation_bodies (
    id               TEXT PRIMARY KEY,
    slug             TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    modality         TEXT NOT NULL,
    objection_days   INTEGER NOT NULL DEFAULT 10,
    voting_days      INTEGER NOT NULL DEFAULT 10,
    majority         TEXT NOT NULL DEFAULT 'simple',
    name_objectors   BOOLEAN NOT NULL DEFAULT FALSE,
    reason_required  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE participation_sessions (
    id          TEXT PRIMARY KEY,
    body_id     TEXT NOT NULL REFERENCES participation_bodies(id),
    slug        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    apply_by    TIMESTAMPTZ NOT NULL,
    place       TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT 'in-person',
    programme   TEXT NOT NULL DEFAULT '',
    outcomes    TEXT NOT NULL DEFAULT '',
    documents   TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX participation_sessions_body ON participation_sessions (body_id, starts_at);

-- An application: for one session, or standing for a body (session_id '').
CREATE TABLE participation_applications (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    body_id            TEXT NOT NULL REFERENCES participation_bodies(id),
    session_id         TEXT NOT NULL DEFAULT '',
    justification      TEXT NOT NULL,
    status             TEXT NOT NULL,
    modality           TEXT NOT NULL,
    reason             TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    submitted_at       TIMESTAMPTZ,
    circulated_at      TIMESTAMPTZ,
    objection_ends_at  TIMESTAMPTZ,
    voting_ends_at     TIMESTAMPTZ,
    decided_at         TIMESTAMPTZ,
    yes_votes          INTEGER NOT NULL DEFAULT 0,
    no_votes           INTEGER NOT NULL DEFAULT 0,
    abstentions        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_id, body_id, session_id)
);
CREATE INDEX participation_applications_session ON participation_applications (session_id, status);
CREATE INDEX participation_applications_status ON participation_applications (status);

CREATE TABLE participation_objections (
    application_id  TEXT NOT NULL REFERENCES participation_applications(id),
    state_iso3      TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    user_id         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    withdrawn_at    TIMESTAMPTZ,
    PRIMARY KEY (application_id, state_iso3)
);
CREATE INDEX participation_objections_state ON participation_objections (state_iso3);

CREATE TABLE participation_votes (
    application_id  TEXT NOT NULL REFERENCES participation_applications(id),
    state_iso3      TEXT NOT NULL,
    choice          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, state_iso3)
);

CREATE TABLE participation_statements (
    id            TEXT PRIMARY KEY,
    session_id    TEXT NOT NULL REFERENCES participation_sessions(id),
    org_id        TEXT NOT NULL DEFAULT '',
    state_iso3    TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    lang          TEXT NOT NULL,
    delivery      TEXT NOT NULL,
    body          TEXT NOT NULL DEFAULT '',
    file_name     TEXT NOT NULL DEFAULT '',
    file_size     BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    submitted_by  TEXT NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ
);
CREATE INDEX participation_statements_session ON participation_statements (session_id, status);

CREATE TABLE participation_consultations (
    id                 TEXT PRIMARY KEY,
    slug               TEXT NOT NULL UNIQUE,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    opened_by          TEXT NOT NULL,
    state_iso3         TEXT NOT NULL DEFAULT '',
    audience_body_id   TEXT NOT NULL DEFAULT '',
    allow_unpublished  BOOLEAN NOT NULL DEFAULT FALSE,
    status             TEXT NOT NULL,
    opens_at           TIMESTAMPTZ NOT NULL,
    closes_at          TIMESTAMPTZ NOT NULL,
    closed_at          TIMESTAMPTZ
);

CREATE TABLE participation_questions (
    consultation_id  TEXT NOT NULL REFERENCES participation_consultations(id),
    n                INTEGER NOT NULL,
    text             TEXT NOT NULL,
    PRIMARY KEY (consultation_id, n)
);

CREATE TABLE participation_submissions (
    id               TEXT PRIMARY KEY,
    consultation_id  TEXT NOT NULL REFERENCES participation_consultations(id),
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    status           TEXT NOT NULL,
    publish          BOOLEAN NOT NULL DEFAULT TRUE,
    published        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       TIMESTAMPTZ NOT NULL,
    submitted_at     TIMESTAMPTZ,
    UNIQUE (consultation_id, org_id)
);

CREATE TABLE participation_answers (
    submission_id  TEXT NOT NULL REFERENCES participation_submissions(id),
    n              INTEGER NOT NULL,
    text           TEXT NOT NULL,
    PRIMARY KEY (submission_id, n)
);
