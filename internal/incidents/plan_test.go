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

// TestFacetWalkLooksIncidentsUp checks, on SQLite, that the filtered
// list's walk reads a chunk's incidents by their primary key, whatever the
// other conditions, never through an index that starts with the status
// (every published incident: 65 ms a list at scale 10).
func TestFacetWalkLooksIncidentsUp(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	for _, c := range []struct {
		f           incidents.Filter
		kind, value string
		args        []any
	}{
		{incidents.Filter{Type: "espionage", Named: "RUS"}, "named", "RUS", []any{"espionage"}},
		{incidents.Filter{Norm: "gge2015-f", Year: 2016}, "norm", "gge2015-f", []any{2016}},
		{incidents.Filter{Sector: "ci-energy", Named: "CHN"}, "named", "CHN", []any{"%,ci-energy,%"}},
	} {
		args := append(c.args, "a", "b", "c")
		p := rig.QueryPlan(t, incidents.FacetWalkQuery(c.f, c.kind, c.value, 3), args...)
		if !strings.Contains(p, "sqlite_autoindex_incidents_1 (id=?)") || strings.Contains(p, "incidents_list") || strings.Contains(p, "incidents_year") {
			t.Errorf("%+v: plan %s, want the primary key", c.f, p)
		}
	}
}

// TestYearListReadsTheYearInOrder checks, on SQLite, that a year's list
// (the timeline reads one per year) is read from the year's range of
// incidents_year in date order, neither sorting the year's incidents nor
// walking every published incident in date order to find the year's first
// (208 ms a timeline view at 2,000 incidents before migration 1008).
func TestYearListReadsTheYearInOrder(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	for _, f := range []incidents.Filter{{Year: 2016, Limit: 10}, {Year: 2016, Limit: 10, After: "2016-05-01|x"}} {
		q, args := incidents.ListQuery(f)
		p := rig.QueryPlan(t, q, args...)
		if !strings.Contains(p, "incidents_year (status=? AND start_year=?") || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("year %d, after %q: plan %s, want incidents_year in order", f.Year, f.After, p)
		}
	}
}

// TestActorListReadsTheActorsStatements: an ATT&CK group's statements are
// read through the index of named actors (migration 1010), not by walking
// every statement.
func TestActorListReadsTheActorsStatements(t *testing.T) {
	rig := testrig.NewOn(t, "sqlite")
	p := rig.QueryPlan(t, incidents.AttributionsWhereQuery(`a.named_actor = ?`), "G0078", 500)
	if !strings.Contains(p, "incident_attributions_actor (named_actor=?)") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan %s, want incident_attributions_actor in order", p)
	}
}
