package positions_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestTopicsAreReadAgainAfterAWrite: the topics every page names are kept
// in memory (audit.Kept) and read again once something has been written:
// a topic the secretariat renames, and a topic another instance's start
// translates (SeedTopics, which records that it wrote), show at once on
// the pages and in the API.
func TestTopicsAreReadAgainAfterAWrite(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		if page := c.GetBody(t, "/positions"); !strings.Contains(page, "Sovereignty") {
			t.Fatal("the topics' page lacks Sovereignty")
		}
		// A topic left in English by an earlier version (written here
		// without the service), then a topic renamed by the secretariat.
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE positions_topics SET descriptions = '{"en":"When a cyber operation is attributable to a State, and what evidence and procedure attribution requires."}' WHERE id = 'attribution'`); err != nil {
			t.Fatal(err)
		}
		sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
		if r := c.Do(t, "PUT", "/api/v1/positions/topics/sovereignty", `{"titles":{"en":"Sovereignty of States"},"descriptions":{"en":"Revised."}}`, sec); r.StatusCode != http.StatusOK {
			t.Fatalf("rename a topic: %d %s", r.StatusCode, testrig.Body(r))
		}
		if page := c.GetBody(t, "/positions"); !strings.Contains(page, "Sovereignty of States") {
			t.Error("the renamed topic is not on the topics' page")
		}
		// Read as the secretariat: signed-in answers are never from the
		// page cache, whose epoch another instance's write does not move.
		french := func() string { return testrig.Body(c.Do(t, "GET", "/api/v1/positions/topics?lang=fr", "", sec)) }
		if body := french(); strings.Contains(body, "Quand une cyberopération est attribuable à un État") {
			t.Fatalf("the description of attribution is still in French: %s", body)
		}
		// Another instance's start translates it.
		if err := positions.NewService(rig.App.Services).SeedTopics(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		if body := french(); !strings.Contains(body, "Quand une cyberopération est attribuable à un État") {
			t.Error("a topic translated by a start is not read again")
		}
	})
}
