-- A topic's page reads only the passages of published documents; marking
-- them in the topic index lets it skip the superseded ones (most of the
-- rows once States have several editions).
ALTER TABLE positions_passage_topics ADD COLUMN published BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE positions_passage_topics SET published = TRUE WHERE document_id IN (SELECT id FROM positions_documents WHERE status = 'published');
CREATE INDEX positions_passage_topics_published ON positions_passage_topics (topic_id, published);
