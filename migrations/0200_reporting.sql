-- National implementation reports: cycles, one report per State per cycle,
-- its immutable numbered versions, measures per norm, per-norm challenges
-- and capacity gaps, the international-law position, and a precomputed
-- aggregate for public pages. See docs/modules/reporting.md.
--
-- Version 0 of a report is its working draft; versions 1, 2, … are
-- submitted and never change. Read-side consumers (compendium, monitoring,
-- search) should read rows with published = TRUE: those belong to the
-- current submitted version of a public report, and nothing else does.

CREATE TABLE reporting_cycles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,          -- e.g. "2026"
    year        INTEGER NOT NULL,
    opens_at    TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    closes_at   TIMESTAMPTZ NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    created_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reporting_cycles_year ON reporting_cycles (year);

CREATE TABLE reports (
    id               TEXT PRIMARY KEY,
    state_iso3       TEXT NOT NULL,
    cycle_id         TEXT NOT NULL REFERENCES reporting_cycles(id),
    cycle_year       INTEGER NOT NULL,
    status           TEXT NOT NULL,              -- draft | submitted
    revision         INTEGER NOT NULL DEFAULT 1, -- optimistic concurrency of the draft
    current_version  INTEGER NOT NULL DEFAULT 0, -- latest submitted version, 0 if none
    visibility       TEXT NOT NULL DEFAULT '',   -- of the current version: public | confidential | '' (never submitted)
    late             BOOLEAN NOT NULL DEFAULT FALSE, -- first submission after the due date
    first_submitted_at TIMESTAMPTZ,
    started_from     TEXT NOT NULL DEFAULT '',   -- report id carried forward from
    ilaw_summary     TEXT NOT NULL DEFAULT '',   -- draft international-law position
    ilaw_links_json  TEXT NOT NULL DEFAULT '[]',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    updated_by       TEXT NOT NULL DEFAULT '',   -- user id
    updated_by_name  TEXT NOT NULL DEFAULT '',   -- shown in the stale-save message
    UNIQUE (state_iso3, cycle_id)
);
CREATE INDEX reports_cycle ON reports (cycle_id, status);

-- One row per submitted version (version >= 1); immutable once written.
CREATE TABLE report_versions (
    report_id        TEXT NOT NULL REFERENCES reports(id),
    version          INTEGER NOT NULL,
    state_iso3       TEXT NOT NULL,
    cycle_id         TEXT NOT NULL,
    cycle_year       INTEGER NOT NULL,
    visibility       TEXT NOT NULL,              -- public | confidential
    late             BOOLEAN NOT NULL DEFAULT FALSE,
    published        BOOLEAN NOT NULL DEFAULT FALSE, -- current version of a public report
    ilaw_summary     TEXT NOT NULL DEFAULT '',
    ilaw_links_json  TEXT NOT NULL DEFAULT '[]',
    note             TEXT NOT NULL DEFAULT '',   -- why it was reopened and corrected
    submitted_at     TIMESTAMPTZ NOT NULL,
    submitted_by     TEXT NOT NULL DEFAULT '',
    submitted_by_name TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, version)
);
CREATE INDEX report_versions_published ON report_versions (published, cycle_year);

-- Measures: version 0 rows are the draft; version N rows are the frozen copy
-- in version N. "key" is stable across versions and cycles carried forward,
-- so a measure can be followed and diffed.
CREATE TABLE report_measures (
    id               TEXT PRIMARY KEY,
    measure_key      TEXT NOT NULL,
    report_id        TEXT NOT NULL REFERENCES reports(id),
    version          INTEGER NOT NULL,
    state_iso3       TEXT NOT NULL,
    cycle_id         TEXT NOT NULL,
    cycle_year       INTEGER NOT NULL,
    norm_id          TEXT NOT NULL REFERENCES norms(id),
    position         INTEGER NOT NULL DEFAULT 0,
    title            TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',   -- markdown
    type             TEXT NOT NULL DEFAULT 'other', -- legislation | strategy | policy | institution | practice | cbm | capacity_building | other
    status           TEXT NOT NULL DEFAULT 'planned', -- planned | in_progress | implemented
    measure_date     TEXT NOT NULL DEFAULT '',   -- YYYY-MM-DD, YYYY-MM or YYYY, or ''
    links_json       TEXT NOT NULL DEFAULT '[]', -- evidence links, http/https only
    other_norms_json TEXT NOT NULL DEFAULT '[]', -- other norm ids it serves
    published        BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX report_measures_report ON report_measures (report_id, version, norm_id, position);
CREATE INDEX report_measures_published ON report_measures (published, norm_id, state_iso3);
CREATE INDEX report_measures_pub_cycle ON report_measures (published, cycle_year);

-- Every norm a measure serves (its own norm, is_primary, and the others),
-- for "appears under each norm it serves".
CREATE TABLE report_measure_norms (
    measure_id  TEXT NOT NULL REFERENCES report_measures(id),
    norm_id     TEXT NOT NULL,
    is_primary  BOOLEAN NOT NULL DEFAULT FALSE,
    published   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (measure_id, norm_id)
);
CREATE INDEX report_measure_norms_norm ON report_measure_norms (norm_id, published);

-- Per norm: challenges and capacity gaps (feed the capacity-building module).
CREATE TABLE report_norm_notes (
    report_id      TEXT NOT NULL REFERENCES reports(id),
    version        INTEGER NOT NULL,
    norm_id        TEXT NOT NULL,
    state_iso3     TEXT NOT NULL,
    cycle_id       TEXT NOT NULL,
    cycle_year     INTEGER NOT NULL,
    challenges     TEXT NOT NULL DEFAULT '',
    capacity_gaps  TEXT NOT NULL DEFAULT '',
    published      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (report_id, version, norm_id)
);
CREATE INDEX report_norm_notes_published ON report_norm_notes (published, norm_id);

-- Precomputed counts of the measures in the current submitted version of
-- each report, by primary norm, type and status, rewritten on every
-- submission. public = FALSE rows come from confidential reports: use them
-- in aggregates only, never by State.
CREATE TABLE report_stats (
    state_iso3  TEXT NOT NULL,
    cycle_id    TEXT NOT NULL,
    cycle_year  INTEGER NOT NULL,
    norm_id     TEXT NOT NULL,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    public      BOOLEAN NOT NULL,
    late        BOOLEAN NOT NULL DEFAULT FALSE,
    measures    INTEGER NOT NULL,
    PRIMARY KEY (state_iso3, cycle_id, norm_id, type, status)
);
CREATE INDEX report_stats_cycle ON report_stats (cycle_year, norm_id);
CREATE INDEX report_stats_norm ON report_stats (norm_id, public);
