package capacity_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestListFiltersAreReadAgainAfterAWrite: the needs' and offers' filters
// are kept per language (audit.KeptBy) with the framework's norms, and
// read again once something has been written: a norm's title changed in
// the database shows in both filters after the next write.
func TestListFiltersAreReadAgainAfterAWrite(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		// Signed in: never answered from the page cache.
		c := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
		for _, path := range []string{"/capacity/needs", "/capacity/offers?lang=fr"} {
			if page := c.GetBody(t, path); strings.Contains(page, "A title changed for the test") {
				t.Fatalf("%s names the title before it is changed", path)
			}
		}
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE norms SET short_title = 'A title changed for the test' WHERE id = 'paris-call-1'`); err != nil {
			t.Fatal(err)
		}
		w.publishedNeed(t, "A need that writes", "public")
		for _, path := range []string{"/capacity/needs", "/capacity/offers?lang=fr"} {
			page := c.GetBody(t, path)
			if !strings.Contains(page, `<option value="paris-call-1" lang="en">1 A title changed for the test</option>`) {
				t.Errorf("%s does not offer the norm by its new title", path)
			}
		}
	})
}
