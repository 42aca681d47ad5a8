-- A project's implementers: the offerer of the match that started it (the
-- lead, also kept in capacity_projects.implementer_*) and every further
-- offer the requesting State accepted for the same need while the project
-- runs. implementer_name in capacity_projects then lists them all.
CREATE TABLE capacity_project_implementers (
    project_id  TEXT NOT NULL REFERENCES capacity_projects(id),
    offer_id    TEXT NOT NULL,
    match_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,                 -- state | organisation
    state_iso3  TEXT NOT NULL DEFAULT '',
    org_id      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    lead        BOOLEAN NOT NULL,
    joined_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, offer_id)
);
CREATE INDEX capacity_project_implementers_match ON capacity_project_implementers (match_id);
CREATE INDEX capacity_project_implementers_state ON capacity_project_implementers (state_iso3);
CREATE INDEX capacity_project_implementers_org ON capacity_project_implementers (org_id);
INSERT INTO capacity_project_implementers (project_id, offer_id, match_id, kind, state_iso3, org_id, name, lead, joined_at)
    SELECT id, offer_id, match_id, implementer_kind, implementer_state, implementer_org, implementer_name, TRUE, created_at FROM capacity_projects;
