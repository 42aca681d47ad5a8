package positions

import (
	"context"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// The topics' counts on /positions (how many published documents speak to
// each topic) are kept in positions_topic_counts by the one place that
// changes which documents are published, publishTx: a document counts once
// for each distinct topic of its passages. The moves read the document's
// own rows and only those whose published flag is about to change, so a
// move made twice does not count twice.

// countPublished adds a document about to be published to its topics'
// counts; call it before its passages are marked published.
func countPublished(ctx context.Context, tx *db.Tx, docID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO positions_topic_counts (topic_id, n)
		SELECT DISTINCT topic_id, 1 FROM positions_passage_topics WHERE document_id = ? AND published = ?
		ON CONFLICT (topic_id) DO UPDATE SET n = positions_topic_counts.n + 1`, docID, false)
	return err
}

// uncountPublished takes a document about to be superseded out of its
// topics' counts; call it before its passages are marked unpublished.
func uncountPublished(ctx context.Context, tx *db.Tx, docID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE positions_topic_counts SET n = n - 1
		WHERE topic_id IN (SELECT topic_id FROM positions_passage_topics WHERE document_id = ? AND published = ?)`, docID, true)
	return err
}

// topicCounts reads the kept counts, by topic.
func topicCounts(ctx context.Context, q db.Querier) (map[string]int, error) {
	return db.Counts(ctx, q, `SELECT topic_id, n FROM positions_topic_counts`)
}
