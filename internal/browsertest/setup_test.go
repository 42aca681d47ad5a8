package browsertest_test

import (
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestSetupPagePassesAxe audits the form behind the one-time setup link,
// in English and in Arabic, and the page a spent or altered link shows.
func TestSetupPagePassesAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	rig := testrig.New(t)
	link, err := rig.App.Setup.Link(rig.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	for _, u := range []string{link, link + "&lang=ar", rig.URL + "/setup?token=altered"} {
		vs, err := browsertest.Audit(ctx, u)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if len(vs) > 0 {
			t.Errorf("%s: %d accessibility violations:%s", u, len(vs), browsertest.Describe(vs))
		}
	}
}
