package compendium_test

import (
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestPagesWithResultsPassAxe audits the compendium's pages when they hold
// what the site-wide audit's empty database cannot show: search results,
// good practices with their State and norm links, and the marking table,
// in English and in Arabic (right to left).
func TestPagesWithResultsPassAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	rig := testrig.New(t)
	publish(t, rig, "DEU", 2025, "public",
		measure{ID: "m-deu", Key: "k-deu", Norm: "gge2015-j", Title: "Quokka disclosure programme", Desc: "Researchers report quokka flaws to the national CSIRT.",
			Type: "policy", Status: "implemented", Others: []string{"gge2015-i"}},
		measure{ID: "m-deu-2", Key: "k-deu-2", Norm: "gge2015-c", Title: "Quokka abuse desk", Desc: "Hosting providers answer quokka abuse reports within a day.",
			Type: "institution", Status: "in_progress"})
	if _, err := service(rig).SyncSearch(rig.Ctx); err != nil {
		t.Fatal(err)
	}
	sec := rig.User(t, auth.RoleSecretariat, "")
	jsonCall(t, rig, rig.Token(t, sec), 201, "POST", "/api/v1/practices", map[string]string{"measure_id": "m-deu", "note": "Clear and public."})

	ctx := browsertest.New(t)
	check := func(path string) {
		t.Helper()
		vs, err := browsertest.Audit(ctx, rig.URL+path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if len(vs) > 0 {
			t.Errorf("%s: %d accessibility violations:%s", path, len(vs), browsertest.Describe(vs))
		}
	}
	for _, lang := range []string{"en", "ar"} {
		check("/compendium?lang=" + lang)
		check("/compendium/search?q=quokka&lang=" + lang)
		check("/compendium/norms/gge2015-j?lang=" + lang)
	}
	if err := browsertest.SignIn(ctx, rig.URL, sec.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	check("/compendium/practices/mark?state=DEU&lang=en")
}
