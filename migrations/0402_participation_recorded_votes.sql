-- Recorded or secret votes, per body (issue 22): a recorded vote publishes
-- each State's vote once voting closes; a secret one only the tally. An
-- application keeps the setting it was put to a vote under, so changing the
-- body later never discloses a vote cast in secret. Bodies and votes made
-- before this step stay secret.
ALTER TABLE participation_bodies ADD COLUMN votes TEXT NOT NULL DEFAULT 'secret';
ALTER TABLE participation_applications ADD COLUMN votes_recorded BOOLEAN NOT NULL DEFAULT FALSE;
