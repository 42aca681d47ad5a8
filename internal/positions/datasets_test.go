package positions_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataLeavesDraftsOut writes a published, a superseded and a draft
// position document, each with a passage, its topic and a stance, and
// reads the open datasets as the public does: the draft, its passage,
// topic link and stance never appear.
func TestOpenDataLeavesDraftsOut(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		now := time.Now().UTC().Truncate(time.Second)
		var topic, question string
		if err := rig.DB.QueryRowContext(ctx, `SELECT q.topic_id, q.id FROM positions_questions q ORDER BY q.id LIMIT 1`).Scan(&topic, &question); err != nil {
			t.Skipf("no seeded question: %v", err)
		}
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, d := range [][3]string{{"doc-pub", "published", "FRA"}, {"doc-old", "superseded", "FRA"}, {"doc-draft", "draft", "DEU"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO positions_documents (id, kind, state_iso3, title, issued_on, year, languages, status, created_at, updated_at, published_at)
					VALUES (?, 'national', ?, ?, '2025-05', 2025, ',en,fr,', ?, ?, ?, ?)`, d[0], d[2], d[0]+"-title", d[1], now, now, now); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO positions_passages (id, document_id, seq, ref, text, lang) VALUES (?, ?, 1, 'para. 1', ?, 'en')`, "p-"+d[0], d[0], d[0]+"-passage"); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO positions_passage_topics (passage_id, topic_id, document_id, published) VALUES (?, ?, ?, ?)`, "p-"+d[0], topic, d[0], d[1] == "published"); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO positions_stances (document_id, question_id, answer, passage_seq) VALUES (?, ?, 'yes', 1)`, d[0], question); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO positions_proposals (id, title, text, proposed_by, proposer_states, status, created_at, updated_at) VALUES ('prop-1', 'Supply chain norm', 'PUBLIC-proposal-text', 'KEN', ',KEN,', 'proposed', ?, ?)`, now, now)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO positions_proposal_stances (id, proposal_id, state_iso3, stance, stated_on, source_kind, current, created_at) VALUES ('ps-1', 'prop-1', 'BRA', 'supports', '2026-01-02', 'statement', ?, ?)`, true, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		files := rig.OpenData(t, "positions")
		testrig.CheckOpenData(t, files, []string{"doc-draft", "DEU"},
			[]string{"doc-pub-title", "doc-old-title", "doc-pub-passage", "p-doc-pub," + topic, "doc-pub," + question + ",yes,1", "en;fr", "PUBLIC-proposal-text", "ps-1,prop-1,BRA,supports"})
	})
}
