-- What the matching reads of an offer, for the offers that can still take
-- an engagement (published, engaged < capacity): a narrow copy of
-- capacity_offers kept by every write that changes them, so proposing
-- offers for a need scans a few hundred pages instead of the offers' texts.
CREATE TABLE capacity_offer_profiles (
    offer_id   TEXT PRIMARY KEY,
    norms      TEXT NOT NULL,
    topics     TEXT NOT NULL,
    kinds      TEXT NOT NULL,
    languages  TEXT NOT NULL,
    regions    TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    free       INTEGER NOT NULL
);
INSERT INTO capacity_offer_profiles (offer_id, norms, topics, kinds, languages, regions, starts_on, ends_on, free)
    SELECT id, norms, topics, kinds, languages, regions, starts_on, ends_on, capacity - engaged FROM capacity_offers WHERE status = 'published' AND engaged < capacity;

-- A counter raised by every change of capacity_offer_profiles: a process
-- keeps the profiles in memory for matching and reads them again when the
-- counter it read last has moved (so every instance sees every change).
CREATE TABLE capacity_profile_version (
    id       INTEGER PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO capacity_profile_version (id, version) VALUES (1, 0);
