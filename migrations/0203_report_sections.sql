-- The draft's task list: one row per section of a report (a reportable
-- norm's id, or "international-law") that an editor has saved on its own
-- page. reviewed: saved in this draft, so carried-forward measures are no
-- longer "to review"; completed: the editor marked the section completed.
-- Rows belong to the working draft and are deleted when it is submitted.
-- See docs/modules/reporting.md, "The task list".

CREATE TABLE report_sections (
    report_id        TEXT NOT NULL REFERENCES reports(id),
    section          TEXT NOT NULL,
    reviewed         BOOLEAN NOT NULL DEFAULT FALSE,
    completed        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at       TIMESTAMPTZ NOT NULL,
    updated_by_name  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, section)
);
