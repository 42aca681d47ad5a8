-- Documents attached to an event (agendas, presentations, reports: PDF,
-- checked by content), shown to whoever may see the event.
CREATE TABLE capacity_event_documents (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL REFERENCES capacity_events(id),
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BYTEA NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_event_documents_event ON capacity_event_documents (event_id, uploaded_at);

-- Invitations the organiser sends by e-mail: the link carries a secret
-- (only its hash is kept) that lets the invited address register, also to
-- an event by invitation.
CREATE TABLE capacity_event_invitations (
    id            TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL REFERENCES capacity_events(id),
    email         TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    invited_by    TEXT NOT NULL,
    invited_at    TIMESTAMPTZ NOT NULL,
    registered_at TIMESTAMPTZ,
    UNIQUE (event_id, email)
);
