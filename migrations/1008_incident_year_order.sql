-- The timeline (/incidents/timeline) and a year's list read a year's
-- published incidents newest first, a few at a time. With (status,
-- start_year) alone the planner walked every published incident in date
-- order to find a year's first rows: the timeline read all of them once
-- per year it shows (208 ms of processor time a view at the demo's 2,000
-- incidents, ten times that at 20,000). Ordered within the year, a year's
-- first rows are the index's first entries; the index still covers the
-- counts by year.
DROP INDEX incidents_year;
CREATE INDEX incidents_year ON incidents (status, start_year, start_date, id);
