package positions_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemo(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		if err := positions.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(s string) { t.Log(s) }); err != nil {
			t.Fatal(err)
		}
		var states int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(DISTINCT state_iso3) FROM positions_documents WHERE status = 'published' AND kind = 'national'`).Scan(&states); err != nil {
			t.Fatal(err)
		}
		if states != 40 {
			t.Errorf("%d States with a published position, want 40", states)
		}
		c := rig.Anonymous(t)
		if page := c.GetBody(t, "/positions/topics/due-diligence"); !strings.Contains(page, "Common African Position") {
			t.Error("the joint position is not on the due diligence page")
		}
		if page := c.GetBody(t, "/positions/states/BRA"); strings.Contains(page, "under interministerial review") {
			t.Error("a draft is shown to the public")
		}
	})
}
