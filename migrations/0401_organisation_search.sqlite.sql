-- The organisation registry's name search (SQLite). organisations has a
-- TEXT key and its implicit rowid may change (VACUUM, VACUUM INTO), so a
-- small table gives each organisation a stable integer for two
-- external-content FTS5 indexes over its name:
--   participation_org_trigrams  trigram tokenizer: substrings of 3+ characters
--   participation_org_words     words, with 1- and 2-character prefix indexes
-- Triggers on organisations keep the table in step whoever writes it (admin,
-- the CLI, the demo), and triggers on the table keep both indexes in step.
-- Matching is decided in internal/participation/registry.go, which checks
-- every candidate with LIKE, so the indexes only have to find a superset.

CREATE TABLE participation_org_search (
    id      INTEGER PRIMARY KEY,
    org_id  TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL
);

CREATE VIRTUAL TABLE participation_org_trigrams USING fts5(
    name,
    content = 'participation_org_search', content_rowid = 'id',
    tokenize = 'trigram'
);

CREATE VIRTUAL TABLE participation_org_words USING fts5(
    name,
    content = 'participation_org_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2'
);

CREATE TRIGGER participation_org_search_ai AFTER INSERT ON participation_org_search BEGIN
    INSERT INTO participation_org_trigrams (rowid, name) VALUES (new.id, new.name);
    INSERT INTO participation_org_words (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER participation_org_search_ad AFTER DELETE ON participation_org_search BEGIN
    INSERT INTO participation_org_trigrams (participation_org_trigrams, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO participation_org_words (participation_org_words, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER participation_org_search_au AFTER UPDATE ON participation_org_search BEGIN
    INSERT INTO participation_org_trigrams (participation_org_trigrams, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO participation_org_words (participation_org_words, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO participation_org_trigrams (rowid, name) VALUES (new.id, new.name);
    INSERT INTO participation_org_words (rowid, name) VALUES (new.id, new.name);
END;

-- The organisations already registered.
INSERT INTO participation_org_search (org_id, name) SELECT id, name FROM organisations;

CREATE TRIGGER organisations_search_ai AFTER INSERT ON organisations BEGIN
    INSERT INTO participation_org_search (org_id, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER organisations_search_au AFTER UPDATE OF id, name ON organisations BEGIN
    UPDATE participation_org_search SET org_id = new.id, name = new.name WHERE org_id = old.id;
END;
CREATE TRIGGER organisations_search_ad AFTER DELETE ON organisations BEGIN
    DELETE FROM participation_org_search WHERE org_id = old.id;
END;

-- The headquarters and consultative-status filters find their
-- organisations without walking the registry when they are the rarer
-- condition of a search (registry.go).
CREATE INDEX participation_profiles_hq ON participation_profiles (hq_iso3);
CREATE INDEX participation_profiles_ecosoc ON participation_profiles (ecosoc);
