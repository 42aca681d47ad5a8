package compendium_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestSyncSearchBulk checks that the bulk sync makes the index the ordinary
// sync makes: every public measure found with its norms, nothing
// confidential, every report recorded as indexed, practices pointed at
// their measure; and that an ordinary sync afterwards finds nothing to do.
func TestSyncSearchBulk(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		for i, st := range []string{"FRA", "KEN", "BRA", "IND", "AUS", "EST"} {
			var ms []measure
			for j := range 40 {
				ms = append(ms, measure{ID: fmt.Sprintf("m-%s-%d", st, j), Key: fmt.Sprintf("k-%s-%d", st, j), Norm: "gge2015-g", Others: []string{"gge2015-f"},
					Title: fmt.Sprintf("Exercise programme %d of %s", j, st), Desc: "Operators of essential services rehearse recovery.", Type: "practice", Status: "implemented"})
			}
			vis := "public"
			if i == 5 {
				vis = "confidential"
			}
			publish(t, rig, st, 2025, vis, ms...)
		}
		svc := service(rig)
		res, err := svc.SyncSearchBulk(rig.Ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Reports != 5 || res.Measures != 200 || res.Removed != 0 {
			t.Fatalf("bulk sync: %+v, want 5 reports, 200 measures", res)
		}
		if n, err := search.Count(rig.Ctx, rig.DB, compendium.KindMeasure); err != nil || n != 200 {
			t.Fatalf("%d measures indexed (%v), want 200", n, err)
		}
		got := searchAPI(t, rig, "q=rehearse&kind=measure&state=KEN&limit=100")
		if got.Total != 40 || strings.Join(got.Hits[0].Norms, ",") != "gge2015-g,gge2015-f" || got.Hits[0].StateName != "Kenya" {
			t.Fatalf("search after the bulk sync: total %d, first %+v", got.Total, got.Hits)
		}
		if got := searchAPI(t, rig, "q=rehearse&state=EST"); got.Total != 0 {
			t.Fatalf("a confidential report's measures are found: %+v", got.Hits)
		}
		var indexed int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM compendium_indexed_reports`).Scan(&indexed); err != nil || indexed != 5 {
			t.Fatalf("%d reports recorded as indexed (%v), want 5", indexed, err)
		}
		if again, err := svc.SyncSearch(rig.Ctx); err != nil || again != (compendium.SyncResult{}) {
			t.Fatalf("an ordinary sync after the bulk one: %+v %v", again, err)
		}
		if again, err := svc.SyncSearchBulk(rig.Ctx, nil); err != nil || again != (compendium.SyncResult{}) {
			t.Fatalf("a second bulk sync: %+v %v", again, err)
		}
		// A document indexed the ordinary way afterwards is found too.
		publish(t, rig, "DEU", 2026, "public", measure{ID: "m-late", Key: "k-late", Norm: "gge2015-c", Title: "Okapi protocol", Desc: "Late.", Type: "policy", Status: "planned"})
		if res, err := svc.SyncSearch(rig.Ctx); err != nil || res.Reports != 1 {
			t.Fatalf("ordinary sync of a new report: %+v %v", res, err)
		}
		if got := searchAPI(t, rig, "q=okapi"); got.Total != 1 {
			t.Fatalf("a report indexed after the bulk sync is not found: %+v", got)
		}
	})
}
