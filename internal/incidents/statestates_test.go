package incidents_test

import (
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"regexp"
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
		seen, paged := map[string]int{}, 0
		for _, iso3 := range ids(`SELECT DISTINCT state_iso3 FROM incident_statement_states ORDER BY state_iso3`) {
			v, longest := wholeStateView(t, rig, svc, iso3)
			paged = max(paged, longest)
			rowsShowTheRecords(t, rig, svc, v)
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
		if paged <= 20 {
			t.Errorf("no State has a list of more than a page (the longest: %d): the paging is not tried", paged)
		}

		// The page links to the next page of a long list, which follows
		// it; a list or a cursor the page does not know is refused.
		anon := rig.Anonymous(t)
		var longState string
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT state_iso3 FROM incident_statement_states GROUP BY state_iso3, role ORDER BY count(*) DESC, state_iso3 LIMIT 1`).Scan(&longState); err != nil {
			t.Fatal(err)
		}
		page := anon.GetBody(t, "/incidents/states/"+longState)
		link := regexp.MustCompile(`<a href="(/incidents/states/` + longState + `\?list=[a-z]+&amp;after=[^"]+)" rel="next">Next page</a>`).FindStringSubmatch(page)
		if link == nil {
			t.Fatalf("%s's page has no link to a next page", longState)
		}
		next := anon.GetBody(t, html.UnescapeString(link[1]))
		if !strings.Contains(next, `<a href="/incidents/states/`+longState+`">Back</a>`) || strings.Count(next, "<h2>") != 1 {
			t.Errorf("the next page of %s does not show one list with a way back: %.2000s", link[1], next)
		}
		for _, q := range []string{"?list=all", "?after=2024-01-01%7CX", "?list=made&after=yesterday", "?list=made&after=2024-01-01"} {
			if resp := anon.Get(t, "/incidents/states/"+longState+q); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", q, resp.StatusCode)
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

// wholeStateView reads each of a State's lists as a reader does: the
// State's page shows the newest 20 of each, with a link to the next page
// of that list when there is more; that page and the ones after it show
// 50 of the list alone, each after the one before it. It gives the whole
// lists and the length of the longest.
func wholeStateView(t *testing.T, rig *testrig.Rig, svc *incidents.Service, iso3 string) (v *incidents.StateView, longest int) {
	t.Helper()
	v, err := svc.StateView(rig.Ctx, iso3, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range []string{"made", "joined", "named", "affected", "took", "targeted"} {
		n := map[string]int{"made": len(v.Made), "joined": len(v.Joined), "named": len(v.Received),
			"affected": len(v.Affected), "took": len(v.Took), "targeted": len(v.Targeted)}[list]
		if n > 20 || v.Next[list] != "" && n != 20 {
			t.Fatalf("%s's page shows %d of its %s, next %q", iso3, n, list, v.Next[list])
		}
		for after := v.Next[list]; after != ""; {
			p, err := svc.StateView(rig.Ctx, iso3, list, after)
			if err != nil {
				t.Fatalf("%s, %s after %q: %v", iso3, list, after, err)
			}
			got := len(p.Made) + len(p.Joined) + len(p.Received) + len(p.Affected) + len(p.Took) + len(p.Targeted)
			if got == 0 || got > 50 || p.Next[list] != "" && got != 50 {
				t.Fatalf("%s, %s: a page of %d, next %q", iso3, list, got, p.Next[list])
			}
			v.Made, v.Joined, v.Received = append(v.Made, p.Made...), append(v.Joined, p.Joined...), append(v.Received, p.Received...)
			v.Affected, v.Took, v.Targeted = append(v.Affected, p.Affected...), append(v.Took, p.Took...), append(v.Targeted, p.Targeted...)
			n += got
			after = p.Next[list]
		}
		longest = max(longest, n)
	}
	return v, longest
}

// rowsShowTheRecords checks that the items of a State's lists, read with
// the columns their rows show, say in those fields what the whole records
// say.
func rowsShowTheRecords(t *testing.T, rig *testrig.Rig, svc *incidents.Service, v *incidents.StateView) {
	t.Helper()
	for _, x := range v.Affected {
		want, err := svc.Incident(rig.Ctx, nil, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := incidents.Incident{ID: want.ID, Status: want.Status, Name: want.Name, Start: want.Start, End: want.End, Type: want.Type, Receivers: want.Receivers}
		if fmt.Sprint(got) != fmt.Sprint(*x) {
			t.Errorf("%s, affected: the row %+v, the record %+v", v.State.ISO3, *x, got)
		}
	}
	for _, a := range slices.Concat(v.Made, v.Joined, v.Received) {
		all, err := svc.Attributions(rig.Ctx, nil, a.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(all, func(w *incidents.Attribution) bool { return w.ID == a.ID })
		if i < 0 {
			t.Fatalf("%s: statement %s is not its incident's", v.State.ISO3, a.ID)
		}
		w := all[i]
		want := incidents.Attribution{ID: w.ID, IncidentID: w.IncidentID, IncidentName: w.IncidentName, Date: w.Date, NamedState: w.NamedState, Norms: w.Norms, Response: w.Response}
		if fmt.Sprint(want) != fmt.Sprint(*a) {
			t.Errorf("%s: the statement's row %+v, the record %+v", v.State.ISO3, *a, want)
		}
	}
	for _, r := range slices.Concat(v.Took, v.Targeted) {
		all, err := svc.Responses(rig.Ctx, r.IncidentID)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(all, func(w *incidents.Response) bool { return w.ID == r.ID })
		if i < 0 {
			t.Fatalf("%s: response %s is not its incident's", v.State.ISO3, r.ID)
		}
		w := all[i]
		want := incidents.Response{ID: w.ID, IncidentID: w.IncidentID, IncidentName: w.IncidentName, Kind: w.Kind, Date: w.Date, AgainstState: w.AgainstState}
		if fmt.Sprint(want) != fmt.Sprint(*r) {
			t.Errorf("%s: the response's row %+v, the record %+v", v.State.ISO3, *r, want)
		}
	}
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
