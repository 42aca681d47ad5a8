package bulletin_test

import (
	"math/rand/v2"
	"strings"
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

func TestGenerateDemoMakesAsManySubscribersAsTheEnvironmentSays(t *testing.T) {
	rig := testrig.New(t)
	t.Setenv(bulletin.DemoSubscribersEnv, "not a number")
	err := bulletin.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(string) {})
	if err == nil || !strings.Contains(err.Error(), bulletin.DemoSubscribersEnv) {
		t.Fatalf("a bad count: %v, want an error naming %s", err, bulletin.DemoSubscribersEnv)
	}
	t.Setenv(bulletin.DemoSubscribersEnv, "25_000")
	var lines []string
	if err := bulletin.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(s string) { lines = append(lines, s) }); err != nil {
		t.Fatal(err)
	}
	counts, err := bulletinSvc(rig).SubscriberCounts(rig.Ctx)
	if err != nil || counts[bulletin.SubConfirmed] != 25_000 {
		t.Fatalf("%v confirmed subscribers (%v), want 25,000", counts, err)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "25000 confirmed subscribers") {
		t.Errorf("last progress line %q", last)
	}
}
