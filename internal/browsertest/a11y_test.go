package browsertest_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// examples fill path parameters with values that exist in a fresh rig.
var examples = map[string]string{"{iso3}": "FRA", "{id}": "gge2015-a"}

// TestEveryPagePassesAxe runs axe-core (WCAG 2.2 AA rules) on every GET page
// whose path it can fill, as the public and as the secretariat, and in
// Arabic (right to left) for the public pages.
func TestEveryPagePassesAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	rig := testrig.New(t)
	var paths []string
	for _, r := range rig.App.Services.Site.Router().Routes() {
		if r.Method != "GET" || r.IsAPI || strings.HasPrefix(r.Path, "/static") || r.Path == "/metrics" || r.Path == "/healthz" || r.Path == "/robots.txt" || r.Path == "/lang" {
			continue
		}
		p := strings.ReplaceAll(r.Path, "{$}", "")
		for k, v := range examples {
			p = strings.ReplaceAll(p, k, v)
		}
		if strings.Contains(p, "{") || strings.HasSuffix(p, ".ics") || strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".json") || strings.Contains(p, "feed") || strings.Contains(p, "taxii") {
			continue
		}
		paths = append(paths, p)
	}
	// Only HTML pages: feeds, calendars and downloads are not documents.
	anon := rig.Anonymous(t)
	html := paths[:0]
	for _, p := range paths {
		resp := anon.Get(t, p)
		if ct := resp.Header.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/html") {
			html = append(html, p)
		}
	}
	paths = html
	ctx := browsertest.New(t)
	check := func(label, u string) {
		vs, err := browsertest.Audit(ctx, u)
		if err != nil {
			t.Errorf("%s %s: %v", label, u, err)
			return
		}
		if len(vs) > 0 {
			t.Errorf("%s %s: %d accessibility violations:%s", label, u, len(vs), browsertest.Describe(vs))
		}
	}
	for _, p := range paths {
		check("public", rig.URL+p)
	}
	for _, p := range []string{"/", "/norms", "/states"} {
		check("public, Arabic", rig.URL+p+"?lang=ar")
	}
	// The form behind the one-time setup link, while no secretariat exists.
	link, err := rig.App.Setup.Link(rig.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("setup link", link)
	check("setup link, Arabic", link+"&lang=ar")
	// Sign the browser in as the secretariat through the real pages.
	u := rig.User(t, auth.RoleSecretariat, "")
	if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		check("secretariat", rig.URL+p)
	}
}
