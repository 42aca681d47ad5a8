-- Positions (internal/positions): how States say international law applies
-- in cyberspace, and where they stand on proposed norms.
-- List fields are stored as ",a,b," so that a filter is a portable LIKE.
-- Dates a person gives (issued, stated, endorsed) are 'YYYY-MM-DD' text.

-- The topics of international law. Titles and descriptions are JSON
-- objects keyed by language; every change raises version and keeps the old
-- text in positions_topic_versions.
CREATE TABLE positions_topics (
    id            TEXT PRIMARY KEY,
    position      INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    titles        TEXT NOT NULL,
    descriptions  TEXT NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE TABLE positions_topic_versions (
    topic_id      TEXT NOT NULL REFERENCES positions_topics(id),
    version       INTEGER NOT NULL,
    titles        TEXT NOT NULL,
    descriptions  TEXT NOT NULL,
    changed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (topic_id, version)
);

-- A question on a topic with a closed set of answers (JSON [{id,label}]).
CREATE TABLE positions_questions (
    id          TEXT PRIMARY KEY,
    topic_id    TEXT NOT NULL REFERENCES positions_topics(id),
    position    INTEGER NOT NULL,
    text        TEXT NOT NULL,
    answers     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_questions_topic ON positions_questions (topic_id, position);

-- A position document: a State's own (kind 'national') or one held by a
-- group of States (kind 'joint', with endorsements). status: draft,
-- published, superseded. A later national position supersedes the earlier
-- one, which stays readable.
CREATE TABLE positions_documents (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    state_iso3      TEXT NOT NULL DEFAULT '',
    group_name      TEXT NOT NULL DEFAULT '',
    title           TEXT NOT NULL,
    issued_on       TEXT NOT NULL,
    year            INTEGER NOT NULL,
    languages       TEXT NOT NULL DEFAULT ',',
    source_url      TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    by_secretariat  BOOLEAN NOT NULL DEFAULT FALSE,
    confirmed_at    TIMESTAMPTZ,
    supersedes      TEXT NOT NULL DEFAULT '',
    superseded_by   TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    published_at    TIMESTAMPTZ
);
CREATE INDEX positions_documents_state ON positions_documents (state_iso3, status, issued_on);
CREATE INDEX positions_documents_status ON positions_documents (status, issued_on);

-- A passage quotes its document (ref: paragraph or page) and is tagged
-- with one or more topics (positions_passage_topics).
CREATE TABLE positions_passages (
    id           TEXT PRIMARY KEY,
    document_id  TEXT NOT NULL REFERENCES positions_documents(id),
    seq          INTEGER NOT NULL,
    ref          TEXT NOT NULL,
    text         TEXT NOT NULL,
    lang         TEXT NOT NULL
);
CREATE INDEX positions_passages_document ON positions_passages (document_id, seq);
CREATE TABLE positions_passage_topics (
    passage_id   TEXT NOT NULL REFERENCES positions_passages(id),
    topic_id     TEXT NOT NULL REFERENCES positions_topics(id),
    document_id  TEXT NOT NULL REFERENCES positions_documents(id),
    PRIMARY KEY (topic_id, passage_id)
);
CREATE INDEX positions_passage_topics_passage ON positions_passage_topics (passage_id);

-- A document's answer to a question, optionally pointing at the passage
-- that says it.
CREATE TABLE positions_stances (
    document_id  TEXT NOT NULL REFERENCES positions_documents(id),
    question_id  TEXT NOT NULL REFERENCES positions_questions(id),
    answer       TEXT NOT NULL,
    passage_seq  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, question_id)
);
CREATE INDEX positions_stances_question ON positions_stances (question_id);

-- The States that endorse a joint position, and when.
CREATE TABLE positions_endorsements (
    document_id  TEXT NOT NULL REFERENCES positions_documents(id),
    state_iso3   TEXT NOT NULL,
    endorsed_on  TEXT NOT NULL,
    PRIMARY KEY (document_id, state_iso3)
);
CREATE INDEX positions_endorsements_state ON positions_endorsements (state_iso3);

-- A proposed norm: who proposed it, its text, where it is discussed, and
-- its status (proposed, under-discussion, agreed, withdrawn), every change
-- dated in positions_proposal_events.
CREATE TABLE positions_proposals (
    id               TEXT PRIMARY KEY,
    norm_id          TEXT NOT NULL DEFAULT '',
    title            TEXT NOT NULL,
    text             TEXT NOT NULL,
    rationale        TEXT NOT NULL DEFAULT '',
    proposed_by      TEXT NOT NULL,
    proposer_states  TEXT NOT NULL DEFAULT ',',
    source_url       TEXT NOT NULL DEFAULT '',
    body             TEXT NOT NULL DEFAULT '',
    session          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE TABLE positions_proposal_events (
    id           TEXT PRIMARY KEY,
    proposal_id  TEXT NOT NULL REFERENCES positions_proposals(id),
    status       TEXT NOT NULL,
    on_date      TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_proposal_events_proposal ON positions_proposal_events (proposal_id, on_date);

-- A State's position on a proposal. Every change is a new row; the newest
-- per State has current = TRUE.
CREATE TABLE positions_proposal_stances (
    id              TEXT PRIMARY KEY,
    proposal_id     TEXT NOT NULL REFERENCES positions_proposals(id),
    state_iso3      TEXT NOT NULL,
    stance          TEXT NOT NULL,
    amendment       TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    stated_on       TEXT NOT NULL,
    source_kind     TEXT NOT NULL,
    source_ref      TEXT NOT NULL DEFAULT '',
    by_secretariat  BOOLEAN NOT NULL DEFAULT FALSE,
    current         BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_proposal_stances_current ON positions_proposal_stances (proposal_id, current, state_iso3);
CREATE INDEX positions_proposal_stances_state ON positions_proposal_stances (state_iso3, current);

-- Stakeholder organisations' endorsements of a proposal, never counted as
-- States' positions.
CREATE TABLE positions_proposal_endorsements (
    proposal_id  TEXT NOT NULL REFERENCES positions_proposals(id),
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    endorsed_on  TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (proposal_id, org_id)
);

-- What a signed-in user follows: 'topic:<id>' or 'proposal:<id>'.
CREATE TABLE positions_follows (
    user_id     TEXT NOT NULL REFERENCES users(id),
    target      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, target)
);
CREATE INDEX positions_follows_target ON positions_follows (target);
