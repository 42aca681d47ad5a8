package monitoring_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsOnlyPublicFigures: the measure counts come from public
// reports only; the participation counts count a confidential report
// without naming its State.
func TestOpenDataHoldsOnlyPublicFigures(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		inTx(t, rig, func(tx *db.Tx) error {
			report(t, tx, "FRA", 2026, "public", false, stat{"gge2015-a", "legislation", "implemented", 3})
			report(t, tx, "KEN", 2026, "confidential", true, stat{"gge2015-k", "strategy", "planned", 7})
			return nil
		})
		files := rig.OpenData(t, "monitoring")
		testrig.CheckOpenData(t, files, []string{"KEN", "gge2015-k"}, []string{"FRA,2026,2026,gge2015-a,legislation,implemented,3"})
		// cycle, year, due, reported, on time, late, public, confidential
		if p := files["reporting-participation"]; !strings.Contains(p, "2026,2026,2026-06-30T00:00:00Z,2,1,1,1,1") {
			t.Errorf("reporting-participation should count both reports:\n%s", p)
		}
	})
}
