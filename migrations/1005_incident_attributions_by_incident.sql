-- An incident's statements are read by incident and, for every public
-- reader, by status: WHERE incident_id = ? AND status = 'published'
-- ORDER BY made_on, id (attributionsOf). With only (incident_id, made_on)
-- and (status, made_on) to choose from, SQLite without statistics took the
-- status index and read every published statement of every incident for
-- each incident page, each publication and each answer: the scale-10 demo
-- slowed from 45 s to over 200 s per 2,000 incidents as the table grew.
-- One index with both equalities and the order serves every such read.
DROP INDEX incident_attributions_incident;
CREATE INDEX incident_attributions_by_incident ON incident_attributions (incident_id, status, made_on, id);
