package vep

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Grant is one of a State's users and whether they hold the VEP
// permission (read and write the State's register).
type Grant struct {
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Role      string     `json:"role"`
	Granted   bool       `json:"granted"`
	GrantedAt *time.Time `json:"granted_at,omitempty"`
}

// GrantedOn is the day the permission was granted, or "".
func (g Grant) GrantedOn() string {
	if g.GrantedAt == nil {
		return ""
	}
	return g.GrantedAt.Format("2006-01-02")
}

// GrantInput names the user to grant the permission to.
type GrantInput struct {
	UserID string `json:"user_id"`
}

// approverState returns the State of the caller if they are a State
// approver; the permission's pages are theirs alone.
func approverState(ctx context.Context) (string, *auth.User, error) {
	u := auth.UserFrom(ctx)
	if u == nil || u.Role != auth.RoleStateApprover || u.StateISO3 == "" {
		return "", nil, ErrNotFound
	}
	return u.StateISO3, u, nil
}

// Grants lists the caller's State's users (the caller being its approver)
// with their VEP permission.
func (s *Service) Grants(ctx context.Context) ([]Grant, error) {
	iso3, _, err := approverState(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT u.id, u.name, u.email, u.role, g.granted_at FROM users u
		LEFT JOIN vep_grants g ON g.user_id = u.id AND g.state_iso3 = u.state_iso3
		WHERE u.state_iso3 = ? AND u.role IN (?, ?) AND u.disabled = ? ORDER BY u.email`,
		iso3, string(auth.RoleStateEditor), string(auth.RoleStateApprover), false)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Grant{}
	for rows.Next() {
		var g Grant
		var at sql.NullTime
		if err := rows.Scan(&g.UserID, &g.Name, &g.Email, &g.Role, &at); err != nil {
			return nil, err
		}
		if at.Valid {
			t := at.Time.UTC()
			g.Granted, g.GrantedAt = true, &t
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// stateUser loads a user of the approver's State; any other user is not found.
func (s *Service) stateUser(ctx context.Context, q db.Querier, iso3, userID string) (*auth.User, error) {
	if userID == "" || len(userID) > 64 {
		return nil, ErrNotFound
	}
	u, err := s.Svc.Auth.ByID(ctx, q, userID)
	if errors.Is(err, auth.ErrNotFound) || err == nil && (!u.ActsFor(iso3) || u.Disabled) {
		return nil, ErrNotFound
	}
	return u, err
}

// GrantPermission gives a user of the approver's State the VEP permission.
// Granting it again changes nothing.
func (s *Service) GrantPermission(ctx context.Context, userID string) (Grant, error) {
	iso3, me, err := approverState(ctx)
	if err != nil {
		return Grant{}, err
	}
	var g Grant
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		u, err := s.stateUser(ctx, tx, iso3, userID)
		if err != nil {
			return err
		}
		at := now()
		res, err := tx.ExecContext(ctx, `INSERT INTO vep_grants (user_id, state_iso3, granted_by, granted_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING`, u.ID, iso3, me.ID, at)
		if err != nil {
			return err
		}
		g = Grant{UserID: u.ID, Name: u.Name, Email: u.Email, Role: string(u.Role), Granted: true, GrantedAt: &at}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, "vep.permission.grant", "user", u.ID, nil, map[string]string{"state": iso3})
	})
	return g, err
}

// RevokePermission takes the VEP permission away from a user of the
// approver's State.
func (s *Service) RevokePermission(ctx context.Context, userID string) error {
	iso3, _, err := approverState(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM vep_grants WHERE user_id = ? AND state_iso3 = ?`, userID, iso3)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit.Record(ctx, tx, "vep.permission.revoke", "user", userID, map[string]string{"state": iso3}, nil)
	})
}

// permitted returns the caller's State if they hold its VEP permission.
// Everyone else — the public, the secretariat, stakeholders, other
// States and the State's own users without it — gets ErrNotFound, the
// same answer as for an entry that does not exist.
func (s *Service) permitted(ctx context.Context, q db.Querier) (string, *auth.User, error) {
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() || u.StateISO3 == "" || u.Disabled {
		return "", nil, ErrNotFound
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vep_grants WHERE user_id = ? AND state_iso3 = ?`, u.ID, u.StateISO3).Scan(&n); err != nil {
		return "", nil, err
	}
	if n == 0 {
		return "", nil, ErrNotFound
	}
	return u.StateISO3, u, nil
}

// Permitted reports whether the caller holds the VEP permission.
func (s *Service) Permitted(ctx context.Context) bool {
	_, _, err := s.permitted(ctx, s.DB)
	return err == nil
}
