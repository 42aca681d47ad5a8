-- Shared full-text search (SQLite): one row per indexed document in
-- search_documents, and an external-content FTS5 table over its title and
-- body kept in step by triggers. Ranking with bm25(), snippets with
-- snippet(). See internal/platform/search and docs/modules/compendium.md.

CREATE TABLE search_documents (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,               -- recommendation | measure | practice | …
    ref         TEXT NOT NULL,               -- the indexed thing's id in its module
    lang        TEXT NOT NULL DEFAULT 'en',
    title       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    norms       TEXT NOT NULL DEFAULT '',    -- " gge2015-a gge2015-c " (space-delimited, padded)
    type        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',    -- regional group
    year        INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT '',    -- ISO3
    parent      TEXT NOT NULL DEFAULT '',    -- e.g. the report a measure belongs to
    updated_at  DATETIME NOT NULL,
    UNIQUE (kind, ref)
);
CREATE INDEX search_documents_parent ON search_documents (kind, parent);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body,
    content = 'search_documents', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
