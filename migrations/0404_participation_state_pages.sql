-- A State's page lists its objections and its votes a page at a time,
-- newest first (created_at DESC, application_id DESC): these indexes give
-- each page in order, so that it costs the same however long the State's
-- record (at demo scale 10, ten times as many rows as at scale 1). They
-- begin with the State, so they serve also what the single-column indexes
-- served, which they replace.
CREATE INDEX participation_objections_state_time ON participation_objections (state_iso3, created_at, application_id);
DROP INDEX participation_objections_state;
CREATE INDEX participation_votes_state_time ON participation_votes (state_iso3, created_at, application_id);
DROP INDEX participation_votes_state;
