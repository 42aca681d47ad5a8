-- Compendium of good practice: curated recommendations per norm, each
-- attributed to its source, and good practices (published measures marked
-- by the secretariat or by their State). See docs/modules/compendium.md.

CREATE TABLE compendium_sources (
    id          TEXT PRIMARY KEY,              -- stable slug, e.g. techaccord-australia-consultation-2020
    title       TEXT NOT NULL,
    author      TEXT NOT NULL,
    document    TEXT NOT NULL DEFAULT '',
    year        INTEGER NOT NULL DEFAULT 0,
    url         TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE compendium_recommendations (
    id          TEXT PRIMARY KEY,
    norm_id     TEXT NOT NULL REFERENCES norms(id),
    position    INTEGER NOT NULL,
    text        TEXT NOT NULL,                 -- markdown-free plain text; sub-items as "\n- " lines
    source_id   TEXT NOT NULL REFERENCES compendium_sources(id),
    import_key  TEXT NOT NULL UNIQUE,          -- "<source>/<norm>/<n>" for imported rows, the id otherwise
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX compendium_recommendations_norm ON compendium_recommendations (norm_id, position);

-- A good practice is a measure (by its stable measure_key) marked by the
-- secretariat or its own State. It is shown only while the measure has a
-- published row (current version of a public report).
CREATE TABLE compendium_practices (
    measure_key  TEXT PRIMARY KEY,
    state_iso3   TEXT NOT NULL,
    measure_id   TEXT NOT NULL DEFAULT '',      -- its current published row, '' while none (kept by the sync job)
    note         TEXT NOT NULL DEFAULT '',
    marked_by    TEXT NOT NULL DEFAULT '',
    marked_role  TEXT NOT NULL DEFAULT '',
    marked_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX compendium_practices_state ON compendium_practices (state_iso3);

-- Which version of each report's measures is in the search index, so the
-- sync job re-indexes only what changed.
CREATE TABLE compendium_indexed_reports (
    report_id   TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    indexed_at  TIMESTAMPTZ NOT NULL
);
