-- A State's page (/incidents/states/{iso3}) lists the published
-- statements it made alone or joined, those naming it, and the responses
-- it took or that were taken against it, newest first, 200 of each. Read
-- with LIKE '%,X,%' over the comma lists, each list walked every published
-- statement in date order for a State with few of them: 338 ms of
-- processor time a view at the demo's scale 10 (35,000 statements). One
-- row per statement, role and State, written in the transaction of every
-- write that changes a published incident, its published statements or
-- its responses (internal/incidents/statestates.go), makes each list an
-- index range read newest first.
CREATE TABLE incident_statement_states (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    statement_id TEXT NOT NULL,  -- an attribution's or a response's id
    role         TEXT NOT NULL,  -- made | joined | named (attributions), took | targeted (responses)
    state_iso3   TEXT NOT NULL,
    made_on      TEXT NOT NULL,  -- the attribution's made_on, the response's taken_on
    PRIMARY KEY (incident_id, statement_id, role, state_iso3)
);
CREATE INDEX incident_statement_states_state ON incident_statement_states (state_iso3, role, made_on DESC, statement_id DESC);

-- The rows of what is already published. The lists are ",AAA,BBB,": ISO
-- 3166 codes of three letters, the k-th at 2 + 4k.
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 199)
INSERT INTO incident_statement_states (incident_id, statement_id, role, state_iso3, made_on)
SELECT DISTINCT a.incident_id, a.id, CASE WHEN length(a.attributor_states) = 5 THEN 'made' ELSE 'joined' END, substr(a.attributor_states, 2 + 4 * k.n, 3), a.made_on
FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id JOIN k ON length(a.attributor_states) >= 5 + 4 * k.n
WHERE a.status = 'published' AND i.status = 'published';

INSERT INTO incident_statement_states (incident_id, statement_id, role, state_iso3, made_on)
SELECT a.incident_id, a.id, 'named', a.named_state, a.made_on
FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id
WHERE a.status = 'published' AND i.status = 'published' AND a.named_state <> '';

WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 199)
INSERT INTO incident_statement_states (incident_id, statement_id, role, state_iso3, made_on)
SELECT DISTINCT r.incident_id, r.id, 'took', substr(r.by_states, 2 + 4 * k.n, 3), r.taken_on
FROM incident_responses r JOIN incidents i ON i.id = r.incident_id JOIN k ON length(r.by_states) >= 5 + 4 * k.n
WHERE i.status = 'published';

INSERT INTO incident_statement_states (incident_id, statement_id, role, state_iso3, made_on)
SELECT r.incident_id, r.id, 'targeted', r.against_state, r.taken_on
FROM incident_responses r JOIN incidents i ON i.id = r.incident_id
WHERE i.status = 'published' AND r.against_state <> '';
