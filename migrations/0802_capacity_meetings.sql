-- "Friends of [State]" coordination meetings around a need (the GFCE
-- Clearing House's optional meeting): convened by the secretariat or the
-- requesting State, with the offerers and States it asks; notes visible to
-- the participants only. Nothing is decided there: the requesting State
-- chooses its implementers on the need itself.
CREATE TABLE capacity_meetings (
    id           TEXT PRIMARY KEY,
    need_id      TEXT NOT NULL REFERENCES capacity_needs(id),
    convened_by  TEXT NOT NULL,                 -- secretariat | state
    meets_on     TEXT NOT NULL,                 -- YYYY-MM-DD
    place        TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX capacity_meetings_need ON capacity_meetings (need_id);

CREATE TABLE capacity_meeting_participants (
    meeting_id  TEXT NOT NULL REFERENCES capacity_meetings(id),
    kind        TEXT NOT NULL,                  -- state | organisation
    state_iso3  TEXT NOT NULL DEFAULT '',
    org_id      TEXT NOT NULL DEFAULT '',
    offer_id    TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    PRIMARY KEY (meeting_id, kind, state_iso3, org_id)
);
CREATE INDEX capacity_meeting_participants_state ON capacity_meeting_participants (state_iso3);
CREATE INDEX capacity_meeting_participants_org ON capacity_meeting_participants (org_id);
