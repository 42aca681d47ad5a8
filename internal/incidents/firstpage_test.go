package incidents_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestFirstPageIsKeptUntilSomethingIsWritten checks that the first page of
// the published incidents, kept per language (/incidents) and encoded once
// (/api/v1/incidents), shows a publication made after it was kept, and
// that it is what the same page read through a filter says.
func TestFirstPageIsKeptUntilSomethingIsWritten(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		get := func(path string) string { return rig.Anonymous(t).GetBody(t, path) }
		list := func(page string) string {
			t.Helper()
			_, after, ok := strings.Cut(page, "<h2>")
			list, _, ok2 := strings.Cut(after, "</main>")
			if !ok || !ok2 {
				t.Fatalf("no list in %q", page)
			}
			return list
		}
		for _, lang := range []string{"en", "fr", "en"} {
			if page := get("/incidents?lang=" + lang); strings.Contains(page, "Grid blackout") {
				t.Fatalf("%s: the list shows an incident before any", lang)
			}
		}
		if body := get("/api/v1/incidents"); body != "{\"items\":[]}\n" {
			t.Fatalf("the API lists %q before any incident", body)
		}

		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		for range 2 {
			var inc struct{ ID string }
			if st := call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &inc); st != 201 {
				t.Fatalf("create: %d", st)
			}
			if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+inc.ID+"/publish", "", nil); st != 200 {
				t.Fatalf("publish: %d", st)
			}
		}
		for _, lang := range []string{"en", "fr"} {
			page := get("/incidents?lang=" + lang)
			if n := strings.Count(page, ">Grid blackout</a>"); n != 2 {
				t.Errorf("%s: the list after two publications shows %d of them", lang, n)
			}
			if got, want := list(page), list(get("/incidents?year=2015&lang="+lang)); !strings.Contains(got, want[strings.Index(want, "<ul"):]) {
				t.Errorf("%s: the first page's list\n%s\nis not the 2015 list\n%s", lang, got, want)
			}
		}
		// The kept first page (its filters' form and its list) is the page
		// read after a cursor past every incident, rendered at the request.
		for _, lang := range []string{"en", "ar"} {
			content := func(page string) string {
				_, after, _ := strings.Cut(page, "<h1>")
				content, _, _ := strings.Cut(after, "</main>")
				return content
			}
			first, after := content(get("/incidents?lang="+lang)), content(get("/incidents?after=2099%7Cz&lang="+lang))
			if first != after || !strings.Contains(first, `<form method="get" action="/incidents"`) {
				t.Errorf("%s: the kept first page\n%s\nis not the page rendered at the request\n%s", lang, first, after)
			}
		}
		// The first page is the page read with a condition every incident
		// meets (updated since 2000), encoded by the ordinary path.
		first, all := get("/api/v1/incidents"), get("/api/v1/incidents?updated_since=2000-01-01T00:00:00Z")
		if first != all || strings.Count(first, `"name":"Grid blackout"`) != 2 {
			t.Errorf("the API's first page\n%s\nis not the list of every incident\n%s", first, all)
		}
		if first, next := get("/api/v1/incidents?limit=1"), get("/api/v1/incidents?limit=50"); !strings.Contains(first, `"next_cursor"`) || next != all {
			t.Errorf("pages of other sizes: %s, %s", first, next)
		}
	})
}
