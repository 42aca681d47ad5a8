package incidents_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestIncidentPagesPassAxe runs axe-core (WCAG 2.2 AA) on the module's pages filled
// with demo data, as the public (and in Arabic) and as the secretariat.
func TestIncidentPagesPassAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	rig := testrig.New(t)
	rig.User(t, auth.RoleStakeholder, "")
	if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 0, nil); err != nil {
		t.Fatal(err)
	}
	var id, prop string
	_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT incident_id FROM incident_responses LIMIT 1`).Scan(&id)
	_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT id FROM incident_proposals LIMIT 1`).Scan(&prop)
	ctx := browsertest.New(t)
	paths := []string{"/incidents", "/incidents/" + id, "/incidents/states/RUS", "/incidents/norms/gge2015-f", "/incidents/actors", "/incidents/actors/G0007",
		"/incidents/timeline", "/incidents/stats", "/incidents/dataset", "/incidents?q=operation&type=espionage", "/incidents/" + id + "?lang=ar"}
	for _, p := range paths {
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
	for _, p := range []string{"/incidents/" + id, "/incidents/new", "/incidents/edit/" + id, "/incidents/proposals", "/incidents/proposals/" + prop, "/incidents/import", "/incidents/dataset"} {
		vs, err := browsertest.Audit(sctx, rig.URL+p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if len(vs) > 0 {
			t.Errorf("secretariat %s: %s", p, browsertest.Describe(vs))
		}
	}
}
