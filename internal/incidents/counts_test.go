package incidents_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCountsAreKeptUntilSomethingIsWritten checks that the counts by year
// (the timeline and the statistics) are counted once and then answered
// from memory with one read of the audit log's tail, and that they are
// counted again, showing the change, after a publication: through the
// service, and through the public CSV of the module that serves it.
func TestCountsAreKeptUntilSomethingIsWritten(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		db.EnableTracing()
		svc := incidents.NewService(rig.App.Services)
		counts := func() ([]incidents.YearCount, int) {
			t.Helper()
			tr := &db.Trace{}
			c, err := svc.Counts(db.WithTrace(rig.Ctx, tr))
			if err != nil {
				t.Fatal(err)
			}
			return c, len(tr.Stmts)
		}
		if _, n := counts(); n < 2 {
			t.Fatalf("first count ran %d statements, want the tail and the counts", n)
		}
		if _, n := counts(); n != 1 {
			t.Errorf("second count ran %d statements, want only the audit tail", n)
		}
		csv := func() string { return rig.Anonymous(t).GetBody(t, "/incidents/stats.csv") }
		if got := csv(); strings.Contains(got, "\n2015,1,") {
			t.Fatalf("stats before any incident: %q", got)
		}
		// The timeline's years, rendered once per language and kept.
		timeline := func(lang string) string { return rig.Anonymous(t).GetBody(t, "/incidents/timeline?lang="+lang) }
		for _, lang := range []string{"en", "ar"} {
			if page := timeline(lang); strings.Contains(page, "Grid blackout") {
				t.Fatalf("%s: the timeline shows an incident before any", lang)
			}
		}

		// The statistics' chart and table, rendered once per language and
		// kept: each language's page in its own words.
		stats := func(lang string) string { return rig.Anonymous(t).GetBody(t, "/incidents/stats?lang="+lang) }
		published := map[string]string{"en": "Published incidents", "ar": "الحوادث المنشورة"}
		for _, lang := range []string{"en", "ar", "en"} {
			if page := stats(lang); strings.Contains(page, `<a href="/incidents?year=2015">2015</a>`) || strings.Contains(page, "<figure>") {
				t.Fatalf("%s: the statistics show a year before any incident", lang)
			}
		}

		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		var inc struct{ ID string }
		if st := call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &inc); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+inc.ID+"/publish", "", nil); st != 200 {
			t.Fatalf("publish: %d", st)
		}
		c, n := counts()
		if n < 2 {
			t.Errorf("count after a publication ran %d statements, want a recount", n)
		}
		found := false
		for _, y := range c {
			found = found || y.Year == 2015 && y.Incidents == 1
		}
		if !found {
			t.Errorf("counts after publishing a 2015 incident: %+v", c)
		}
		if got := csv(); !strings.Contains(got, "\n2015,1,") {
			t.Errorf("stats.csv after publishing a 2015 incident: %q", got)
		}
		for _, lang := range []string{"en", "ar"} {
			if page := timeline(lang); !strings.Contains(page, `<a href="/incidents?year=2015">2015</a>`) || !strings.Contains(page, "Grid blackout") {
				t.Errorf("%s: the timeline after publishing a 2015 incident lacks it", lang)
			}
			page := stats(lang)
			if !strings.Contains(page, `<a href="/incidents?year=2015">2015</a>`) || !strings.Contains(page, "<figure>") {
				t.Errorf("%s: the statistics after publishing a 2015 incident lack its year or the chart", lang)
			}
			if n := strings.Count(page, published[lang]); n < 2 {
				t.Errorf("%s: the statistics name the published incidents %d times in the reader's language, want the chart's and the table's", lang, n)
			}
		}
	})
}
