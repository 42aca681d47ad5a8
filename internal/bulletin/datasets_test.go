package bulletin_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsOnlyClearPublishedItems writes items under every TLP
// marking and status, in a published and a draft issue, and reads the
// open datasets as the public does: only approved TLP:CLEAR items of
// published issues appear.
func TestOpenDataHoldsOnlyClearPublishedItems(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		u := rig.User(t, auth.RoleStakeholder, "")
		now := time.Now().UTC().Truncate(time.Second)
		item := func(tx *db.Tx, id, status, tlp string) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO bulletin_items (id, kind, status, title, summary, body, tlp, techniques, sectors, contributor_id, org_id, created_at, updated_at, decided_at)
				VALUES (?, 'threat', ?, ?, ?, 'Body', ?, ',T1566.001,T1190,', ',energy,', ?, ?, ?, ?, ?)`, id, status, id+"-title", id+"-summary", tlp, u.ID, u.OrgID, now, now, now)
			return err
		}
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, it := range [][3]string{{"PUBLIC-clear", "approved", "clear"}, {"SECRET-green", "approved", "green"}, {"SECRET-amber", "approved", "amber"},
				{"SECRET-strict", "approved", "amber+strict"}, {"SECRET-red", "approved", "red"}, {"SECRET-unissued", "approved", "clear"},
				{"SECRET-draft", "draft", "clear"}, {"SECRET-submitted", "submitted", "clear"}, {"SECRET-rejected", "rejected", "clear"}} {
				if err := item(tx, it[0], it[1], it[2]); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issues (id, slug, year, quarter, revision, title, foreword, section_order, status, created_at, updated_at, published_at)
				VALUES ('iss-pub', '2026-q3', 2026, 3, 1, 'PUBLIC-issue', 'Foreword', '', 'published', ?, ?, ?), ('iss-draft', '2026-q4', 2026, 4, 1, 'SECRET-draft-issue', 'SECRET-foreword', '', 'draft', ?, ?, NULL)`,
				now, now, now, now, now); err != nil {
				return err
			}
			for i, id := range []string{"PUBLIC-clear", "SECRET-green", "SECRET-amber", "SECRET-strict", "SECRET-red", "SECRET-draft"} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issue_items (issue_id, item_id, position) VALUES ('iss-pub', ?, ?)`, id, i); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO bulletin_issue_items (issue_id, item_id, position) VALUES ('iss-draft', 'SECRET-unissued', 1)`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		files := rig.OpenData(t, "bulletin")
		testrig.CheckOpenData(t, files, []string{"SECRET-", "iss-draft"}, []string{"PUBLIC-clear-summary", "T1566.001;T1190", "PUBLIC-issue", "iss-pub,PUBLIC-clear,0"})
	})
}
