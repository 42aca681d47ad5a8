-- The hand-off between a State's editors and its approvers, and their
-- comment thread. See docs/modules/reporting.md, "Hand-off and comments".
--
-- reports.handoff is where the working draft stands between them:
-- '' (being edited), 'awaiting_approval' (an editor sent it for approval)
-- or 'returned' (an approver returned it to the editors with comments);
-- handoff_at and handoff_by_name say when and by whom. Submitting and
-- reopening set it back to ''.
ALTER TABLE reports ADD COLUMN handoff TEXT NOT NULL DEFAULT '';
ALTER TABLE reports ADD COLUMN handoff_at TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN handoff_by_name TEXT NOT NULL DEFAULT '';

-- Comments between the State's own users, on the report as a whole
-- (section '') or on one section (a reportable norm's id, or
-- 'international-law'). Only the State's own users ever read them: never
-- the public, nor search, open data, page caches or e-mail (which says
-- that a comment was left and links to it). They are never edited nor
-- deleted, and each is kept with the version it was written on: the
-- version the draft was to become, or the submitted version commented on.
-- kind: 'comment', 'sent' (written when sending for approval) or
-- 'returned' (the approver's comments when returning it to the editors).
CREATE TABLE report_comments (
    id           TEXT PRIMARY KEY,
    report_id    TEXT NOT NULL REFERENCES reports(id),
    section      TEXT NOT NULL DEFAULT '',
    version      INTEGER NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'comment',
    body         TEXT NOT NULL,
    author_id    TEXT NOT NULL,
    author_name  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_comments_report ON report_comments (report_id, created_at);
