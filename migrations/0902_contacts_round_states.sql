-- Each State's result in each round, kept by every write to the round's
-- pings (start, acknowledgement, bounce), as it stands once the deadline
-- has passed: the public results read these rows, not the pings.
CREATE TABLE contacts_round_states (
    round_id      TEXT NOT NULL REFERENCES contacts_rounds(id),
    state_iso3    TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    minutes       INTEGER,
    contacts      INTEGER NOT NULL,
    acknowledged  INTEGER NOT NULL,
    PRIMARY KEY (round_id, state_iso3)
);
CREATE INDEX contacts_round_states_state ON contacts_round_states (state_iso3, round_id);
