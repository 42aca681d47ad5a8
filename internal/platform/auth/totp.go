package auth

import (
	"bytes"
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Enrolment is a second factor being set up: the secret, its otpauth URL and
// a QR code as a PNG data URL.
type Enrolment struct {
	Secret string
	URL    string
	QRData string
}

// Sealer encrypts fields at rest: the platform's seal.Keyring.
type Sealer interface {
	Seal(ctx context.Context, q db.Querier, scope string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, q db.Querier, scope string, sealed, aad []byte) ([]byte, error)
}

// TOTP secrets are sealed under one scope, each bound to its user's row.
const totpScope = "auth:totp"

func totpAAD(userID string) []byte { return []byte("users.totp_sealed:" + userID) }

// Second-factor attempt limits. A pending (password-only) session gets
// MaxMFAAttemptsSession codes, then it is ended and the password is asked
// again; an account gets MaxMFAAttemptsAccount codes per MFAWindow across
// all its sessions, then every pending session is ended and codes are
// refused until the window passes. A correct code resets the account's
// count. Counts are kept by single UPDATE … RETURNING statements, so
// parallel attempts cannot slip past them.
const (
	MaxMFAAttemptsSession = 5
	MaxMFAAttemptsAccount = 10
	MFAWindow             = 15 * time.Minute
)

// Second-factor errors besides ErrBadCode.
var (
	// ErrMFASessionEnded: the pending session used up its attempts and was
	// ended; sign in with the password again.
	ErrMFASessionEnded = errors.New("too many wrong codes; sign in again")
	// ErrMFAThrottled: the account used up its attempts; its pending
	// sessions were ended.
	ErrMFAThrottled = errors.New("too many wrong codes for this account; wait 15 minutes and sign in again")
)

// BeginTOTP generates a new TOTP secret for u (not yet stored). The secret
// is stored only when the user proves possession with ConfirmTOTP.
func BeginTOTP(u *User, issuer string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email})
	if err != nil {
		return Enrolment{}, err
	}
	return enrolmentOf(key)
}

func enrolmentOf(key *otp.Key) (Enrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRData: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// ErrBadCode is returned for a wrong second-factor code.
var ErrBadCode = errors.New("the code is not correct")

var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchStep returns the 30-second time step (previous, current or next)
// whose code is code, or false.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	step := now.Unix() / 30
	for _, s := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*30, 0).UTC(), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// newRecoveryCodes makes ten single-use codes "abcd-efgh-ijkl-mnop" and
// their argon2id hashes; the first group is stored in clear as the code's
// id, so a check verifies one hash, not ten.
func newRecoveryCodes() (codes, hashes []string, err error) {
	codes = make([]string, 10)
	hashes = make([]string, 10)
	for i := range codes {
		c := id.Secret(10)[:16]
		codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
		if hashes[i], err = HashPassword(codes[i]); err != nil {
			return nil, nil, err
		}
	}
	return codes, hashes, nil
}

// ConfirmTOTP stores the secret when code matches it, and returns ten
// single-use recovery codes (shown once). It is the first enrolment, during
// sign-in; a change of factor uses EnableTOTP inside the caller's write.
func (s *Store) ConfirmTOTP(ctx context.Context, u *User, secret, code string) ([]string, error) {
	var codes []string
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		codes, err = s.EnableTOTP(ctx, tx, u, secret, code)
		return err
	})
	return codes, err
}

// EnableTOTP checks code against a new secret and, in tx, stores the secret
// sealed, replaces the recovery codes, and records the code's time step so
// it cannot be used again.
func (s *Store) EnableTOTP(ctx context.Context, tx *db.Tx, u *User, secret, code string) ([]string, error) {
	step, ok := matchStep(secret, code, time.Now().UTC())
	if !ok {
		return nil, ErrBadCode
	}
	if s.Seal == nil {
		return nil, errors.New("auth: no sealer to store a TOTP secret")
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	sealed, err := s.Seal.Seal(ctx, tx, totpScope, []byte(secret), totpAAD(u.ID))
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_sealed = ?, totp_secret = '', totp_enabled = ?, totp_last_step = ?,
		mfa_attempts = 0, mfa_window_start = NULL, updated_at = ? WHERE id = ?`, sealed, true, step, time.Now().UTC(), u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET totp_pending = NULL WHERE user_id = ?`, u.ID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
		return nil, err
	}
	for i := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_id, code_hash) VALUES (?, ?, ?)`, u.ID, codes[i][:4], hashes[i]); err != nil {
			return nil, err
		}
	}
	return codes, audit.Record(ctx, tx, "user.totp.enable", "user", u.ID, nil, map[string]bool{"totp_enabled": true})
}

// DisableTOTP removes u's TOTP secret and recovery codes in tx.
func (s *Store) DisableTOTP(ctx context.Context, tx *db.Tx, u *User) error {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_sealed = NULL, totp_secret = '', totp_enabled = ?, totp_last_step = 0, updated_at = ? WHERE id = ?`,
		false, time.Now().UTC(), u.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "user.totp.disable", "user", u.ID, map[string]bool{"totp_enabled": true}, map[string]bool{"totp_enabled": false})
}

// EndOtherSessions ends every session of userID but the one whose hash is
// keep (none if keep is empty), in tx.
func (s *Store) EndOtherSessions(ctx context.Context, tx *db.Tx, userID, keep string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`, userID, keep)
	return err
}

// CheckSecondFactor accepts a current TOTP code, never one of a time step
// already used, or an unused recovery code (which is then spent). Each call
// is an attempt counted against the account and, when sessionHash names the
// pending session, against that session; over the limits it returns
// ErrMFASessionEnded or ErrMFAThrottled, having ended the sessions.
func (s *Store) CheckSecondFactor(ctx context.Context, u *User, sessionHash, code string) error {
	now := time.Now().UTC()
	var accountN int
	cutoff := now.Add(-MFAWindow)
	if err := s.DB.QueryRowContext(ctx, `UPDATE users SET
		mfa_attempts = CASE WHEN mfa_window_start IS NULL OR mfa_window_start < ? THEN 1 ELSE mfa_attempts + 1 END,
		mfa_window_start = CASE WHEN mfa_window_start IS NULL OR mfa_window_start < ? THEN ? ELSE mfa_window_start END
		WHERE id = ? RETURNING mfa_attempts`, cutoff, cutoff, now, u.ID).Scan(&accountN); err != nil {
		return fmt.Errorf("count second-factor attempt: %w", err)
	}
	if accountN > MaxMFAAttemptsAccount {
		return s.mfaLocked(ctx, u, "", accountN, 0)
	}
	sessionN := 0
	if sessionHash != "" {
		err := s.DB.QueryRowContext(ctx, `UPDATE sessions SET mfa_attempts = mfa_attempts + 1 WHERE token_hash = ? RETURNING mfa_attempts`, sessionHash).Scan(&sessionN)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrMFASessionEnded
		}
		if err != nil {
			return fmt.Errorf("count second-factor attempt: %w", err)
		}
		if sessionN > MaxMFAAttemptsSession {
			return s.mfaLocked(ctx, u, sessionHash, accountN, sessionN)
		}
	}
	ok, err := s.checkCode(ctx, u, code, now)
	if err != nil {
		return err
	}
	if ok {
		_, err := s.DB.ExecContext(ctx, `UPDATE users SET mfa_attempts = 0, mfa_window_start = NULL WHERE id = ?`, u.ID)
		return err
	}
	if accountN >= MaxMFAAttemptsAccount || sessionHash != "" && sessionN >= MaxMFAAttemptsSession {
		return s.mfaLocked(ctx, u, sessionHash, accountN, sessionN)
	}
	return ErrBadCode
}

// mfaLocked ends the pending session (session limit) or every pending
// session of the account (account limit), audits it and says which.
func (s *Store) mfaLocked(ctx context.Context, u *User, sessionHash string, accountN, sessionN int) error {
	byAccount := accountN >= MaxMFAAttemptsAccount
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		if byAccount {
			_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND mfa_passed = ?`, u.ID, false)
		} else {
			_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sessionHash)
		}
		if err != nil {
			return err
		}
		limit := "session"
		if byAccount {
			limit = "account"
		}
		return audit.Record(audit.WithActor(ctx, u.Actor("web")), tx, "user.second_factor.locked", "user", u.ID, nil,
			map[string]any{"limit": limit, "account_attempts": accountN, "session_attempts": sessionN})
	})
	if err != nil {
		return err
	}
	if byAccount {
		return ErrMFAThrottled
	}
	return ErrMFASessionEnded
}

// checkCode reports whether code is a fresh TOTP code or an unused recovery
// code of u, spending it.
func (s *Store) checkCode(ctx context.Context, u *User, code string, now time.Time) (bool, error) {
	if u.TOTPEnabled && len(u.totpSealed) > 0 {
		if s.Seal == nil {
			return false, errors.New("auth: no sealer to read a TOTP secret")
		}
		secret, err := s.Seal.Open(ctx, s.DB, totpScope, u.totpSealed, totpAAD(u.ID))
		if err != nil {
			return false, fmt.Errorf("open TOTP secret: %w", err)
		}
		if step, ok := matchStep(string(secret), code, now); ok {
			// Only a step later than the last accepted one passes, so a code
			// works once, and never after a later one.
			res, err := s.DB.ExecContext(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, u.ID, step)
			if err != nil {
				return false, err
			}
			n, _ := res.RowsAffected()
			return n == 1, nil
		}
	}
	norm := strings.ToLower(strings.TrimSpace(code))
	if len(norm) != 19 {
		return false, nil
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT code_hash FROM recovery_codes WHERE user_id = ? AND used_at IS NULL AND (code_id = ? OR code_id IS NULL)`, u.ID, norm[:4])
	if err != nil {
		return false, err
	}
	var hashes []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return false, err
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, h := range hashes {
		if ok, _ := VerifyPassword(h, norm); !ok {
			// Codes issued before argon2id: their SHA-256 was re-hashed.
			if ok, _ = VerifyPassword(h, id.Hash(norm)); !ok {
				continue
			}
		}
		res, err := s.DB.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, now, u.ID, h)
		if err != nil {
			return false, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return false, nil
		}
		return true, s.DB.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(audit.WithActor(ctx, u.Actor("web")), tx, "user.recovery_code.use", "user", u.ID, nil, nil)
		})
	}
	return false, nil
}

// UpgradeSecrets seals TOTP secrets stored in clear before migration 0011,
// and re-hashes recovery codes stored as unsalted SHA-256 with argon2id (of
// that hash). It runs at every start and does nothing once done.
func (s *Store) UpgradeSecrets(ctx context.Context) (int, error) {
	type row struct{ id, v string }
	read := func(q string) ([]row, error) {
		rows, err := s.DB.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.v); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	n := 0
	plain, err := read(`SELECT id, totp_secret FROM users WHERE totp_secret <> ''`)
	if err != nil {
		return 0, err
	}
	if len(plain) > 0 && s.Seal == nil {
		return 0, errors.New("auth: no sealer to seal TOTP secrets")
	}
	for _, r := range plain {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			sealed, err := s.Seal.Seal(ctx, tx, totpScope, []byte(r.v), totpAAD(r.id))
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE users SET totp_sealed = ?, totp_secret = '' WHERE id = ? AND totp_secret = ?`, sealed, r.id, r.v)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("seal TOTP secret: %w", err)
		}
		n++
	}
	legacy, err := read(`SELECT user_id, code_hash FROM recovery_codes WHERE code_id IS NULL AND code_hash NOT LIKE '$argon2id$%'`)
	if err != nil {
		return n, err
	}
	for _, r := range legacy {
		h, err := HashPassword(r.v)
		if err != nil {
			return n, err
		}
		if _, err := s.DB.ExecContext(ctx, `UPDATE recovery_codes SET code_hash = ? WHERE user_id = ? AND code_hash = ?`, h, r.id, r.v); err != nil {
			return n, fmt.Errorf("re-hash recovery code: %w", err)
		}
		n++
	}
	return n, nil
}

// ValidTOTP reports whether code is a current code of secret (a secret
// being enrolled; nothing is recorded).
func ValidTOTP(secret, code string) bool {
	_, ok := matchStep(secret, code, time.Now().UTC())
	return ok
}

// EnrolmentFor rebuilds the enrolment of a secret already shown, so a form
// that failed for another reason keeps the QR code the user scanned.
func EnrolmentFor(u *User, issuer, secret string) (Enrolment, error) {
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret)); err != nil {
		return Enrolment{}, err
	}
	v := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	key, err := otp.NewKeyFromURL((&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + u.Email, RawQuery: v.Encode()}).String())
	if err != nil {
		return Enrolment{}, err
	}
	return enrolmentOf(key)
}
