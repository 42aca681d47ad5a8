-- A project has one or more beneficiary States. beneficiary_iso3 stays the
-- lead (the requesting State of the need it grew from); beneficiaries lists
-- them all, the lead first, and regions their UN regional groups, both
-- stored as " a b " like the other lists so that a filter is one LIKE.
-- Existing projects get their one beneficiary.
ALTER TABLE capacity_projects ADD COLUMN beneficiaries TEXT NOT NULL DEFAULT ' ';
ALTER TABLE capacity_projects ADD COLUMN regions TEXT NOT NULL DEFAULT ' ';
UPDATE capacity_projects SET beneficiaries = ' ' || beneficiary_iso3 || ' ', regions = ' ' || region || ' ';

-- A match's reasons as codes ("norm:gge2015-c language:fr kind:training"),
-- so that pages say them in the reader's language. reasons keeps the
-- English text; matches recorded before have no codes and are read from it.
ALTER TABLE capacity_matches ADD COLUMN reason_codes TEXT NOT NULL DEFAULT '';
