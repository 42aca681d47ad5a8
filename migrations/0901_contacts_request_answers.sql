-- Requests for assistance: the sealed texts of the answer (its reason when
-- "unable to help"), the requester's feedback and a withdrawal; and each
-- State's consent to publish the request with both States named.
ALTER TABLE contacts_requests ADD COLUMN answer_body BYTEA;
ALTER TABLE contacts_requests ADD COLUMN feedback_body BYTEA;
ALTER TABLE contacts_requests ADD COLUMN withdraw_body BYTEA;
ALTER TABLE contacts_requests ADD COLUMN publish_from BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE contacts_requests ADD COLUMN publish_to BOOLEAN NOT NULL DEFAULT FALSE;
