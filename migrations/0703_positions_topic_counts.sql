-- How many published documents speak to each topic, for the counts on
-- /positions: counting them from positions_passage_topics read a row for
-- every published passage's topic on each view (6.6–6.9 ms at scale 10,
-- growing with the documents). Kept by publishTx, in the transaction that
-- publishes a document and supersedes its State's earlier one
-- (internal/positions/topiccounts.go).
CREATE TABLE positions_topic_counts (
    topic_id  TEXT PRIMARY KEY REFERENCES positions_topics(id),
    n         INTEGER NOT NULL
);

INSERT INTO positions_topic_counts (topic_id, n)
SELECT topic_id, COUNT(DISTINCT document_id) FROM positions_passage_topics
WHERE published = TRUE GROUP BY topic_id;
