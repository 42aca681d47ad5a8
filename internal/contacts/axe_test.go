package contacts_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestContactsPagesPassAxe runs axe-core (WCAG 2.2 AA) on the module's
// public pages filled with demo data (the rounds' trend chart among
// them), in English and in Arabic, and on the secretariat's rounds page.
func TestContactsPagesPassAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	rig := testrig.New(t)
	if err := contacts.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if html := rig.Anonymous(t).GetBody(t, "/contacts/rounds"); !strings.Contains(html, `<svg`) {
		t.Fatal("the demo's rounds page has no trend chart to check")
	}
	ctx := browsertest.New(t)
	for _, p := range []string{"/contacts", "/contacts/rounds", "/contacts/rounds?lang=ar", "/contacts/states/FRA", "/contacts/requests"} {
		vs, err := browsertest.Audit(ctx, rig.URL+p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if len(vs) > 0 {
			t.Errorf("%s: %s", p, browsertest.Describe(vs))
		}
	}
	sec := rig.User(t, auth.RoleSecretariat, "")
	sctx := browsertest.New(t)
	if err := browsertest.SignIn(sctx, rig.URL, sec.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/contacts/rounds", "/contacts/states/FRA"} {
		vs, err := browsertest.Audit(sctx, rig.URL+p)
		if err != nil {
			t.Errorf("secretariat %s: %v", p, err)
		} else if len(vs) > 0 {
			t.Errorf("secretariat %s: %s", p, browsertest.Describe(vs))
		}
	}
}
