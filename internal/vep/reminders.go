package vep

import (
	"context"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// JobReminders is the periodic job that reminds each State's VEP users of
// reviews due and overdue.
const JobReminders = "vep.reminders"

// Reminder kinds.
const (
	RemindDue     = "due"
	RemindOverdue = "overdue"
)

// SendReminders looks at every State's register as of at and e-mails the
// State's VEP users once a week while a retained entry is due within 30
// days ("due") or past its due date ("overdue"). The e-mails name no
// vulnerability, count nothing and link to the register; the table
// vep_reminders records only State, kind and week. It returns the number
// of messages queued.
func (s *Service) SendReminders(ctx context.Context, at time.Time) (int, error) {
	at = at.UTC()
	ctx = audit.WithActor(ctx, audit.Actor{ID: "system", Label: "vep reminders", Via: "job"})
	rows, err := s.DB.QueryContext(ctx, `SELECT DISTINCT state_iso3 FROM vep_entries ORDER BY state_iso3`)
	if err != nil {
		return 0, err
	}
	var isos []string
	for rows.Next() {
		var iso string
		if err := rows.Scan(&iso); err != nil {
			rows.Close()
			return 0, err
		}
		isos = append(isos, iso)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	y, w := at.ISOWeek()
	period := fmt.Sprintf("%d-W%02d", y, w)
	clock := *s
	clock.Now = func() time.Time { return at }
	sent := 0
	for _, iso := range isos {
		entries, err := clock.stateEntries(ctx, s.DB, iso)
		if err != nil {
			return sent, err
		}
		kinds := map[string]bool{}
		for _, e := range entries {
			switch e.ReviewStatus {
			case "overdue":
				kinds[RemindOverdue] = true
			case "due":
				kinds[RemindDue] = true
			}
		}
		for _, kind := range []string{RemindOverdue, RemindDue} {
			if !kinds[kind] {
				continue
			}
			n, err := s.remind(ctx, iso, kind, period, at)
			if err != nil {
				return sent, err
			}
			sent += n
		}
	}
	return sent, nil
}

// remind sends one kind of reminder to a State's VEP users, once per period.
func (s *Service) remind(ctx context.Context, iso3, kind, period string, at time.Time) (int, error) {
	sent := 0
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO vep_reminders (state_iso3, kind, period, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, iso3, kind, period, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		users, err := s.vepUsers(ctx, tx, iso3)
		if err != nil {
			return err
		}
		err = s.Svc.QueueLetter(ctx, tx, users, func(_ string, t platform.Tr) (string, string) {
			return t("vep.mail." + kind + ".subject"), t("vep.mail."+kind+".body") + "\n\n" + s.Svc.Link("/vep/register") + "\n"
		})
		if err != nil {
			return err
		}
		sent += len(users)
		// The audit names neither the State nor the kind: whoever reads the
		// audit log must not learn that a State retains anything.
		return audit.Record(ctx, tx, "vep.reminder", "vep_reminders", period, nil, nil)
	})
	return sent, err
}

// vepUsers are the State's users who hold the VEP permission.
func (s *Service) vepUsers(ctx context.Context, q db.Querier, iso3 string) ([]platform.Recipient, error) {
	return platform.Accounts(ctx, q, `id IN (SELECT user_id FROM vep_grants WHERE state_iso3 = ?) AND state_iso3 = ? AND role IN (?, ?)`,
		iso3, iso3, string(auth.RoleStateEditor), string(auth.RoleStateApprover))
}
