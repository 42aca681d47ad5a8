-- The PDF of a position document (the document as its State published
-- it), checked by content; one per document, replaced while it may be
-- changed. Its text stays in positions_documents.body and the passages.
CREATE TABLE positions_document_files (
    document_id  TEXT PRIMARY KEY REFERENCES positions_documents(id),
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
