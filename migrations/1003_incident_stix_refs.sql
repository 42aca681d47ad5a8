-- Which STIX objects each published incident's bundle holds, at which
-- version (the object's modified, else created), so that the TAXII API
-- root (/taxii2/incidents/) finds an object by id, lists its versions and
-- serves the manifest without building every bundle. Rewritten by every
-- write that changes a published incident or its published statements;
-- incidents published before this step are filled once at start.
CREATE TABLE incident_stix_refs (
    incident_id  TEXT NOT NULL REFERENCES incidents(id),
    stix_id      TEXT NOT NULL,
    stix_type    TEXT NOT NULL,
    version      TEXT NOT NULL,
    PRIMARY KEY (incident_id, stix_id)
);
CREATE INDEX incident_stix_refs_object ON incident_stix_refs (stix_id, version);
