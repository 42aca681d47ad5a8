package bulletin_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemo(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		// Several organisations, as the platform step makes them: items link
		// across organisations only where the target is visible to them.
		for range 4 {
			rig.User(t, auth.RoleStakeholder, "")
		}
		var lines []string
		if err := bulletin.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 0, func(s string) { lines = append(lines, s) }); err != nil {
			t.Fatal(err)
		}
		issues, err := bulletinSvc(rig).Issues(rig.Ctx, false)
		if err != nil || len(issues) != 8 {
			t.Fatalf("%d published issues, %v", len(issues), err)
		}
		var red int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM bulletin_issue_items ii JOIN bulletin_items i ON i.id = ii.item_id WHERE i.tlp = 'red'`).Scan(&red); err != nil || red != 0 {
			t.Fatalf("%d TLP:RED items in issues (%v)", red, err)
		}
		if len(lines) == 0 {
			t.Error("no progress reported")
		}
	})
}
