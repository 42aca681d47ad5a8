package participation_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fillObjections adds standing applications numbered from..to-1 to a body
// that names objecting States, each objected to by three States (one in
// four withdrawn) and put to a recorded vote of five, written straight to
// the tables in batches as the demo's bulk load would, with the counts the
// writers keep.
func fillObjections(tb testing.TB, rig *testrig.Rig, bodyID string, from, to int) {
	tb.Helper()
	all := states.All()
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := from; start < to; start += 200 {
		var orgs, apps, objs, votes []string
		var oArgs, aArgs, xArgs, vArgs []any
		for i := start; i < min(start+200, to); i++ {
			oid, aid := id.New(), id.New()
			orgs = append(orgs, "(?, ?, ?, ?, ?)")
			oArgs = append(oArgs, oid, fmt.Sprintf("objected-org-%06d", i), fmt.Sprintf("Objected Organisation %d", i), "ngo", at)
			apps = append(apps, "(?, ?, ?, '', 'x', 'refused', 'veto', ?, ?, ?, ?)")
			aArgs = append(aArgs, aid, oid, bodyID, at, at, at, true)
			for k := range 3 {
				var w any
				if (i+k)%4 == 0 {
					w = at.Add(time.Hour)
				}
				objs = append(objs, "(?, ?, '', 'bench', ?, ?)")
				xArgs = append(xArgs, aid, all[(i*3+k)%len(all)].ISO3, at.Add(time.Duration(i)*time.Minute), w)
			}
			for k := range 5 {
				votes = append(votes, "(?, ?, 'yes', 'bench', ?, ?)")
				vArgs = append(vArgs, aid, all[(i*5+k)%len(all)].ISO3, at, true)
			}
		}
		err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, q := range []struct {
				sql  string
				rows []string
				args []any
			}{
				{`INSERT INTO organisations (id, slug, name, kind, created_at) VALUES `, orgs, oArgs},
				{`INSERT INTO participation_applications (id, org_id, body_id, session_id, justification, status, modality, created_at, submitted_at, decided_at, votes_recorded) VALUES `, apps, aArgs},
				{`INSERT INTO participation_objections (application_id, state_iso3, reason, user_id, created_at, withdrawn_at) VALUES `, objs, xArgs},
				{`INSERT INTO participation_votes (application_id, state_iso3, choice, user_id, created_at, published) VALUES `, votes, vArgs},
			} {
				if _, err := tx.ExecContext(rig.Ctx, q.sql+strings.Join(q.rows, ", "), q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	// The counts lodgeObjectionTx keeps, recounted as the migration does.
	if _, err := rig.DB.ExecContext(rig.Ctx, `DELETE FROM participation_objection_counts`); err != nil {
		tb.Fatal(err)
	}
	if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_objection_counts (body_id, state_iso3, n)
		SELECT a.body_id, x.state_iso3, COUNT(*) FROM participation_objections x JOIN participation_applications a ON a.id = x.application_id
		GROUP BY a.body_id, x.state_iso3`); err != nil {
		tb.Fatal(err)
	}
	if rig.DB.Dialect == db.Postgres {
		// As autovacuum would after such a load.
		if _, err := rig.DB.ExecContext(rig.Ctx, `ANALYZE participation_objection_counts; ANALYZE participation_objections; ANALYZE participation_votes; ANALYZE participation_applications`); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkStatePages serves the per-State pages with 3,000 and 30,000
// objections lodged: the list of States was a count of every objection on
// every view, and a State's page read every vote cast; the API's lists of
// a State's objections and votes returned its whole record. The page cache
// is off: each request renders.
func BenchmarkStatePages(b *testing.B) {
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewWith(b, kind, func(c *config.Config) { c.PageCacheMB, c.APIAnonymousPerMinute = 0, 0 })
		bodyID := id.New()
		if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_bodies (id, slug, name, modality, name_objectors, created_at) VALUES (?, 'bench', 'Bench', 'veto', ?, ?)`, bodyID, true, time.Now().UTC()); err != nil {
			b.Fatal(err)
		}
		h := rig.App.Handler()
		have := 0
		for _, n := range []int{1000, 10000} {
			fillObjections(b, rig, bodyID, have, n)
			have = n
			for _, path := range []string{"/participation/states", "/participation/states/ZWE", "/api/v1/participation/states/ZWE/objections", "/api/v1/participation/states/ZWE/votes"} {
				b.Run(fmt.Sprintf("%s/%d%s", kind, 3*n, path), func(b *testing.B) {
					testrig.BenchGet(b, h, path, "")
				})
			}
		}
	}
}
