-- Facets as index terms: filters become part of the FTS5 MATCH expression
-- (an intersection of posting lists) instead of a join to search_documents
-- for every match, which kept filtered searches over large indexes slow.
-- The facets column holds tokens such as "xkindmeasure xyear2025
-- xnormgge2015c" (see search.facetTokens) and has weight 0 in bm25.

DROP TRIGGER search_documents_ai;
DROP TRIGGER search_documents_ad;
DROP TRIGGER search_documents_au;
DROP TABLE search_fts;

ALTER TABLE search_documents ADD COLUMN facets TEXT NOT NULL DEFAULT '';
UPDATE search_documents SET facets = 'xkind' || lower(replace(replace(replace(kind, '-', ''), '_', ''), '.', '')) || CASE WHEN type <> '' THEN ' xtype' || lower(replace(replace(replace(type, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN status <> '' THEN ' xstatus' || lower(replace(replace(replace(status, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN region <> '' THEN ' xregion' || lower(replace(replace(replace(region, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN state <> '' THEN ' xstate' || lower(replace(replace(replace(state, '-', ''), '_', ''), '.', '')) ELSE '' END || CASE WHEN year <> 0 THEN ' xyear' || CAST(year AS TEXT) ELSE '' END || CASE WHEN trim(norms) <> '' THEN ' xnorm' || replace(lower(replace(replace(replace(trim(norms), '-', ''), '_', ''), '.', '')), ' ', ' xnorm') ELSE '' END;

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, facets,
    content = 'search_documents', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body, facets) VALUES (new.id, new.title, new.body, new.facets);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, facets) VALUES ('delete', old.id, old.title, old.body, old.facets);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, facets) VALUES ('delete', old.id, old.title, old.body, old.facets);
    INSERT INTO search_fts (rowid, title, body, facets) VALUES (new.id, new.title, new.body, new.facets);
END;

INSERT INTO search_fts (search_fts) VALUES ('rebuild');
