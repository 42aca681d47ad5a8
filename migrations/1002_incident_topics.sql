-- The rules of international law an attribution invokes, as topics of the
-- positions module (ids), beside the free-text law column.
ALTER TABLE incident_attributions ADD COLUMN topics TEXT NOT NULL DEFAULT ',';
