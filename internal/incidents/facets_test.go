package incidents_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// facetFilters builds filters from the values the published incidents
// hold: every value of every facet alone, then random pairs and triples,
// some with a year, all paged three at a time.
func facetFilters(t *testing.T, rig *testrig.Rig, rng *rand.Rand) []incidents.Filter {
	t.Helper()
	rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT type, sectors, attributor_states, named_states, receiver_states, norms, actor_ids, start_year
		FROM incidents WHERE status = 'published'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	vals := map[string][]string{}
	var years []int
	add := func(facet, v string) {
		if v != "" && !slices.Contains(vals[facet], v) {
			vals[facet] = append(vals[facet], v)
		}
	}
	for rows.Next() {
		var typ, sec, attr, named, recv, norms, actors string
		var year int
		if err := rows.Scan(&typ, &sec, &attr, &named, &recv, &norms, &actors, &year); err != nil {
			t.Fatal(err)
		}
		add("type", typ)
		for facet, l := range map[string]string{"sector": sec, "attributor": attr, "named": named, "receiver": recv, "norm": norms, "actor": actors} {
			for _, v := range strings.Split(strings.Trim(l, ","), ",") {
				add(facet, v)
			}
		}
		if !slices.Contains(years, year) {
			years = append(years, year)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	set := func(f *incidents.Filter, facet, v string) {
		switch facet {
		case "type":
			f.Type = v
		case "sector":
			f.Sector = v
		case "attributor":
			f.Attributor = v
		case "named":
			f.Named = v
		case "receiver":
			f.Receiver = v
		case "norm":
			f.Norm = v
		case "actor":
			f.Actor = v
		}
	}
	facets := []string{"type", "sector", "attributor", "named", "receiver", "norm", "actor"}
	var out []incidents.Filter
	for _, facet := range facets {
		if len(vals[facet]) == 0 {
			t.Fatalf("the demo has no %s", facet)
		}
		for _, v := range vals[facet] {
			f := incidents.Filter{Limit: 3}
			set(&f, facet, v)
			out = append(out, f)
		}
	}
	for range 300 {
		f := incidents.Filter{Limit: 3}
		for _, facet := range facets {
			if rng.IntN(3) == 0 {
				set(&f, facet, vals[facet][rng.IntN(len(vals[facet]))])
			}
		}
		if rng.IntN(3) == 0 {
			f.Year = years[rng.IntN(len(years))]
		}
		out = append(out, f)
	}
	return out
}

// pages reads every page of f and returns the ids in order.
func pages(t *testing.T, ctx context.Context, list func(context.Context, incidents.Filter) ([]*incidents.Incident, string, error), f incidents.Filter) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		xs, next, err := list(ctx, f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		for _, x := range xs {
			ids = append(ids, x.ID+"@"+x.Start)
		}
		if next == "" {
			return ids
		}
		f.After = next
	}
	t.Fatalf("%+v: more than 1000 pages", f)
	return nil
}

// TestFacetTableListMatchesLike: the list read from incident_facets gives
// the same incidents in the same order, page by page, as the LIKE query
// over the list columns, for every facet value and hundreds of
// combinations on a demo; after incidents change and statements are
// added; and after the table is emptied and filled again at start-up.
func TestFacetTableListMatchesLike(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		rig.User(t, auth.RoleStakeholder, "")
		if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(3, 4)), 0, nil); err != nil {
			t.Fatal(err)
		}
		svc := incidents.NewService(rig.App.Services)
		compare := func(step string) {
			t.Helper()
			rng := rand.New(rand.NewPCG(5, 6))
			nonEmpty := 0
			for _, f := range facetFilters(t, rig, rng) {
				got, want := pages(t, rig.Ctx, svc.List, f), pages(t, rig.Ctx, svc.ListByLike, f)
				if !slices.Equal(got, want) {
					t.Fatalf("%s: %+v: facet table %v, LIKE %v", step, f, got, want)
				}
				if len(got) > 0 {
					nonEmpty++
				}
			}
			if nonEmpty < 100 {
				t.Errorf("%s: only %d filters match anything", step, nonEmpty)
			}
			// The counts the list picks its first facet by are the facet
			// rows' own.
			kept := facetCounts(t, rig, `SELECT facet, value, year, n FROM incident_facet_counts WHERE n <> 0`)
			recount := facetCounts(t, rig, `SELECT facet, value, substr(start_date, 1, 4), COUNT(*) FROM incident_facets GROUP BY facet, value, substr(start_date, 1, 4)`)
			if kept != recount || kept == "" {
				t.Errorf("%s: incident_facet_counts\n%.400s\nwant\n%.400s", step, kept, recount)
			}
		}
		compare("demo")

		// Change incidents' dates, types, receivers and initiators, and
		// add a statement naming another State.
		sec := rig.User(t, auth.RoleSecretariat, "")
		xs, _, err := svc.List(rig.Ctx, incidents.Filter{Limit: 5})
		if err != nil || len(xs) < 5 {
			t.Fatalf("%d incidents, %v", len(xs), err)
		}
		for i, x := range xs {
			in := incidents.IncidentInput{Name: x.Name, Summary: x.Summary, Start: strconv.Itoa(2001+i) + "-03", End: "", Type: incidents.Types[i%len(incidents.Types)],
				Receivers: []incidents.Receiver{{State: "NOR", Sector: "ci-health"}}, Initiators: []incidents.Initiator{{Name: "APT28", GroupID: "G0007", State: "RUS"}},
				Techniques: x.Techniques, Impact: x.Impact, Sources: x.Sources}
			if _, err := svc.UpdateIncident(rig.Ctx, sec, x.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		got, _, err := svc.List(rig.Ctx, incidents.Filter{Receiver: "NOR", Sector: "ci-health", Actor: "G0007", Limit: 50})
		if err != nil || len(got) < 5 {
			t.Fatalf("after the changes: %d incidents, %v", len(got), err)
		}
		compare("changed")

		// Emptied, then filled at start-up by the one backfill walk: the
		// same facets again, and the same STIX refs.
		refs := func() string {
			rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT incident_id, stix_id, stix_type, version FROM incident_stix_refs ORDER BY incident_id, stix_id`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var b strings.Builder
			for rows.Next() {
				var a, c, d, e string
				if err := rows.Scan(&a, &c, &d, &e); err != nil {
					t.Fatal(err)
				}
				fmt.Fprintln(&b, a, c, d, e)
			}
			return b.String()
		}
		before := refs()
		if before == "" {
			t.Fatal("no STIX refs to compare")
		}
		for _, table := range []string{"incident_facets", "incident_stix_refs"} {
			if _, err := rig.DB.ExecContext(rig.Ctx, `DELETE FROM `+table); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.Backfill(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		compare("backfilled")
		if after := refs(); after != before {
			t.Errorf("the backfilled STIX refs differ from those written on publishing:\n%.500s\nwant\n%.500s", after, before)
		}
	})
}

// facetCounts reads (facet, value, year, n) rows as sorted lines.
func facetCounts(t *testing.T, rig *testrig.Rig, query string) string {
	t.Helper()
	rows, err := rig.DB.QueryContext(rig.Ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var f, v, y string
		var n int64
		if err := rows.Scan(&f, &v, &y, &n); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprint(f, " ", v, " ", y, " ", n))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
