package incidents_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsOnlyPublishedRecords writes a published and a draft
// incident, published and draft statements, and responses to both, and
// reads the open datasets as the public does.
func TestOpenDataHoldsOnlyPublishedRecords(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		now := time.Now().UTC().Truncate(time.Second)
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, x := range [][2]string{{"inc-pub", "published"}, {"inc-draft", "draft"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, status, name, summary, start_date, start_year, type, receivers, receiver_states, sectors, initiators, techniques, impact, sources, field_changed, created_at, updated_at, published_at)
					VALUES (?, ?, ?, ?, '2025-04', 2025, 'espionage', '[{"state":"EST","sector":"government"}]', ',EST,', ',government,ci-energy,', '[]', ',T1566,', 3, '[{"url":"https://example.org/a","title":"A","date":"2025-05-01"}]', '{}', ?, ?, ?)`,
					x[0], x[1], x[0]+"-name", x[0]+"-summary", now, now, now); err != nil {
					return err
				}
			}
			for _, a := range [][3]string{{"att-pub", "inc-pub", "published"}, {"att-draft", "inc-pub", "draft"}, {"att-on-draft", "inc-draft", "published"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO incident_attributions (id, incident_id, status, made_on, attributor_kind, attributor_states, basis, named_state, norms, law, evidence, author_id, created_at, updated_at, published_at)
					VALUES (?, ?, ?, '2025-06-01', 'state', ',EST,LVA,', 'receiver-government', 'XXA', ',gge2015-b,', '["sovereignty"]', '[]', 'u', ?, ?, ?)`, a[0], a[1], a[2], now, now, now); err != nil {
					return err
				}
			}
			for _, r := range [][2]string{{"resp-pub", "inc-pub"}, {"resp-draft", "inc-draft"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO incident_responses (id, incident_id, kind, taken_on, by_states, description, sources, author_id, created_at)
					VALUES (?, ?, 'sanctions', '2025-07-01', ',EST,', ?, '[]', 'u', ?)`, r[0], r[1], r[0]+"-description", now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		files := rig.OpenData(t, "incidents")
		testrig.CheckOpenData(t, files, []string{"inc-draft", "att-draft", "att-on-draft", "resp-draft"},
			[]string{"inc-pub-summary", "government;ci-energy", "att-pub,inc-pub,2025-06-01,state,EST;LVA", "resp-pub-description"})
	})
}
