package contacts_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemo(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		if err := contacts.GenerateDemo(rig.Ctx, rig.App.Services, demo.RNG(1, "contacts"), 1, func(string) {}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, rig, `SELECT COUNT(DISTINCT state_iso3) FROM contacts_coverage`); n < 135 || n > 140 {
			t.Errorf("%d States with contacts", n)
		}
		if n := count(t, rig, `SELECT COUNT(*) FROM contacts_rounds`); n != 4 {
			t.Errorf("%d rounds", n)
		}
		public := apiClient{c: rig.Anonymous(t)}
		_, raw := public.raw(t, "/api/v1/contacts/rounds")
		for _, o := range []string{`"in_time":`, `"late":`, `"no_answer":`, `"bounced":`} {
			if !strings.Contains(raw, o) {
				t.Errorf("rounds lack %s", o)
			}
		}
		if strings.Contains(raw, `"closed":false`) {
			t.Errorf("a demo round is still open")
		}
		html := public.c.GetBody(t, "/contacts")
		if strings.Contains(html, "demo.example.org") {
			t.Error("the public page shows a contact's address")
		}
	})
}
