package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/reporting"
)

// GenerateDrafts gives each State with demo accounts (DemoStates) a report
// in progress in the open cycle, so that its editor and approver find a
// draft to work on, as they would while a cycle is open, and the load test
// can measure the report editor. It goes through the reporting service as
// the State's approver would: a report the State submitted in this cycle is
// reopened; otherwise a draft is started, carried forward from the State's
// last report if it has one. A State whose report is already a draft is left as it is.
func GenerateDrafts(ctx context.Context, svc *platform.Services, _ *rand.Rand, _ int, progress func(string)) error {
	s := &reporting.Service{P: svc, FW: &framework.Store{DB: svc.DB}, Now: func() time.Time { return time.Now().UTC() }}
	cycles, err := s.Cycles(ctx)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	var open *reporting.Cycle
	for i := range cycles {
		if cycles[i].Phase(now) != "upcoming" && cycles[i].Phase(now) != "closed" && (open == nil || cycles[i].OpensAt.After(open.OpensAt)) {
			open = &cycles[i]
		}
	}
	if open == nil {
		progress("no open cycle: no drafts")
		return nil
	}
	reopened, started := 0, 0
	for _, iso := range DemoStates {
		approver := &auth.User{ID: "demo-approver-" + strings.ToLower(iso), Name: "Approver, " + iso, Role: auth.RoleStateApprover, StateISO3: iso}
		actx := audit.WithActor(auth.WithUser(ctx, approver), approver.Actor("demo"))
		r, err := s.ReportFor(actx, open.ID, iso)
		switch {
		case errors.Is(err, reporting.ErrNotFound):
			_, err := s.Start(actx, reporting.StartInput{CycleID: open.ID, State: iso, CarryForward: true})
			if p := (*reporting.Problem)(nil); errors.As(err, &p) && p.Field == "carry_forward" {
				// No earlier report to carry forward: an empty draft.
				_, err = s.Start(actx, reporting.StartInput{CycleID: open.ID, State: iso})
			}
			if err != nil {
				return fmt.Errorf("start a draft for %s: %w", iso, err)
			}
			started++
		case err != nil:
			return err
		case r.Status == reporting.StatusSubmitted:
			if _, err := s.Reopen(actx, r.ID, reporting.ReopenInput{Note: "Reopened to add this year's measures"}); err != nil {
				return fmt.Errorf("reopen %s's report: %w", iso, err)
			}
			reopened++
		}
	}
	progress(fmt.Sprintf("reports in progress in cycle %s: %d reopened, %d started", open.Name, reopened, started))
	return nil
}
