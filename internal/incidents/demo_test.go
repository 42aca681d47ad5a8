package incidents_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemo(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		rig.User(t, auth.RoleStakeholder, "")
		var lines []string
		if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 0, func(s string) { lines = append(lines, s) }); err != nil {
			t.Fatal(err)
		}
		var n, joint, proposals int
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incidents WHERE status = 'published'`).Scan(&n)
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incident_attributions WHERE attributor_states LIKE '%,%,%,%'`).Scan(&joint)
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incident_proposals WHERE status = 'submitted'`).Scan(&proposals)
		if n != 60 || joint == 0 || proposals == 0 || len(lines) == 0 {
			t.Errorf("%d incidents, %d joint statements, %d proposals, %d progress lines", n, joint, proposals, len(lines))
		}
		rig.Anonymous(t).GetBody(t, "/incidents")
	})
}
