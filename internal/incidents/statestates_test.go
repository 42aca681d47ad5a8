package incidents_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

// TestStateListsAreReadFromTheirRows: a State's page lists, read from
// incident_statement_states, are what the comma lists of the statements
// and responses say (the LIKE reads they replace), for every State in the
// demo; and the rows the code writes are the rows migration 1009 fills
// from the same statements.
func TestStateListsAreReadFromTheirRows(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 0, nil); err != nil {
			t.Fatal(err)
		}
		ids := func(query string, args ...any) []string {
			t.Helper()
			rows, err := rig.DB.QueryContext(rig.Ctx, query, args...)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := []string{}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				out = append(out, id)
			}
			return out
		}
		const att = `SELECT a.id FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id WHERE a.status = 'published' AND i.status = 'published' AND `
		const resp = `SELECT r.id FROM incident_responses r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'published' AND `
		const attOrder, respOrder = ` ORDER BY a.made_on DESC, a.id DESC`, ` ORDER BY r.taken_on DESC, r.id DESC`
		svc := incidents.NewService(rig.App.Services)
		seen := map[string]int{}
		for _, iso3 := range ids(`SELECT DISTINCT state_iso3 FROM incident_statement_states ORDER BY state_iso3`) {
			v, err := svc.StateView(rig.Ctx, iso3)
			if err != nil {
				t.Fatal(err)
			}
			pat, sole := "%,"+iso3+",%", ","+iso3+","
			for _, c := range []struct {
				role      string
				got, want []string
			}{
				{"made", attIDs(v.Made), ids(att+`a.attributor_states = ?`+attOrder, sole)},
				{"joined", attIDs(v.Joined), ids(att+`a.attributor_states LIKE ? AND a.attributor_states <> ?`+attOrder, pat, sole)},
				{"named", attIDs(v.Received), ids(att+`a.named_state = ?`+attOrder, iso3)},
				{"took", respIDs(v.Took), ids(resp+`r.by_states LIKE ?`+respOrder, pat)},
				{"targeted", respIDs(v.Targeted), ids(resp+`r.against_state = ?`+respOrder, iso3)},
			} {
				if !slices.Equal(c.got, c.want) {
					t.Errorf("%s, %s: %v, want %v", iso3, c.role, c.got, c.want)
				}
				seen[c.role] += len(c.got)
			}
		}
		for _, role := range []string{"made", "joined", "named", "took", "targeted"} {
			if seen[role] == 0 {
				t.Errorf("no State %s anything in the demo: the comparison proves nothing for %s", role, role)
			}
		}

		// The migration's fill gives the same rows as the code.
		rows := func() []string {
			return ids(`SELECT incident_id || ' ' || statement_id || ' ' || role || ' ' || state_iso3 || ' ' || made_on FROM incident_statement_states ORDER BY 1`)
		}
		written := rows()
		if _, err := rig.DB.ExecContext(rig.Ctx, `DELETE FROM incident_statement_states`); err != nil {
			t.Fatal(err)
		}
		sql, err := migrations.FS.ReadFile("1009_incident_statement_states.sql")
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range strings.Split(string(sql), ";\n") {
			var lines []string
			for _, l := range strings.Split(stmt, "\n") {
				if !strings.HasPrefix(l, "--") {
					lines = append(lines, l)
				}
			}
			if q := strings.TrimSpace(strings.Join(lines, "\n")); strings.HasPrefix(q, "WITH") || strings.HasPrefix(q, "INSERT") {
				if _, err := rig.DB.ExecContext(rig.Ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		if filled := rows(); !slices.Equal(filled, written) {
			t.Errorf("the migration fills %d rows, the code wrote %d:\n%s", len(filled), len(written), diff(written, filled))
		}
	})
}

func attIDs(l []*incidents.Attribution) []string {
	out := []string{}
	for _, a := range l {
		out = append(out, a.ID)
	}
	return out
}

func respIDs(l []*incidents.Response) []string {
	out := []string{}
	for _, r := range l {
		out = append(out, r.ID)
	}
	return out
}

// diff names the lines of a that b lacks and the other way round.
func diff(a, b []string) string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, "- "+x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, "+ "+x)
		}
	}
	return fmt.Sprint(strings.Join(out, "\n"))
}
