-- A State's page lists the votes it cast in recorded votes that have
-- closed. The index of migration 0404 held all of a State's votes, so a
-- page walked its votes by secret ballot and its votes still open too,
-- to find none or few: at demo scale 10, Kenya's 205 votes, none of them
-- published, at every view of its page. A vote is now marked published
-- when its application is decided after a recorded vote (decideTx), and
-- the index holds a State's published votes apart, newest first.
ALTER TABLE participation_votes ADD COLUMN published BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE participation_votes SET published = TRUE WHERE application_id IN
    (SELECT id FROM participation_applications WHERE votes_recorded = TRUE AND decided_at IS NOT NULL);
CREATE INDEX participation_votes_published ON participation_votes (state_iso3, published, created_at, application_id);
DROP INDEX participation_votes_state_time;
