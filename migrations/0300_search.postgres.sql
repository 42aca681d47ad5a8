-- Shared full-text search (PostgreSQL): one row per indexed document with a
-- generated tsvector (title weighted A, body B) under a GIN index. Ranking
-- with ts_rank, snippets with ts_headline. See internal/platform/search.

CREATE TABLE search_documents (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT 'en',
    title       TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',
    norms       TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    region      TEXT NOT NULL DEFAULT '',
    year        INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL DEFAULT '',
    parent      TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    tsv         tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', title), 'A') ||
                    setweight(to_tsvector('english', body), 'B')) STORED,
    UNIQUE (kind, ref)
);
CREATE INDEX search_documents_parent ON search_documents (kind, parent);
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
