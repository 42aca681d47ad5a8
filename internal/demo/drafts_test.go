package demo_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestDraftsForTheDemoStates checks that the drafts step leaves every
// State with demo accounts a draft in the open cycle: a submitted report is
// reopened, a missing one started, and a second run changes nothing.
func TestDraftsForTheDemoStates(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		s := &reporting.Service{P: rig.App.Services, FW: &framework.Store{DB: rig.DB}, Now: func() time.Time { return time.Now().UTC() }}
		sec := rig.User(t, auth.RoleSecretariat, "")
		sctx := audit.WithActor(auth.WithUser(rig.Ctx, sec), sec.Actor("test"))
		day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
		c, err := s.CreateCycle(sctx, reporting.CycleInput{Name: "2026", OpensOn: day(-1), DueOn: day(1), ClosesOn: day(2)})
		if err != nil {
			t.Fatal(err)
		}
		fra := rig.User(t, auth.RoleStateApprover, demo.DemoStates[0])
		fctx := audit.WithActor(auth.WithUser(rig.Ctx, fra), fra.Actor("test"))
		r, err := s.Start(fctx, reporting.StartInput{CycleID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(fctx, r.ID, reporting.SubmitInput{Visibility: reporting.Public}); err != nil {
			t.Fatal(err)
		}
		for run := 1; run <= 2; run++ {
			if err := demo.GenerateDrafts(rig.Ctx, rig.App.Services, nil, 1, func(s string) { t.Log(s) }); err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			for _, iso := range demo.DemoStates {
				got, err := s.ReportFor(sctx, c.ID, iso)
				if err != nil {
					t.Fatalf("run %d: %s: %v", run, iso, err)
				}
				if got.Status != reporting.StatusDraft {
					t.Errorf("run %d: %s's report is %s, want a draft", run, iso, got.Status)
				}
			}
		}
		if v, err := s.Versions(sctx, r.ID); err != nil || len(v) != 1 {
			t.Errorf("the reopened report keeps its submitted version: %d, %v", len(v), err)
		}
	})
}
