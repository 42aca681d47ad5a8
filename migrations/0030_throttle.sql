-- One row per counted attempt (a sign-in, a second-factor code, a reset
-- request), kept for the limit's window. A limiter inserts its row first and
-- counts afterwards, so parallel attempts cannot all read the same count
-- (internal/platform/throttle).
CREATE TABLE throttle_hits (
    id     TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    k      TEXT NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX throttle_hits_key ON throttle_hits (bucket, k, at);
CREATE INDEX throttle_hits_at ON throttle_hits (at);
