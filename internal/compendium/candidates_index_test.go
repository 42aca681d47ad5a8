package compendium_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCandidateListReadsItsIndex checks, on SQLite, that the marking
// page's query (CandidateMeasures) walks the index of migration 0201 in
// order instead of sorting every published measure of the State.
func TestCandidateListReadsItsIndex(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	p := rig.QueryPlan(t, `SELECT m.id, CASE WHEN p.measure_key IS NULL THEN 0 ELSE 1 END
		FROM report_measures m LEFT JOIN compendium_practices p ON p.measure_key = m.measure_key
		WHERE m.published = ? AND m.state_iso3 = ? ORDER BY m.cycle_year DESC, m.norm_id, m.position LIMIT ?`, true, "FRA", 200)
	if !strings.Contains(p, "report_measures_candidates (published=? AND state_iso3=?)") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("plan: %s", p)
	}
}
