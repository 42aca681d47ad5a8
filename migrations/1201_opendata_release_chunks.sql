-- Open-data releases in chunks: a release's zip and its row digest are
-- kept as rows of at most 1 MiB (opendata_release_chunks), written and
-- read as streams, so that neither making nor serving a release holds a
-- whole zip or digest in memory. The releases made before this step are
-- split here; their digests stay as they were written (digest_format 1:
-- gzip of "dataset<TAB>key<TAB>hash" lines in the order the rows were
-- written), where a new release's (2) are binary records sorted by dataset
-- and key. See docs/modules/opendata.md.

CREATE TABLE opendata_release_chunks (
    version  TEXT NOT NULL REFERENCES opendata_releases(version),
    part     TEXT NOT NULL,   -- zip | digest
    seq      INTEGER NOT NULL, -- 0, 1, …: byte seq*1048576 onwards
    data     BYTEA NOT NULL,   -- 1048576 bytes, the last one of a part fewer
    PRIMARY KEY (version, part, seq)
);

WITH RECURSIVE pieces(version, seq) AS (
    SELECT version, 0 FROM opendata_releases WHERE length(zip) > 0
    UNION ALL
    SELECT p.version, p.seq + 1 FROM pieces p JOIN opendata_releases r ON r.version = p.version
    WHERE (p.seq + 1) * 1048576 < length(r.zip)
)
INSERT INTO opendata_release_chunks (version, part, seq, data)
SELECT p.version, 'zip', p.seq, substr(r.zip, p.seq * 1048576 + 1, 1048576)
FROM pieces p JOIN opendata_releases r ON r.version = p.version;

WITH RECURSIVE pieces(version, seq) AS (
    SELECT version, 0 FROM opendata_releases WHERE length(digest_gzip) > 0
    UNION ALL
    SELECT p.version, p.seq + 1 FROM pieces p JOIN opendata_releases r ON r.version = p.version
    WHERE (p.seq + 1) * 1048576 < length(r.digest_gzip)
)
INSERT INTO opendata_release_chunks (version, part, seq, data)
SELECT p.version, 'digest', p.seq, substr(r.digest_gzip, p.seq * 1048576 + 1, 1048576)
FROM pieces p JOIN opendata_releases r ON r.version = p.version;

ALTER TABLE opendata_releases ADD COLUMN digest_format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE opendata_releases DROP COLUMN zip;
ALTER TABLE opendata_releases DROP COLUMN digest_gzip;
