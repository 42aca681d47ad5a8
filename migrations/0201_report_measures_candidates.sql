-- A State's published measures, newest cycle first, in norm order: the
-- compendium's marking page lists them (compendium.CandidateMeasures,
-- "WHERE published AND state_iso3 ORDER BY cycle_year DESC, norm_id,
-- position LIMIT n"). Without this index the query read every published
-- measure of the State through (published, cycle_year) and sorted them
-- (about 0.2 s on the scale-1 demo data); with it, it reads the first n
-- index entries in order.

CREATE INDEX report_measures_candidates ON report_measures (published, state_iso3, cycle_year DESC, norm_id, position);
