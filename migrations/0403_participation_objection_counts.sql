-- How many objections each State lodged in each body, withdrawn ones
-- included, so that the per-State statistics (/participation/states) add
-- up a few rows per body instead of joining and counting every objection
-- on every view (2.7 -> 16.1 ms a request from demo scale 1 to 10). Kept by
-- lodgeObjectionTx in the objection's transaction; the body's
-- name_objectors flag is read when the counts are, so a change to it
-- shows at once. See internal/participation/transparency.go.
CREATE TABLE participation_objection_counts (
    body_id     TEXT NOT NULL REFERENCES participation_bodies(id),
    state_iso3  TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (body_id, state_iso3)
);

INSERT INTO participation_objection_counts (body_id, state_iso3, n)
SELECT a.body_id, x.state_iso3, COUNT(*) FROM participation_objections x
JOIN participation_applications a ON a.id = x.application_id
GROUP BY a.body_id, x.state_iso3;

-- A State's page lists the votes it cast: without this index, a read of
-- every vote on every view.
CREATE INDEX participation_votes_state ON participation_votes (state_iso3);
