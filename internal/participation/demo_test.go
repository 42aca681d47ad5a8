package participation_test

import (
	"math/rand/v2"
	"strings"
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
		runs := map[string]participation.BodyRecord{}
		for _, b := range h.Bodies {
			runs[b.Body] = b
		}
		if o := runs["oewg-2021-2025"]; o.RefusedRun != 7 || o.RunObjections != 1 || o.RefusedByObjection != 7 {
			t.Errorf("the Tech Accord's OEWG record: %+v, want refused in 7 sessions in a row, each by one objection", o)
		}
		if a := runs["ahc-cybercrime"]; a.ObjectedRun != 3 || !a.RunAccreditedByVote || a.RefusedRun != 0 {
			t.Errorf("the Tech Accord's Ad Hoc Committee record: %+v, want objected to in 3 sessions in a row, accredited by vote each time", a)
		}
		page := rig.Anonymous(t).GetBody(t, "/participation/organisations/cybersecurity-tech-accord")
		if !strings.Contains(page, "Refused in 7 consecutive sessions of Open-ended working group") || !strings.Contains(page, "accredited by vote each time") {
			t.Error("the Tech Accord's page does not tell its story")
		}
		body := rig.Anonymous(t).GetBody(t, "/participation/consultations/aus-2020-international-cyber-engagement")
		if len(body) < 5000 {
			t.Error("the imported submission is missing from the consultation page")
		}
		checkComparisonKept(t, rig)
	})
}
