-- How many published incidents have each facet value, per year of their
-- start date, so that the filtered list chooses the facet it reads first
-- (the one with the fewest rows) from a few rows, instead of counting the
-- facets' rows in incident_facets — on PostgreSQL a read of the table for
-- each row until a vacuum has marked its pages visible (80 ms for a list
-- filtered by two common facets at scale 10). Kept by the writes of
-- incident_facets, in their transaction (internal/incidents/facets.go).
CREATE TABLE incident_facet_counts (
    facet  TEXT NOT NULL,
    value  TEXT NOT NULL,
    year   TEXT NOT NULL,   -- the first four characters of start_date
    n      INTEGER NOT NULL,
    PRIMARY KEY (facet, value, year)
);

INSERT INTO incident_facet_counts (facet, value, year, n)
SELECT facet, value, substr(start_date, 1, 4), COUNT(*) FROM incident_facets
GROUP BY facet, value, substr(start_date, 1, 4);
