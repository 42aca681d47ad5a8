package positions

import (
	"context"
	"fmt"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

// FollowInput names what to follow: "topic:<id>" or "proposal:<id>".
type FollowInput struct {
	Target string `json:"target" doc:"topic:<id> (e-mailed when a State publishes a position on it) or proposal:<id> (e-mailed when its status changes)"`
	Follow bool   `json:"follow" doc:"true to follow, false to stop"`
}

// Follows lists what the signed-in user follows.
func (s *Service) Follows(ctx context.Context) ([]string, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT target FROM positions_follows WHERE user_id = ? ORDER BY target`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetFollow starts or stops following a topic or a proposal.
func (s *Service) SetFollow(ctx context.Context, in FollowInput) error {
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	kind, target, ok := strings.Cut(in.Target, ":")
	switch {
	case !ok:
		return api.Invalid("target", "must be topic:<id> or proposal:<id>")
	case kind == "topic":
		if _, err := TopicByID(ctx, s.DB, target); err != nil {
			return api.Invalid("target", fmt.Sprintf("%q is not a topic", target))
		}
	case kind == "proposal":
		if _, err := ProposalByID(ctx, s.DB, target); err != nil {
			return api.Invalid("target", fmt.Sprintf("%q is not a proposal", target))
		}
	default:
		return api.Invalid("target", "must be topic:<id> or proposal:<id>")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if in.Follow {
			var n int
			if err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM positions_follows WHERE user_id = ? AND target = ?`, u.ID, in.Target).Scan(&n); err != nil || n > 0 {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO positions_follows (user_id, target, created_at) VALUES (?, ?, ?)`, u.ID, in.Target, now())
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM positions_follows WHERE user_id = ? AND target = ?`, u.ID, in.Target)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.follow", "user", u.ID, nil, in)
	})
}

// followers returns the addresses of active users following any target.
func followers(ctx context.Context, q db.Querier, targets []string) ([]string, error) {
	if len(targets) == 0 {
		return nil, nil
	}
	args := []any{false}
	for _, t := range targets {
		args = append(args, t)
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT u.email FROM positions_follows f JOIN users u ON u.id = f.user_id
		WHERE u.disabled = ? AND f.target IN (`+db.Placeholders(len(targets))+`) ORDER BY u.email`, args...)
	if err != nil {
		return nil, err
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

func (s *Service) mailAll(ctx context.Context, tx *db.Tx, to []string, subject, body, path string) error {
	text := body + "\n\n" + s.P.Link(path) + "\n\n" + "You receive this because you follow it on cybernorms; stop following at " + s.P.Link("/positions/following") + "\n"
	for _, addr := range to {
		if err := s.P.QueueMail(ctx, tx, mail.Message{To: addr, Subject: subject, Text: text}); err != nil {
			return fmt.Errorf("notify %s: %w", addr, err)
		}
	}
	return nil
}

// notifyPublished tells the followers of the topics a newly published
// position speaks to.
func (s *Service) notifyPublished(ctx context.Context, tx *db.Tx, docID string, topics []string) error {
	var targets []string
	for _, t := range topics {
		targets = append(targets, "topic:"+t)
	}
	to, err := followers(ctx, tx, targets)
	if err != nil || len(to) == 0 {
		return err
	}
	p, err := loadPosition(ctx, tx, docID, "en")
	if err != nil {
		return err
	}
	who := p.StateName
	if p.Kind == KindJoint {
		who = p.Group
	}
	return s.mailAll(ctx, tx, to, "New position: "+who+", "+p.Title,
		fmt.Sprintf("%s has published a position on the application of international law in cyberspace: %s (%s). It speaks to: %s.", who, p.Title, p.IssuedOn, strings.Join(topics, ", ")),
		"/positions/documents/"+docID)
}

// notifyStatus tells a proposal's followers that its status changed.
func (s *Service) notifyStatus(ctx context.Context, tx *db.Tx, p Proposal, status, on string) error {
	to, err := followers(ctx, tx, []string{"proposal:" + p.ID})
	if err != nil || len(to) == 0 {
		return err
	}
	return s.mailAll(ctx, tx, to, "Proposal "+status+": "+p.Title,
		fmt.Sprintf("The status of the proposal %q changed on %s from %s to %s.", p.Title, on, p.Status, status), "/positions/proposals/"+p.ID)
}
