package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
)

// A TOTP secret being enrolled is kept with the session that is enrolling
// it (sessions.totp_pending), sealed like a confirmed secret and bound to
// the user and the session, so that reloading the page or mistyping a code
// shows the same QR code the person scanned. It is replaced only when the
// person asks for a new one (RenewPendingTOTP), and dropped when a secret is
// confirmed (EnableTOTP) or the session ends.

func pendingAAD(userID, sessionHash string) []byte {
	return []byte("sessions.totp_pending:" + userID + ":" + sessionHash)
}

// ErrNoPendingTOTP means the session is not enrolling a secret.
var ErrNoPendingTOTP = errors.New("no second factor is being set up in this session")

// PendingSecret returns the secret being enrolled in the session whose hash
// is sessionHash, or ErrNoPendingTOTP.
func (s *Store) PendingSecret(ctx context.Context, u *User, sessionHash string) (string, error) {
	sealed, err := s.pendingSealed(ctx, u, sessionHash)
	if err != nil {
		return "", err
	}
	return s.openPending(ctx, u, sessionHash, sealed)
}

func (s *Store) pendingSealed(ctx context.Context, u *User, sessionHash string) ([]byte, error) {
	var sealed []byte
	err := s.DB.QueryRowContext(ctx, `SELECT totp_pending FROM sessions WHERE token_hash = ? AND user_id = ?`, sessionHash, u.ID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read pending TOTP secret: %w", err)
	}
	return sealed, nil
}

func (s *Store) openPending(ctx context.Context, u *User, sessionHash string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", ErrNoPendingTOTP
	}
	if s.Seal == nil {
		return "", errors.New("auth: no sealer to read a pending TOTP secret")
	}
	secret, err := s.Seal.Open(ctx, s.DB, totpScope, sealed, pendingAAD(u.ID, sessionHash))
	if err != nil {
		// A key retired since, or a row moved to another session: the
		// secret cannot be shown again, so it counts as none.
		return "", fmt.Errorf("%w: %v", ErrNoPendingTOTP, err)
	}
	return string(secret), nil
}

// PendingTOTP returns the enrolment in progress in the session, issuing and
// keeping a new secret when there is none. replaced is true when the session
// had one that can no longer be read, so the person is told the code changed.
func (s *Store) PendingTOTP(ctx context.Context, u *User, sessionHash, issuer string) (e Enrolment, replaced bool, err error) {
	sealed, err := s.pendingSealed(ctx, u, sessionHash)
	if err != nil {
		return Enrolment{}, false, err
	}
	secret, err := s.openPending(ctx, u, sessionHash, sealed)
	if err == nil {
		e, err = EnrolmentFor(u, issuer, secret)
		return e, false, err
	}
	if !errors.Is(err, ErrNoPendingTOTP) {
		return Enrolment{}, false, err
	}
	e, err = s.newPending(ctx, u, sessionHash, issuer)
	return e, len(sealed) > 0, err
}

// RenewPendingTOTP replaces the session's pending secret with a new one, at
// the person's request (the code they scanned does not work, or they lost
// it). The change is audited.
func (s *Store) RenewPendingTOTP(ctx context.Context, u *User, sessionHash, issuer string) (Enrolment, error) {
	e, err := s.newPending(ctx, u, sessionHash, issuer)
	if err != nil {
		return e, err
	}
	return e, s.RecordEvent(audit.WithActor(ctx, u.Actor("web")), "user.totp.enrolment_renewed", "user", u.ID, nil)
}

func (s *Store) newPending(ctx context.Context, u *User, sessionHash, issuer string) (Enrolment, error) {
	if s.Seal == nil {
		return Enrolment{}, errors.New("auth: no sealer to keep a pending TOTP secret")
	}
	e, err := BeginTOTP(u, issuer)
	if err != nil {
		return Enrolment{}, err
	}
	sealed, err := s.Seal.Seal(ctx, s.DB, totpScope, []byte(e.Secret), pendingAAD(u.ID, sessionHash))
	if err != nil {
		return Enrolment{}, err
	}
	res, err := s.DB.ExecContext(ctx, `UPDATE sessions SET totp_pending = ? WHERE token_hash = ? AND user_id = ?`, sealed, sessionHash, u.ID)
	if err != nil {
		return Enrolment{}, fmt.Errorf("keep pending TOTP secret: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Enrolment{}, ErrNotFound
	}
	// Built as every later showing is, so the QR code is the same image.
	return EnrolmentFor(u, issuer, e.Secret)
}
