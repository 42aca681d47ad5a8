package participation

import (
	"context"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

// Recipients of participation e-mails.
type recipients struct {
	orgID       string // the applicant's users
	secretariat bool
	approvers   bool   // every State's approvers
	stateISO3   string // one State's approvers
}

func (s *Service) addresses(ctx context.Context, q db.Querier, r recipients) ([]string, error) {
	query := `SELECT email FROM users WHERE disabled = ? AND (1 = 0`
	args := []any{false}
	if r.orgID != "" {
		query += ` OR org_id = ?`
		args = append(args, r.orgID)
	}
	if r.secretariat {
		query += ` OR role = ?`
		args = append(args, string(auth.RoleSecretariat))
	}
	if r.approvers {
		query += ` OR role = ?`
		args = append(args, string(auth.RoleStateApprover))
	}
	if r.stateISO3 != "" {
		query += ` OR (role = ? AND state_iso3 = ?)`
		args = append(args, string(auth.RoleStateApprover), r.stateISO3)
	}
	rows, err := q.QueryContext(ctx, query+`) ORDER BY email`, args...)
	if err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// notify queues one message per recipient inside tx, so nobody is told of a
// step that rolled back.
func (s *Service) notify(ctx context.Context, tx *db.Tx, r recipients, subject, text, path string) error {
	to, err := s.addresses(ctx, tx, r)
	if err != nil {
		return err
	}
	body := text + "\n\n" + s.Svc.Link(path) + "\n"
	for _, addr := range to {
		if err := s.Svc.QueueMail(ctx, tx, mail.Message{To: addr, Subject: subject, Text: body}); err != nil {
			return fmt.Errorf("notify %s: %w", addr, err)
		}
	}
	return nil
}
