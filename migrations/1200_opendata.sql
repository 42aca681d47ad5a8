-- Open-data releases: dated, immutable zips of every dataset (CSV files and
-- their datapackage.json), kept for citation. digest_gzip holds one line
-- per row, "dataset<TAB>primary key<TAB>hash of the row", so that the next
-- release can say what was added, changed and withdrawn. See
-- docs/modules/opendata.md.

CREATE TABLE opendata_releases (
    version       TEXT PRIMARY KEY,              -- YYYY-MM-DD, then YYYY-MM-DD.2 …
    released_at   TIMESTAMPTZ NOT NULL,
    made_by       TEXT NOT NULL,                 -- schedule | secretariat | cli
    bytes         BIGINT NOT NULL,
    sha256        TEXT NOT NULL,                 -- of the zip
    files_json    TEXT NOT NULL,                 -- [{dataset, path, rows, bytes, sha256}]
    changes_json  TEXT NOT NULL,                 -- [{dataset, added, changed, withdrawn}]
    zip           BYTEA NOT NULL,
    digest_gzip   BYTEA NOT NULL
);
CREATE INDEX opendata_releases_time ON opendata_releases (released_at);
