-- The list of position documents (GET /api/v1/positions/documents, a
-- page at a time since 2026-12-07) reads the newest documents first. With
-- only (status, issued_on), a page of the published and superseded ones
-- read every document of both statuses with its body and sorted them (820
-- at the demo's scale 10); in issue-date order a page is the index's first
-- entries.
CREATE INDEX positions_documents_issued ON positions_documents (issued_on, id);
