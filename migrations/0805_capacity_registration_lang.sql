-- The language of the page a registration was made on: the e-mails to a
-- registrant without an account (confirmation, waiting list, reminder,
-- cancellation) are written in it. '' for registrations made before: they
-- are written to in the event's first language.
ALTER TABLE capacity_registrations ADD COLUMN lang TEXT NOT NULL DEFAULT '';
