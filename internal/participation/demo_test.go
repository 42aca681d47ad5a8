package participation_test

import (
	"math/rand/v2"
	"testing"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemoObjectsToTheTechAccordSevenTimesInARow(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		if err := participation.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(s string) { t.Log(s) }); err != nil {
			t.Fatal(err)
		}
		h, err := participation.NewService(rig.App.Services).OrganisationHistory(rig.Ctx, "cybersecurity-tech-accord")
		if err != nil {
			t.Fatal(err)
		}
		if h.CurrentStreak != 7 {
			t.Errorf("the Tech Accord's streak is %d, want 7", h.CurrentStreak)
		}
		body := rig.Anonymous(t).GetBody(t, "/participation/consultations/aus-2020-international-cyber-engagement")
		if len(body) < 5000 {
			t.Error("the imported submission is missing from the consultation page")
		}
	})
}
