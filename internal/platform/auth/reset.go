package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
)

// ResetTTL is how long a password-reset link stays valid.
const ResetTTL = time.Hour

// Limits on reset requests, per address and per client address, within
// ResetRequestWindow: enough for a person who mistyped, too few to flood a
// mailbox or the relay.
const (
	ResetRequestWindow     = time.Hour
	MaxResetRequestsEmail  = 3
	MaxResetRequestsClient = 10
)

// AllowResetRequest counts a reset request for the address and the client
// (atomically, see package throttle) and reports whether both are within
// their limits. Unknown addresses are counted like known ones, so the limit
// reveals nothing about which addresses have accounts.
func (s *Store) AllowResetRequest(ctx context.Context, email, client string) (bool, error) {
	byEmail := &throttle.Limiter{DB: s.DB, Bucket: "reset.email", Limit: MaxResetRequestsEmail, Window: ResetRequestWindow}
	byClient := &throttle.Limiter{DB: s.DB, Bucket: "reset.client", Limit: MaxResetRequestsClient, Window: ResetRequestWindow}
	he, err := byEmail.Hit(ctx, normaliseEmail(email))
	if err != nil {
		return false, err
	}
	hc, err := byClient.Hit(ctx, client)
	if err != nil {
		return false, err
	}
	return he.Allowed && hc.Allowed, nil
}

// ErrResetInvalid means the reset link is unknown, used or expired.
var ErrResetInvalid = errors.New("this password-reset link is not valid or has expired; ask for a new one")

// CreateReset makes a single-use reset secret for the account with this
// address. It returns ErrNotFound for unknown addresses; callers must not
// reveal that to the requester.
func (s *Store) CreateReset(ctx context.Context, tx *db.Tx, email string) (*User, string, error) {
	u, err := s.ByEmail(ctx, email)
	if err != nil {
		return nil, "", err
	}
	if u.Disabled {
		return nil, "", ErrNotFound
	}
	secret := id.Secret(32)
	now := time.Now().UTC()
	_, err = tx.ExecContext(ctx, `INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		id.Hash(secret), u.ID, now, now.Add(ResetTTL))
	return u, secret, err
}

// ConsumeReset sets a new password with a reset secret, spending it and
// every other outstanding reset of the account (SetPassword ends them). The
// change is attributed to the account's holder in the audit log.
func (s *Store) ConsumeReset(ctx context.Context, secret, password string) (*User, error) {
	if err := CheckPasswordPolicy(password); err != nil {
		return nil, &FieldError{"password", err.Error()}
	}
	var u *User
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var userID string
		var expires time.Time
		var used sql.NullTime
		err := tx.QueryRowContext(ctx, `SELECT user_id, expires_at, used_at FROM password_resets WHERE token_hash = ?`, id.Hash(secret)).Scan(&userID, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (used.Valid || time.Now().After(expires)) {
			return ErrResetInvalid
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE password_resets SET used_at = ? WHERE token_hash = ?`, time.Now().UTC(), id.Hash(secret)); err != nil {
			return err
		}
		u, err = s.ByID(ctx, tx, userID)
		if err != nil {
			return err
		}
		return s.SetPassword(audit.WithActor(ctx, u.Actor("web")), tx, userID, password)
	})
	return u, err
}
