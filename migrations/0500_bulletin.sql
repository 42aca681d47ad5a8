-- The quarterly threat-intelligence bulletin: contributed items and their
-- review, quarterly issues, the distribution list and its deliveries, and
-- the objects served over TAXII.

-- An item contributed by a member of a stakeholder organisation. List
-- fields (techniques, sectors, regions, states, norms) are stored as
-- ",a,b," so that a filter is a portable LIKE '%,a,%'.
CREATE TABLE bulletin_items (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    body            TEXT NOT NULL,
    tlp             TEXT NOT NULL,
    techniques      TEXT NOT NULL DEFAULT ',',
    sectors         TEXT NOT NULL DEFAULT ',',
    regions         TEXT NOT NULL DEFAULT ',',
    states          TEXT NOT NULL DEFAULT ',',
    norms           TEXT NOT NULL DEFAULT ',',
    refs            TEXT NOT NULL DEFAULT '',
    contributor_id  TEXT NOT NULL REFERENCES users(id),
    org_id          TEXT REFERENCES organisations(id),
    source          TEXT NOT NULL DEFAULT 'web',
    review_comment  TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    submitted_at    TIMESTAMPTZ,
    decided_at      TIMESTAMPTZ
);
CREATE INDEX bulletin_items_status ON bulletin_items (status, updated_at);
CREATE INDEX bulletin_items_contributor ON bulletin_items (contributor_id);

-- Links between items: an actor uses a technique, a mitigation mitigates it.
CREATE TABLE bulletin_item_links (
    from_id  TEXT NOT NULL REFERENCES bulletin_items(id),
    rel      TEXT NOT NULL,
    to_id    TEXT NOT NULL REFERENCES bulletin_items(id),
    PRIMARY KEY (from_id, rel, to_id)
);

-- The review history of items: every decision with its comment.
CREATE TABLE bulletin_reviews (
    id        TEXT PRIMARY KEY,
    item_id   TEXT NOT NULL REFERENCES bulletin_items(id),
    actor_id  TEXT NOT NULL,
    action    TEXT NOT NULL,
    comment   TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX bulletin_reviews_item ON bulletin_reviews (item_id, at);

-- A quarterly issue. A published issue never changes; a correction is a new
-- issue with revision + 1 that supersedes it.
CREATE TABLE bulletin_issues (
    id             TEXT PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    year           INTEGER NOT NULL,
    quarter        INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    title          TEXT NOT NULL,
    foreword       TEXT NOT NULL,
    section_order  TEXT NOT NULL,
    status         TEXT NOT NULL,
    supersedes_id  TEXT REFERENCES bulletin_issues(id),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    published_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX bulletin_issues_revision ON bulletin_issues (year, quarter, revision);

CREATE TABLE bulletin_issue_items (
    issue_id  TEXT NOT NULL REFERENCES bulletin_issues(id),
    item_id   TEXT NOT NULL REFERENCES bulletin_items(id),
    position  INTEGER NOT NULL,
    PRIMARY KEY (issue_id, item_id)
);

-- The distribution list. An address is only a subscriber once confirmed;
-- until then it is "pending" with the hash of its confirmation token.
CREATE TABLE bulletin_subscribers (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    lang          TEXT NOT NULL,
    status        TEXT NOT NULL,
    confirm_hash  TEXT,
    confirm_until TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX bulletin_subscribers_status ON bulletin_subscribers (status, id);
CREATE UNIQUE INDEX bulletin_subscribers_confirm ON bulletin_subscribers (confirm_hash);

-- One sending of an issue to the list, with its rate limit.
CREATE TABLE bulletin_sends (
    issue_id     TEXT PRIMARY KEY REFERENCES bulletin_issues(id),
    status       TEXT NOT NULL,
    rate         INTEGER NOT NULL,
    cursor_id    TEXT NOT NULL DEFAULT '',
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);

-- One row per (issue, subscriber): claimed before the message is handed to
-- the relay and marked sent after, so nobody gets an issue twice.
CREATE TABLE bulletin_deliveries (
    issue_id       TEXT NOT NULL REFERENCES bulletin_issues(id),
    subscriber_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    last_error     TEXT NOT NULL DEFAULT '',
    next_at        TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ,
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX bulletin_deliveries_status ON bulletin_deliveries (issue_id, status, subscriber_id);

-- STIX objects served over TAXII, one row per object version and
-- collection. seq orders the collection for pagination.
CREATE TABLE bulletin_taxii_objects (
    seq            BIGSERIAL PRIMARY KEY,
    collection     TEXT NOT NULL,
    stix_id        TEXT NOT NULL,
    stix_type      TEXT NOT NULL,
    version        TEXT NOT NULL,
    date_added     TIMESTAMPTZ NOT NULL,
    latest         BOOLEAN NOT NULL DEFAULT TRUE,
    body           TEXT NOT NULL
);
CREATE UNIQUE INDEX bulletin_taxii_version ON bulletin_taxii_objects (collection, stix_id, version);
CREATE INDEX bulletin_taxii_page ON bulletin_taxii_objects (collection, latest, seq);
CREATE INDEX bulletin_taxii_id ON bulletin_taxii_objects (collection, stix_id);

-- Status resources of TAXII writes.
CREATE TABLE bulletin_taxii_status (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
