// Package auth holds users, roles, password and second-factor checks,
// sessions and API tokens.
package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Role is what a user may do on the platform.
type Role string

// The roles. The public has no account.
const (
	RolePublic        Role = "public"
	RoleSecretariat   Role = "secretariat"
	RoleStateEditor   Role = "state-editor"
	RoleStateApprover Role = "state-approver"
	RoleStakeholder   Role = "stakeholder"
)

// Roles lists the roles that accounts can have.
var Roles = []Role{RoleSecretariat, RoleStateEditor, RoleStateApprover, RoleStakeholder}

// ParseRole validates a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want one of secretariat, state-editor, state-approver, stakeholder)", s)
}

// IsState reports whether the role acts for a State.
func (r Role) IsState() bool { return r == RoleStateEditor || r == RoleStateApprover }

// User is an account.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	StateISO3   string    `json:"state,omitempty"`
	OrgID       string    `json:"organisation_id,omitempty"`
	OrgSlug     string    `json:"organisation,omitempty"`
	TOTPEnabled bool      `json:"totp_enabled"`
	Lang        string    `json:"lang"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	// MustChangePassword is set while the account's password is the one the
	// secretariat or the CLI chose: until its holder changes it, only the
	// account page, the change itself and signing out are open.
	MustChangePassword bool `json:"must_change_password"`

	passwordHash string
	totpSealed   []byte // the TOTP secret, sealed (see totp.go)
}

// NeedsMFA reports whether the user's role requires a second factor:
// secretariat and State accounts do.
func (u *User) NeedsMFA() bool {
	return u.Role == RoleSecretariat || u.Role.IsState()
}

// NeedsSecondFactor reports whether signing in takes a second factor: the
// role requires one, or the holder enabled one.
func (u *User) NeedsSecondFactor() bool { return u.NeedsMFA() || u.TOTPEnabled }

// Has reports whether u has one of the roles. A nil user is the public.
func (u *User) Has(roles ...Role) bool {
	for _, r := range roles {
		if u == nil && r == RolePublic || u != nil && u.Role == r {
			return true
		}
	}
	return false
}

// ActsFor reports whether u acts for the State with the given ISO 3166
// alpha-3 code.
func (u *User) ActsFor(iso3 string) bool {
	return u != nil && u.Role.IsState() && strings.EqualFold(u.StateISO3, iso3)
}

// Actor is the audit actor for u.
func (u *User) Actor(via string) audit.Actor {
	return audit.Actor{ID: u.ID, Label: u.Email, Via: via}
}

// FieldError is a validation failure on one named input field.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// NewUser is the input for creating an account.
type NewUser struct {
	Email     string
	Name      string
	Role      Role
	StateISO3 string
	OrgSlug   string
	Password  string
	// MustChange makes the holder replace Password at first sign-in: set
	// it when someone other than the holder chose the password (the
	// secretariat's form, the CLI).
	MustChange bool
}

// StateChecker tells whether an ISO 3166 alpha-3 code is a known State.
type StateChecker func(iso3 string) bool

// Store reads and writes accounts.
type Store struct {
	DB         *db.DB
	KnownState StateChecker
	// Seal keeps TOTP secrets encrypted at rest; needed to enrol or check
	// a second factor.
	Seal Sealer
}

const userColumns = `u.id, u.email, u.name, u.role, COALESCE(u.state_iso3, ''), COALESCE(u.org_id, ''), COALESCE(o.slug, ''),
	u.totp_enabled, u.lang, u.disabled, u.created_at, u.password_hash, u.totp_sealed, u.must_change_password`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var role string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &role, &u.StateISO3, &u.OrgID, &u.OrgSlug,
		&u.TOTPEnabled, &u.Lang, &u.Disabled, &u.CreatedAt, &u.passwordHash, &u.totpSealed, &u.MustChangePassword); err != nil {
		return nil, err
	}
	u.Role = Role(role)
	return &u, nil
}

// ErrNotFound is returned when an account does not exist.
var ErrNotFound = errors.New("not found")

// ByID loads a user.
func (s *Store) ByID(ctx context.Context, q db.Querier, userID string) (*User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE u.id = ?`, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// ByEmail loads a user by e-mail address (case-insensitive).
func (s *Store) ByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanUser(s.DB.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE u.email = ?`, normaliseEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return u, err
}

// List returns all users, ordered by e-mail.
func (s *Store) List(ctx context.Context) ([]*User, error) {
	return s.list(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN organisations o ON o.id = u.org_id ORDER BY u.email`)
}

// Page returns up to limit users by e-mail after the address after, keeping
// those whose e-mail address or name contains q (ignoring case; ASCII case
// on SQLite) when q is not empty. The users' unique e-mail index walks them
// in order, so a page costs the same however many accounts there are.
func (s *Store) Page(ctx context.Context, q, after string, limit int) ([]*User, error) {
	where, args := `u.email > ?`, []any{after}
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		where += ` AND (u.email LIKE ? ESCAPE '\' OR lower(u.name) LIKE ? ESCAPE '\')`
		args = append(args, db.Contains(q), db.Contains(q))
	}
	return s.list(ctx, `SELECT `+userColumns+` FROM users u LEFT JOIN organisations o ON o.id = u.org_id WHERE `+where+fmt.Sprintf(` ORDER BY u.email LIMIT %d`, limit), args...)
}

func (s *Store) list(ctx context.Context, query string, args ...any) ([]*User, error) {
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks a new account's fields and returns the first problem as a
// *FieldError.
func (s *Store) validate(ctx context.Context, nu *NewUser) error {
	nu.Email = normaliseEmail(nu.Email)
	nu.Name = strings.TrimSpace(nu.Name)
	addr, err := mail.ParseAddress(nu.Email)
	if err != nil || addr.Address != nu.Email || len(nu.Email) > 254 {
		return &FieldError{"email", "is not a valid e-mail address"}
	}
	if nu.Name == "" || len(nu.Name) > 200 {
		return &FieldError{"name", "is required and at most 200 characters"}
	}
	if _, err := ParseRole(string(nu.Role)); err != nil {
		return &FieldError{"role", err.Error()}
	}
	nu.StateISO3 = strings.ToUpper(strings.TrimSpace(nu.StateISO3))
	switch {
	case nu.Role.IsState() && nu.StateISO3 == "":
		return &FieldError{"state", "is required for State roles"}
	case nu.Role.IsState() && s.KnownState != nil && !s.KnownState(nu.StateISO3):
		return &FieldError{"state", fmt.Sprintf("%q is not a known State (ISO 3166-1 alpha-3)", nu.StateISO3)}
	case !nu.Role.IsState() && nu.StateISO3 != "":
		return &FieldError{"state", "only State roles are bound to a State"}
	case nu.Role == RoleStakeholder && nu.OrgSlug == "":
		return &FieldError{"org", "is required for stakeholder accounts"}
	case nu.Role != RoleStakeholder && nu.OrgSlug != "":
		return &FieldError{"org", "only stakeholder accounts belong to an organisation"}
	}
	if err := CheckPasswordPolicy(nu.Password, nu.Email, nu.Name); err != nil {
		return &FieldError{"password", err.Error()}
	}
	return nil
}

// Create adds an account; the write is audited.
func (s *Store) Create(ctx context.Context, nu NewUser) (*User, error) {
	if err := s.validate(ctx, &nu); err != nil {
		return nil, err
	}
	hash, err := HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: id.New(), Email: nu.Email, Name: nu.Name, Role: nu.Role, StateISO3: nu.StateISO3, Lang: "en", CreatedAt: time.Now().UTC(), MustChangePassword: nu.MustChange}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var orgID any
		if nu.OrgSlug != "" {
			var oid string
			if err := tx.QueryRowContext(ctx, `SELECT id FROM organisations WHERE slug = ?`, nu.OrgSlug).Scan(&oid); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return &FieldError{"org", fmt.Sprintf("no organisation %q", nu.OrgSlug)}
				}
				return err
			}
			orgID, u.OrgID, u.OrgSlug = oid, oid, nu.OrgSlug
		}
		var state any
		if u.StateISO3 != "" {
			state = u.StateISO3
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, role, state_iso3, org_id, password_hash, created_at, updated_at, must_change_password)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, u.ID, u.Email, u.Name, string(u.Role), state, orgID, hash, u.CreatedAt, u.CreatedAt, u.MustChangePassword)
		if db.IsUniqueViolation(err) {
			return &FieldError{"email", "an account with this address already exists"}
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		return audit.Record(ctx, tx, "user.create", "user", u.ID, nil, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// SetDisabled enables or disables an account; disabling ends its sessions
// and revokes nothing else (tokens stop working because the user is disabled).
func (s *Store) SetDisabled(ctx context.Context, userID string, disabled bool) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		before, err := s.ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?`, disabled, time.Now().UTC(), userID); err != nil {
			return err
		}
		if disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
				return err
			}
		}
		after := *before
		after.Disabled = disabled
		return audit.Record(ctx, tx, "user.disable", "user", userID, before, after)
	})
}

// SetPassword replaces a user's password, ends all their sessions, spends
// every outstanding password-reset link and clears MustChangePassword. The
// password is checked against the policy with the holder's own address and
// name as words it must not lean on.
func (s *Store) SetPassword(ctx context.Context, tx *db.Tx, userID, pw string) error {
	u, err := s.ByID(ctx, tx, userID)
	if err != nil {
		return err
	}
	if err := CheckPasswordPolicy(pw, u.Email, u.Name); err != nil {
		return &FieldError{"password", err.Error()}
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?`, hash, false, time.Now().UTC(), userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`, time.Now().UTC(), userID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "user.password", "user", userID, nil, map[string]string{"password": "changed"})
}

// SetLang stores the user's interface language.
func (s *Store) SetLang(ctx context.Context, userID, lang string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET lang = ?, updated_at = ? WHERE id = ?`, lang, time.Now().UTC(), userID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "user.lang", "user", userID, nil, map[string]string{"lang": lang})
	})
}
