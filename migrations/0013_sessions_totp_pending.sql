-- First-sign-in TOTP enrolment keeps its secret with the pending session
-- (issue 23 item 9): sealed like users.totp_sealed, bound to the user and
-- the session, so a reload or a wrong code shows the same QR code until the
-- secret is confirmed or the person asks for a new one.

ALTER TABLE sessions ADD COLUMN totp_pending BYTEA;
