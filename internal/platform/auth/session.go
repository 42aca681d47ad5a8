package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
)

// Session lifetimes: a session ends after IdleTimeout without use, and in
// any case MaxAge after sign-in.
const (
	IdleTimeout = 8 * time.Hour
	MaxAge      = 7 * 24 * time.Hour
)

// Session is a signed-in browser. The cookie holds a random secret; the
// database holds its hash.
type Session struct {
	Hash      string
	User      *User
	MFAPassed bool
	CreatedAt time.Time
	ExpiresAt time.Time
	LastSeen  time.Time
	UserAgent string
	Client    string
}

// ErrBadCredentials is the only answer to a failed sign-in, whatever failed.
var ErrBadCredentials = errors.New("the e-mail address or password is not correct")

// ErrThrottled means too many failed attempts.
var ErrThrottled = errors.New("too many failed attempts; wait 15 minutes and try again")

// Throttle limits: per account and per client address within ThrottleWindow.
const (
	ThrottleWindow     = 15 * time.Minute
	MaxFailuresAccount = 5
	MaxFailuresClient  = 20
)

// The sign-in limiters: failures per account and per client address.
func (s *Store) accountLimiter() *throttle.Limiter {
	return &throttle.Limiter{DB: s.DB, Bucket: "signin.account", Limit: MaxFailuresAccount, Window: ThrottleWindow}
}

func (s *Store) clientLimiter() *throttle.Limiter {
	return &throttle.Limiter{DB: s.DB, Bucket: "signin.client", Limit: MaxFailuresClient, Window: ThrottleWindow}
}

// Authenticate checks an e-mail address and password, with throttling kept
// in the database so that every instance sees the same counts. Every attempt
// is counted before the password is checked (atomically, see package
// throttle) and refunded when the password was right, so parallel wrong
// guesses cannot all slip under the limit.
func (s *Store) Authenticate(ctx context.Context, email, password, client string) (*User, error) {
	email = normaliseEmail(email)
	acct, err := s.accountLimiter().Hit(ctx, email)
	if err != nil {
		return nil, err
	}
	cli, err := s.clientLimiter().Hit(ctx, client)
	if err != nil {
		return nil, err
	}
	if !acct.Allowed || !cli.Allowed {
		return nil, ErrThrottled
	}
	u, err := s.ByEmail(ctx, email)
	hash := dummyHash
	if err == nil {
		hash = u.passwordHash
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ok, verr := VerifyPassword(hash, password)
	if err != nil || verr != nil || !ok || u.Disabled {
		return nil, ErrBadCredentials
	}
	_ = s.accountLimiter().Refund(ctx, acct)
	_ = s.clientLimiter().Refund(ctx, cli)
	return u, nil
}

// RecordFailure counts a failed second-factor attempt against the throttle.
func (s *Store) RecordFailure(ctx context.Context, email, client string) error {
	if _, err := s.accountLimiter().Hit(ctx, normaliseEmail(email)); err != nil {
		return err
	}
	_, err := s.clientLimiter().Hit(ctx, client)
	return err
}

// ClearFailures forgets an account's failures after a full sign-in.
func (s *Store) ClearFailures(ctx context.Context, email string) error {
	return s.accountLimiter().Reset(ctx, normaliseEmail(email))
}

// StartSession creates a session for u after the password check and returns
// the secret for the cookie. Any session the browser already had is ended,
// so a session identifier is never carried across a sign-in.
func (s *Store) StartSession(ctx context.Context, u *User, oldSecret, userAgent, client string) (string, error) {
	secret := id.Secret(32)
	now := time.Now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if oldSecret != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, id.Hash(oldSecret)); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, mfa_passed, created_at, last_seen_at, expires_at, user_agent, client_addr)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id.Hash(secret), u.ID, !u.NeedsSecondFactor(), now, now, now.Add(MaxAge), userAgent, client)
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		if u.NeedsSecondFactor() {
			// Only the password so far: the session starts at the second
			// factor (PassMFA), and is audited there.
			return nil
		}
		return audit.Record(audit.WithActor(ctx, u.Actor("web")), tx, "session.start", "user", u.ID, nil, map[string]string{"client": client})
	})
	return secret, err
}

// PassMFA marks a session as having passed the second factor, and rotates
// its secret (returned) so that the pre-MFA cookie is worthless. This is
// where a session starts for accounts with a second factor: session.start
// is audited here, not at the password step.
func (s *Store) PassMFA(ctx context.Context, oldSecret string) (string, error) {
	secret := id.Secret(32)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET token_hash = ?, mfa_passed = ?, last_seen_at = ? WHERE token_hash = ?`,
			id.Hash(secret), true, time.Now().UTC(), id.Hash(oldSecret))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		var userID, client string
		if err := tx.QueryRowContext(ctx, `SELECT user_id, client_addr FROM sessions WHERE token_hash = ?`, id.Hash(secret)).Scan(&userID, &client); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "session.start", "user", userID, nil, map[string]string{"client": client, "factor": "second"})
	})
	return secret, err
}

// LookupSession returns the live session for a cookie secret, extending its
// idle deadline at most once a minute.
func (s *Store) LookupSession(ctx context.Context, secret string) (*Session, error) {
	if secret == "" || len(secret) > 100 {
		return nil, ErrNotFound
	}
	hash := id.Hash(secret)
	var sess Session
	var userID string
	err := s.DB.QueryRowContext(ctx, `SELECT user_id, mfa_passed, created_at, last_seen_at, expires_at, user_agent, client_addr FROM sessions WHERE token_hash = ?`, hash).
		Scan(&userID, &sess.MFAPassed, &sess.CreatedAt, &sess.LastSeen, &sess.ExpiresAt, &sess.UserAgent, &sess.Client)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > IdleTimeout {
		_, _ = s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
		return nil, ErrNotFound
	}
	u, err := s.ByID(ctx, s.DB, userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, ErrNotFound
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		_, _ = s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`, now, hash)
	}
	sess.Hash, sess.User = hash, u
	return &sess, nil
}

// EndSession signs a browser out.
func (s *Store) EndSession(ctx context.Context, secret string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, id.Hash(secret))
	return err
}

// Sessions lists a user's live sessions, newest first.
func (s *Store) Sessions(ctx context.Context, userID string) ([]Session, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT token_hash, mfa_passed, created_at, last_seen_at, expires_at, user_agent, client_addr
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC`, userID, time.Now().UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var se Session
		if err := rows.Scan(&se.Hash, &se.MFAPassed, &se.CreatedAt, &se.LastSeen, &se.ExpiresAt, &se.UserAgent, &se.Client); err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// RevokeSession ends one of a user's sessions by its hash.
func (s *Store) RevokeSession(ctx context.Context, userID, hash string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash = ?`, userID, hash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit.Record(ctx, tx, "session.revoke", "user", userID, nil, nil)
	})
}

// PurgeExpired deletes expired sessions and old throttle records; a
// periodic job calls it.
func (s *Store) PurgeExpired(ctx context.Context) error {
	now := time.Now().UTC()
	if _, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, now, now.Add(-IdleTimeout)); err != nil {
		return err
	}
	return throttle.Purge(ctx, s.DB, 24*time.Hour)
}

// RecordEvent writes a security event to the audit log in its own
// transaction (see audit.RecordEvent): failed and throttled sign-ins,
// sign-outs, refused requests. detail must hold no secret.
func (s *Store) RecordEvent(ctx context.Context, action, entity, entityID string, detail map[string]string) error {
	return s.DB.InTx(ctx, func(tx *db.Tx) error { return audit.RecordEvent(ctx, tx, action, entity, entityID, detail) })
}
