package reporting

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

// Background job kinds.
const (
	jobCycleOpened = "reporting.cycle_opened"
	jobReminder    = "reporting.reminder"
)

type cyclePayload struct {
	CycleID string `json:"cycle_id"`
}

// stateUsers returns the enabled State accounts, optionally only those of
// States that have not submitted a report in the cycle.
func (s *Service) stateUsers(ctx context.Context, cycleID string, onlyMissing bool) ([]*auth.User, error) {
	all, err := s.P.Auth.List(ctx)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	if onlyMissing {
		rows, err := s.P.DB.QueryContext(ctx, `SELECT state_iso3 FROM reports WHERE cycle_id = ? AND current_version > 0`, cycleID)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var iso string
			if err := rows.Scan(&iso); err != nil {
				return nil, err
			}
			done[iso] = true
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var out []*auth.User
	for _, u := range all {
		if u.Role.IsState() && !u.Disabled && !done[strings.ToUpper(u.StateISO3)] {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Service) mailCycle(ctx context.Context, payload json.RawMessage, onlyMissing bool, subject, text string) error {
	var p cyclePayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	c, err := s.Cycle(ctx, p.CycleID)
	if err != nil {
		return jobs.Permanent(fmt.Errorf("%s: %w", subject, err))
	}
	users, err := s.stateUsers(ctx, c.ID, onlyMissing)
	if err != nil {
		return err
	}
	link := s.P.Link("/cycles/" + c.ID)
	return s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, u := range users {
			body := fmt.Sprintf(text, u.Name, c.Name, c.OpensAt.Format("2 January 2006"), c.DueAt.Add(-1).Format("2 January 2006"), c.ClosesAt.Add(-1).Format("2 January 2006"), link)
			if err := s.P.QueueMail(ctx, tx, mail.Message{To: u.Email, Subject: fmt.Sprintf(subject, c.Name), Text: body}); err != nil {
				return err
			}
		}
		return nil
	})
}

// jobCycleOpened tells every State account that a cycle has opened. The job
// is enqueued once per cycle under a unique key, and its mail is queued in
// one transaction, so nobody is told twice.
func (s *Service) jobCycleOpened(ctx context.Context, payload json.RawMessage) error {
	return s.mailCycle(ctx, payload, false, "Reporting cycle %s is open",
		"Dear %s,\n\nThe %s reporting cycle of the national implementation survey opened on %s. Reports are due by %s; late reports are accepted, and marked late, until %s.\n\nNo question is mandatory, and at submission your State chooses whether the report is public or confidential.\n\nStart or continue your State's report: %s\n")
}

// jobReminder reminds the accounts of States that have not yet submitted.
func (s *Service) jobReminder(ctx context.Context, payload json.RawMessage) error {
	return s.mailCycle(ctx, payload, true, "Reminder: reports for cycle %s are due soon",
		"Dear %s,\n\nYour State has not yet submitted its report in the %s reporting cycle (opened %s). Reports are due by %s; late reports are accepted until %s.\n\nContinue your State's report: %s\n")
}
