-- The secretariat's list of every proposal, newest first, a page at a time
-- (internal/incidents/proposals.go): read in the order of this index
-- instead of sorting every proposal for each page. An organisation's list
-- and a status's read incident_proposals_org and _status.
CREATE INDEX incident_proposals_time ON incident_proposals (created_at, id);
