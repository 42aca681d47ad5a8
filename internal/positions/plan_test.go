package positions_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestDocumentListsReadAPageInOrder checks how SQLite plans the lists of
// documents: the public list walks the index of issue dates (no sort of
// every document), and a State's list looks its documents up by id rather
// than reading every document of a status.
func TestDocumentListsReadAPageInOrder(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	public := []string{positions.StatusPublished, positions.StatusSuperseded}
	for _, f := range []positions.DocFilter{{Statuses: public, Limit: 51}, {Statuses: public, Limit: 51, AfterIssued: "2020-01-01", AfterID: "x"}, {Statuses: []string{positions.StatusPublished}, Limit: 20}} {
		q, args := positions.DocsQuery(f)
		if p := rig.QueryPlan(t, q, args...); !strings.Contains(p, "positions_documents_issued") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%+v: plan %s, want positions_documents_issued in order", f, p)
		}
	}
	q, args := positions.DocsQuery(positions.DocFilter{State: "FRA", Statuses: public})
	if p := rig.QueryPlan(t, q, args...); !strings.Contains(p, "positions_documents_state (state_iso3=?)") || !strings.Contains(p, "positions_endorsements_state (state_iso3=?)") || strings.Contains(p, "(status=?)") {
		t.Errorf("a State's documents: plan %s, want them looked up by State", p)
	}
}
