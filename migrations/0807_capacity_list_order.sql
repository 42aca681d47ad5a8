-- The lists of needs and offers (the capacity index's newest ten, the list
-- pages and the API) are ordered by id, newest first, within a status (and
-- a need's visibility). With only (status, …, published_at) to search by,
-- the database read and sorted every published row to return the first
-- ten, so the index cost more as needs and offers were added (issue 20).
-- These indexes give the rows in the list's order.
CREATE INDEX capacity_needs_status_id ON capacity_needs (status, visibility, id);
CREATE INDEX capacity_offers_status_id ON capacity_offers (status, id);
