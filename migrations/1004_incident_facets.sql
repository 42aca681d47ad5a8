-- The filtered list's facets (internal/incidents/list.go) as rows, one
-- per published incident, facet and value, with the incident's start date,
-- so that a facet is an index range read newest first instead of a
-- LIKE '%,X,%' scan of the list columns. Rewritten in the transaction of
-- every write that changes a published incident or its published
-- statements; incidents published before this step are filled once at
-- start (the list columns cannot be split portably in SQL).
CREATE TABLE incident_facets (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    facet        TEXT NOT NULL,  -- type | sector | attributor | named | receiver | norm | actor
    value        TEXT NOT NULL,
    start_date   TEXT NOT NULL,  -- incidents.start_date
    PRIMARY KEY (incident_id, facet, value)
);
CREATE INDEX incident_facets_list ON incident_facets (facet, value, start_date DESC, incident_id DESC);
