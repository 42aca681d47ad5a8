-- Facets as index terms (see 0302_search_facets.sqlite.sql): the facet
-- tokens join the tsvector with weight D, which ts_rank weighs 0, so one
-- GIN lookup serves the words and the filters together.

ALTER TABLE search_documents ADD COLUMN facets TEXT NOT NULL DEFAULT '';
UPDATE search_documents SET facets = 'xkind' || lower(replace(replace(replace(kind, '-', ''), '_', ''), '.', '')) || CASE WHEN type <> '' THEN ' xtype' || lower(replace(replace(replace(type, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN status <> '' THEN ' xstatus' || lower(replace(replace(replace(status, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN region <> '' THEN ' xregion' || lower(replace(replace(replace(region, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN state <> '' THEN ' xstate' || lower(replace(replace(replace(state, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN year <> 0 THEN ' xyear' || CAST(year AS TEXT) ELSE '' END || CASE WHEN trim(norms) <> '' THEN ' xnorm' || replace(lower(replace(replace(replace(trim(norms), '-', ''), '_', ''), '.', '')), ' ', ' xnorm') ELSE '' END;
DROP INDEX search_documents_tsv;
ALTER TABLE search_documents DROP COLUMN tsv;
ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('english', body), 'B') ||
    setweight(to_tsvector('simple', facets), 'D')) STORED;
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
