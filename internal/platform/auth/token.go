package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// TokenPrefix starts every personal API token, so leaked tokens are easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "cn_"

// Token is a personal API token. Only its hash is stored; the secret is
// shown once, at creation.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// CreateToken makes a token for a user and returns it with its secret.
func (s *Store) CreateToken(ctx context.Context, userID, name string) (Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return Token{}, "", &FieldError{"name", "is required and at most 100 characters"}
	}
	secret := TokenPrefix + id.Secret(24)
	t := Token{ID: id.New(), Name: name, CreatedAt: time.Now().UTC()}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			t.ID, userID, t.Name, id.Hash(secret), t.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "token.create", "api_token", t.ID, nil, t)
	})
	return t, secret, err
}

// Tokens lists a user's tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]Token, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var last, rev sql.NullTime
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &last, &rev); err != nil {
			return nil, err
		}
		if last.Valid {
			t.LastUsedAt = &last.Time
		}
		if rev.Valid {
			t.RevokedAt = &rev.Time
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes one of a user's tokens.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`, time.Now().UTC(), tokenID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit.Record(ctx, tx, "token.revoke", "api_token", tokenID, nil, nil)
	})
}

// UserForToken returns the owner of a live token.
func (s *Store) UserForToken(ctx context.Context, secret string) (*User, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 100 {
		return nil, ErrNotFound
	}
	var userID, tokenID string
	var last sql.NullTime
	err := s.DB.QueryRowContext(ctx, `SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`, id.Hash(secret)).Scan(&tokenID, &userID, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	u, err := s.ByID(ctx, s.DB, userID)
	if err != nil || u.Disabled {
		return nil, ErrNotFound
	}
	now := time.Now().UTC()
	if !last.Valid || now.Sub(last.Time) > time.Minute {
		_, _ = s.DB.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, tokenID)
	}
	return u, nil
}
