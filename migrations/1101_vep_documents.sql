-- A VEP policy's document uploaded as a PDF (issue 18): kept in the
-- database so that every instance serves it. Public once a policy version
-- that names it is published (published_at); before that only the draft's
-- authors (the State's staff, or the secretariat for its entries) get it.
CREATE TABLE vep_documents (
    id            TEXT PRIMARY KEY,
    state_iso3    TEXT NOT NULL REFERENCES states(iso3),
    source        TEXT NOT NULL,
    filename      TEXT NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    content       BYTEA NOT NULL,
    uploaded_at   TIMESTAMPTZ NOT NULL,
    uploaded_by   TEXT NOT NULL,
    published_at  TIMESTAMPTZ
);
CREATE INDEX vep_documents_state ON vep_documents (state_iso3, source);
