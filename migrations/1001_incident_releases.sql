-- A release keeps the whole dataset as the JSON document (incidents with
-- their statements and responses), gzipped, not a CSV.
ALTER TABLE incident_releases RENAME COLUMN csv_sha256 TO sha256;
ALTER TABLE incident_releases RENAME COLUMN csv_gzip TO json_gzip;
