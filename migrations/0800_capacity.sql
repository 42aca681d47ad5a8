-- Capacity building (internal/capacity): needs stated by States, offers by
-- States and organisations, matches between them, projects that grow from an
-- accepted match, and events with registration. Lists of identifiers (norms,
-- topics, kinds of help, languages, regions) are stored as one text of
-- space-separated values with a space at each end (" gge2015-c gge2015-d "),
-- so a filter is one LIKE '% x %' and a row is read without joins.

CREATE TABLE capacity_needs (
    id            TEXT PRIMARY KEY,
    state_iso3    TEXT NOT NULL,
    region        TEXT NOT NULL,               -- UN regional group of the State
    status        TEXT NOT NULL,               -- draft | published | closed
    visibility    TEXT NOT NULL,               -- public | members | secretariat
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    norms         TEXT NOT NULL DEFAULT ' ',
    pillars       TEXT NOT NULL DEFAULT ' ',
    topics        TEXT NOT NULL DEFAULT ' ',
    kinds         TEXT NOT NULL DEFAULT ' ',
    languages     TEXT NOT NULL DEFAULT ' ',
    starts_on     TEXT NOT NULL DEFAULT '',    -- YYYY-MM-DD or ''
    ends_on       TEXT NOT NULL DEFAULT '',
    size          TEXT NOT NULL DEFAULT '',    -- '' | small | medium | large
    report_id     TEXT NOT NULL DEFAULT '',    -- the report whose gap it answers
    report_norm   TEXT NOT NULL DEFAULT '',    -- the norm of that gap
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ
);
CREATE INDEX capacity_needs_state ON capacity_needs (state_iso3, status);
CREATE INDEX capacity_needs_status ON capacity_needs (status, visibility, published_at);
CREATE INDEX capacity_needs_report ON capacity_needs (report_id, report_norm);

CREATE TABLE capacity_offers (
    id             TEXT PRIMARY KEY,
    provider_kind  TEXT NOT NULL,              -- state | organisation
    state_iso3     TEXT NOT NULL DEFAULT '',
    org_id         TEXT NOT NULL DEFAULT '',
    provider_name  TEXT NOT NULL,
    status         TEXT NOT NULL,              -- draft | published | withdrawn
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    norms          TEXT NOT NULL DEFAULT ' ',
    topics         TEXT NOT NULL DEFAULT ' ',
    kinds          TEXT NOT NULL DEFAULT ' ',
    languages      TEXT NOT NULL DEFAULT ' ',
    regions        TEXT NOT NULL DEFAULT ' ',  -- UN regional groups, or global
    starts_on      TEXT NOT NULL DEFAULT '',
    ends_on        TEXT NOT NULL DEFAULT '',
    capacity       INTEGER NOT NULL,           -- engagements it can take on
    engaged        INTEGER NOT NULL DEFAULT 0, -- accepted matches so far
    cost           TEXT NOT NULL,              -- free | co-funded | at-cost
    contact        TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    published_at   TIMESTAMPTZ
);
CREATE INDEX capacity_offers_status ON capacity_offers (status, published_at);
CREATE INDEX capacity_offers_owner ON capacity_offers (state_iso3, org_id);

CREATE TABLE capacity_matches (
    id            TEXT PRIMARY KEY,
    need_id       TEXT NOT NULL REFERENCES capacity_needs(id),
    offer_id      TEXT NOT NULL REFERENCES capacity_offers(id),
    status        TEXT NOT NULL,               -- invited | interested | accepted | declined
    initiated_by  TEXT NOT NULL,               -- state | offerer
    score         INTEGER NOT NULL,
    reasons       TEXT NOT NULL DEFAULT '',
    message       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (need_id, offer_id)
);
CREATE INDEX capacity_matches_offer ON capacity_matches (offer_id);

-- Offers already announced to a need's State by e-mail, so each is told once.
CREATE TABLE capacity_alerts (
    need_id    TEXT NOT NULL,
    offer_id   TEXT NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (need_id, offer_id)
);

CREATE TABLE capacity_projects (
    id                TEXT PRIMARY KEY,
    match_id          TEXT NOT NULL DEFAULT '',
    need_id           TEXT NOT NULL DEFAULT '',
    offer_id          TEXT NOT NULL DEFAULT '',
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    beneficiary_iso3  TEXT NOT NULL,
    region            TEXT NOT NULL,
    implementer_kind  TEXT NOT NULL,           -- state | organisation
    implementer_state TEXT NOT NULL DEFAULT '',
    implementer_org   TEXT NOT NULL DEFAULT '',
    implementer_name  TEXT NOT NULL,
    funders           TEXT NOT NULL DEFAULT '',
    norms             TEXT NOT NULL DEFAULT ' ',
    topics            TEXT NOT NULL DEFAULT ' ',
    starts_on         TEXT NOT NULL DEFAULT '',
    ends_on           TEXT NOT NULL DEFAULT '',
    budget            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,           -- running | finished | cancelled
    outcome           TEXT NOT NULL DEFAULT '',
    evaluation        TEXT NOT NULL DEFAULT '',
    review            TEXT NOT NULL DEFAULT 'private', -- private | pending | published | rejected
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    published_at      TIMESTAMPTZ
);
CREATE INDEX capacity_projects_review ON capacity_projects (review, status);
CREATE INDEX capacity_projects_parties ON capacity_projects (beneficiary_iso3, implementer_state, implementer_org);

CREATE TABLE capacity_milestones (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES capacity_projects(id),
    title        TEXT NOT NULL,
    due_on       TEXT NOT NULL,                -- YYYY-MM-DD
    status       TEXT NOT NULL,                -- planned | in-progress | done | cancelled
    done_on      TEXT NOT NULL DEFAULT '',
    reminded_on  TEXT NOT NULL DEFAULT '',     -- the last overdue reminder
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_milestones_project ON capacity_milestones (project_id, due_on);
CREATE INDEX capacity_milestones_due ON capacity_milestones (status, due_on);

CREATE TABLE capacity_updates (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES capacity_projects(id),
    author_id    TEXT NOT NULL,
    author_name  TEXT NOT NULL,
    party        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_updates_project ON capacity_updates (project_id, created_at);

CREATE TABLE capacity_events (
    id              TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,             -- workshop | briefing | training | side-event
    organiser_key   TEXT NOT NULL,             -- secretariat | state:FRA | org:<slug>
    organiser_name  TEXT NOT NULL,
    audience        TEXT NOT NULL,             -- public | states | invited
    place           TEXT NOT NULL DEFAULT '',
    online_url      TEXT NOT NULL DEFAULT '',
    tz              TEXT NOT NULL,             -- IANA time zone of the place
    starts_at       TIMESTAMPTZ NOT NULL,      -- UTC
    ends_at         TIMESTAMPTZ NOT NULL,
    languages       TEXT NOT NULL DEFAULT ' ',
    norms           TEXT NOT NULL DEFAULT ' ',
    agenda          TEXT NOT NULL DEFAULT '',
    speakers        TEXT NOT NULL DEFAULT '',
    project_id      TEXT NOT NULL DEFAULT '',
    capacity        INTEGER NOT NULL,
    status          TEXT NOT NULL,             -- scheduled | cancelled
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_events_start ON capacity_events (starts_at);
CREATE INDEX capacity_events_organiser ON capacity_events (organiser_key, starts_at);

CREATE TABLE capacity_registrations (
    id          TEXT PRIMARY KEY,
    event_id    TEXT NOT NULL REFERENCES capacity_events(id),
    email       TEXT NOT NULL,
    name        TEXT NOT NULL,
    user_id     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,                 -- confirmed | waiting | cancelled
    token_hash  TEXT NOT NULL,                 -- of the secret in the cancellation link
    reminded    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (event_id, email)
);
CREATE INDEX capacity_registrations_event ON capacity_registrations (event_id, status, created_at);
