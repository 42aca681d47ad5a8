package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// ResetTTL is how long a password-reset link stays valid.
const ResetTTL = time.Hour

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

// ConsumeReset sets a new password with a reset secret, spending it.
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
		return s.SetPassword(ctx, tx, userID, password)
	})
	return u, err
}
