package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Passkey is a WebAuthn credential of an account. Credential is the
// WebAuthn library's record (public key, sign count, flags) as JSON; it
// holds nothing secret.
type Passkey struct {
	ID         string     `json:"id"`
	UserID     string     `json:"-"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Credential []byte     `json:"-"`
}

// SettingRequirePasskeys names the secretariat's setting: when "true",
// secretariat and State approver accounts must sign in with a passkey.
const SettingRequirePasskeys = "auth.require_passkeys"

// PasskeysRequired reports whether u must use a passkey as its second factor.
func (s *Store) PasskeysRequired(ctx context.Context, u *User) bool {
	if u.Role != RoleSecretariat && u.Role != RoleStateApprover {
		return false
	}
	var v string
	_ = s.DB.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, SettingRequirePasskeys).Scan(&v)
	return v == "true"
}

// SetPasskeysRequired changes the setting, audited.
func (s *Store) SetPasskeysRequired(ctx context.Context, on bool) error {
	v := "false"
	if on {
		v = "true"
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, SettingRequirePasskeys, v); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "settings.require_passkeys", "setting", SettingRequirePasskeys, nil, map[string]string{"value": v})
	})
}

const passkeyColumns = `id, user_id, name, created_at, last_used_at, credential`

func scanPasskey(row interface{ Scan(...any) error }) (Passkey, error) {
	var p Passkey
	var cred string
	var last sql.NullTime
	if err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.CreatedAt, &last, &cred); err != nil {
		return p, err
	}
	if last.Valid {
		t := last.Time
		p.LastUsedAt = &t
	}
	p.Credential = []byte(cred)
	return p, nil
}

// Passkeys lists a user's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, userID string) ([]Passkey, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Passkey{}
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PasskeyByCredentialID finds a passkey by its WebAuthn credential id.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credID []byte) (Passkey, error) {
	p, err := scanPasskey(s.DB.QueryRowContext(ctx, `SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = ?`, credID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// CheckPasskeyName validates a passkey's name.
func CheckPasskeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 60 {
		return "", &FieldError{"name", "is required and at most 60 characters"}
	}
	return name, nil
}

// AddPasskey stores a new passkey in tx, audited.
func (s *Store) AddPasskey(ctx context.Context, tx *db.Tx, userID, name string, credID, credential []byte) (string, error) {
	name, err := CheckPasskeyName(name)
	if err != nil {
		return "", err
	}
	pid := id.New()
	if _, err := tx.ExecContext(ctx, `INSERT INTO passkeys (id, user_id, name, credential_id, credential, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		pid, userID, name, credID, string(credential), time.Now().UTC()); err != nil {
		if db.IsUniqueViolation(err) {
			return "", &FieldError{"credential", "this passkey is already registered"}
		}
		return "", err
	}
	return pid, audit.Record(ctx, tx, "user.passkey.add", "user", userID, nil, map[string]string{"passkey": pid, "name": name})
}

// RemovePasskey deletes one of a user's passkeys in tx, audited.
func (s *Store) RemovePasskey(ctx context.Context, tx *db.Tx, userID, passkeyID string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = ? AND user_id = ?`, passkeyID, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return audit.Record(ctx, tx, "user.passkey.remove", "user", userID, map[string]string{"passkey": passkeyID}, nil)
}

// UsePasskey records a passkey's use and its updated record (sign count).
func (s *Store) UsePasskey(ctx context.Context, passkeyID string, credential []byte) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE passkeys SET last_used_at = ?, credential = ? WHERE id = ?`, time.Now().UTC(), string(credential), passkeyID)
	return err
}

// ChallengeTTL is how long a WebAuthn ceremony may take.
const ChallengeTTL = 5 * time.Minute

// SaveChallenge keeps a ceremony's server-side state and returns its id.
func (s *Store) SaveChallenge(ctx context.Context, kind, userID, sessionHash string, data []byte) (string, error) {
	cid := id.Secret(20)
	now := time.Now().UTC()
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM webauthn_challenges WHERE expires_at < ?`, now); err != nil {
		return "", err
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO webauthn_challenges (id, kind, user_id, session_hash, data, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		id.Hash(cid), kind, userID, sessionHash, string(data), now.Add(ChallengeTTL))
	return cid, err
}

// TakeChallenge returns and deletes a ceremony's state (single use); it
// must be of kind and, when sessionHash is given, belong to that session.
func (s *Store) TakeChallenge(ctx context.Context, cid, kind, sessionHash string) (userID string, data []byte, err error) {
	if cid == "" || len(cid) > 100 {
		return "", nil, ErrNotFound
	}
	var k, sh, d string
	var exp time.Time
	err = s.DB.QueryRowContext(ctx, `DELETE FROM webauthn_challenges WHERE id = ? RETURNING kind, user_id, session_hash, data, expires_at`, id.Hash(cid)).
		Scan(&k, &userID, &sh, &d, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	if k != kind || sh != sessionHash || time.Now().UTC().After(exp) {
		return "", nil, ErrNotFound
	}
	return userID, []byte(d), nil
}

// MarkTOTPPassed notes on a pending session that its TOTP code passed while
// a passkey must still be registered before the sign-in completes.
func (s *Store) MarkTOTPPassed(ctx context.Context, sessionHash string) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE sessions SET totp_passed = ? WHERE token_hash = ?`, true, sessionHash)
	return err
}

// TOTPPassed reports whether MarkTOTPPassed was called for the session.
func (s *Store) TOTPPassed(ctx context.Context, sessionHash string) bool {
	var ok bool
	_ = s.DB.QueryRowContext(ctx, `SELECT totp_passed FROM sessions WHERE token_hash = ?`, sessionHash).Scan(&ok)
	return ok
}
