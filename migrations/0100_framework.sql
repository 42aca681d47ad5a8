-- Reference data: the States, and the framework of responsible State
-- behaviour (pillars, norm sets, norms and their texts).

CREATE TABLE states (
    iso3        TEXT PRIMARY KEY,
    iso2        TEXT NOT NULL UNIQUE,
    numeric     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    names_json  TEXT NOT NULL,
    grp         TEXT NOT NULL,
    group_note  TEXT NOT NULL DEFAULT '',
    observer    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX states_group ON states (grp);

CREATE TABLE pillars (
    id        TEXT PRIMARY KEY,
    position  INTEGER NOT NULL,
    title     TEXT NOT NULL
);

-- A norm set is a body of norms: the 2015 GGE norms, the Paris Call
-- principles, proposed new norms.
CREATE TABLE norm_sets (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    kind        TEXT NOT NULL,          -- agreed | principles | proposed
    source      TEXT NOT NULL,
    position    INTEGER NOT NULL,
    reportable  BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE norms (
    id          TEXT PRIMARY KEY,       -- stable, e.g. gge2015-a
    set_id      TEXT NOT NULL REFERENCES norm_sets(id),
    code        TEXT NOT NULL,          -- the letter or number within its set
    position    INTEGER NOT NULL,
    pillar_id   TEXT NOT NULL REFERENCES pillars(id),
    short_title TEXT NOT NULL,
    UNIQUE (set_id, code)
);

-- Texts are versioned and translated: one row per (norm, version, language).
CREATE TABLE norm_texts (
    norm_id     TEXT NOT NULL REFERENCES norms(id),
    version     INTEGER NOT NULL,
    lang        TEXT NOT NULL,
    text        TEXT NOT NULL,
    source      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (norm_id, version, lang)
);
