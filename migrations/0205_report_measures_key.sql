-- A page of a report's measures starts after the measure its cursor names
-- by key (internal/reporting/store.go, loadMeasuresPage): found by this
-- index instead of reading every measure of the version.
CREATE INDEX report_measures_key ON report_measures (report_id, version, measure_key);
