package incidents_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestStatementsReadByIncident checks, on SQLite, that an incident's
// statements are read through the incident's index range, for the public
// (published only) and for the secretariat, and never through the status
// index, which reads every published statement of every incident: that
// plan made each incident page and each publication cost more as the
// table grew (migration 1005).
func TestStatementsReadByIncident(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	for _, published := range []bool{true, false} {
		p := rig.QueryPlan(t, incidents.AttributionsQuery(published), "x")
		want := "incident_attributions_by_incident (incident_id=?"
		if published {
			want = "incident_attributions_by_incident (incident_id=? AND status=?)"
		}
		if !strings.Contains(p, want) {
			t.Errorf("published only %v: plan %s, want %s", published, p, want)
		}
	}
}
