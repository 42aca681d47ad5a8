-- Incidents and attributions (internal/incidents): significant ICT
-- incidents curated by the secretariat, the attribution statements made
-- about them, the responses taken, proposals from stakeholder
-- organisations, and every record's history. List fields are stored as
-- ",a,b," so that a filter is a portable LIKE '%,a,%'; structured lists
-- (receivers, initiators, sources, evidence) as JSON text.

CREATE TABLE incidents (
    id                 TEXT PRIMARY KEY,
    status             TEXT NOT NULL,            -- draft | published
    name               TEXT NOT NULL,
    summary            TEXT NOT NULL,
    start_date         TEXT NOT NULL,            -- YYYY, YYYY-MM or YYYY-MM-DD: the precision is the form
    end_date           TEXT NOT NULL DEFAULT '',
    start_year         INTEGER NOT NULL,
    type               TEXT NOT NULL,
    receivers          TEXT NOT NULL,            -- JSON [{state, sector}]
    receiver_states    TEXT NOT NULL DEFAULT ',',
    sectors            TEXT NOT NULL DEFAULT ',',
    initiators         TEXT NOT NULL,            -- JSON [{name, group_id, state}]
    actor_ids          TEXT NOT NULL DEFAULT ',',
    initiator_states   TEXT NOT NULL DEFAULT ',',
    techniques         TEXT NOT NULL DEFAULT ',',
    zero_day           BOOLEAN NOT NULL DEFAULT FALSE,
    impact             INTEGER NOT NULL,
    sources            TEXT NOT NULL,            -- JSON [{url, title, date}]
    field_changed      TEXT NOT NULL,            -- JSON {field: time}
    -- Facets kept from the published attribution statements.
    attributor_states  TEXT NOT NULL DEFAULT ',',
    named_states       TEXT NOT NULL DEFAULT ',',
    norms              TEXT NOT NULL DEFAULT ',',
    origin             TEXT NOT NULL DEFAULT 'secretariat', -- secretariat | proposal | import
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    published_at       TIMESTAMPTZ
);
CREATE INDEX incidents_list ON incidents (status, start_date, id);
CREATE INDEX incidents_year ON incidents (status, start_year);

-- An attribution statement about an incident.
CREATE TABLE incident_attributions (
    id                TEXT PRIMARY KEY,
    incident_id       TEXT NOT NULL REFERENCES incidents(id),
    status            TEXT NOT NULL,             -- draft | published
    made_on           TEXT NOT NULL,             -- YYYY-MM-DD
    attributor_kind   TEXT NOT NULL,             -- state | international-organisation | company | researchers | media
    attributor_states TEXT NOT NULL DEFAULT ',', -- signatories of a State statement (several: joint)
    attributor_name   TEXT NOT NULL DEFAULT '',
    basis             TEXT NOT NULL,
    named_state       TEXT NOT NULL DEFAULT '',
    named_actor       TEXT NOT NULL DEFAULT '',  -- ATT&CK group id or a name
    norms             TEXT NOT NULL DEFAULT ',',
    law               TEXT NOT NULL,             -- JSON [text]
    evidence          TEXT NOT NULL,             -- JSON [{url, title, kind}]
    statement_url     TEXT NOT NULL DEFAULT '',
    response          TEXT NOT NULL DEFAULT '',  -- denial | denouncement | confirmation | silence | '' (not recorded)
    response_on       TEXT NOT NULL DEFAULT '',
    response_url      TEXT NOT NULL DEFAULT '',
    author_id         TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    published_at      TIMESTAMPTZ
);
CREATE INDEX incident_attributions_incident ON incident_attributions (incident_id, made_on);
CREATE INDEX incident_attributions_status ON incident_attributions (status, made_on);

-- Each signatory State's approval of a State statement: the statement is
-- published when every signatory has signed (or the secretariat records
-- one already made in public).
CREATE TABLE incident_signatures (
    attribution_id  TEXT NOT NULL REFERENCES incident_attributions(id),
    state_iso3      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    signed_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (attribution_id, state_iso3)
);

-- Diplomatic, legal and economic responses.
CREATE TABLE incident_responses (
    id             TEXT PRIMARY KEY,
    incident_id    TEXT NOT NULL REFERENCES incidents(id),
    kind           TEXT NOT NULL,   -- demarche | expulsion | sanctions | indictment | countermeasure
    taken_on       TEXT NOT NULL,   -- YYYY-MM-DD
    by_states      TEXT NOT NULL DEFAULT ',',
    by_name        TEXT NOT NULL DEFAULT '',
    against_state  TEXT NOT NULL DEFAULT '',
    against_actor  TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    sources        TEXT NOT NULL,   -- JSON [{url, title, date}]
    author_id      TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_responses_incident ON incident_responses (incident_id, taken_on);

-- Proposals from stakeholder organisations: a new incident, or a
-- correction of a published one. Visible to the organisation and the
-- secretariat until accepted.
CREATE TABLE incident_proposals (
    id            TEXT PRIMARY KEY,
    incident_id   TEXT REFERENCES incidents(id),   -- NULL: a new incident
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    proposer_id   TEXT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL,                   -- submitted | accepted | rejected
    payload       TEXT NOT NULL,                   -- JSON IncidentInput
    note          TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    decided_at    TIMESTAMPTZ
);
CREATE INDEX incident_proposals_status ON incident_proposals (status, created_at);
CREATE INDEX incident_proposals_org ON incident_proposals (org_id, created_at);

-- Every change to a record, with who made it (as shown to the public:
-- the secretariat, an organisation's name or a State) and the fields.
CREATE TABLE incident_history (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL,
    entity       TEXT NOT NULL,      -- incident | attribution | response | proposal
    entity_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    who          TEXT NOT NULL,
    fields       TEXT NOT NULL DEFAULT '',
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX incident_history_incident ON incident_history (incident_id, at);

-- Dated releases of the open dataset, kept for citation.
CREATE TABLE incident_releases (
    version      TEXT PRIMARY KEY,   -- 2026-12-04, or 2026-12-04.2
    released_at  TIMESTAMPTZ NOT NULL,
    incidents    INTEGER NOT NULL,
    attributions INTEGER NOT NULL,
    responses    INTEGER NOT NULL,
    notes        TEXT NOT NULL,
    csv_sha256   TEXT NOT NULL,      -- of the uncompressed CSV
    csv_gzip     BYTEA NOT NULL
);
