-- Demo data runs: one row per `cybernorms demo` run. Its presence marks the
-- database as holding demonstration data, so the site shows the demo banner.

CREATE TABLE demo_runs (
    id           TEXT PRIMARY KEY,
    seed         BIGINT NOT NULL,
    scale        INTEGER NOT NULL,
    forced       BOOLEAN NOT NULL DEFAULT FALSE,
    steps        TEXT NOT NULL,          -- the generators run, comma-separated, in order
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
