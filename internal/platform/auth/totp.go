package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image/png"
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

// BeginTOTP generates a new TOTP secret for u (not yet stored). The secret
// is stored only when the user proves possession with ConfirmTOTP.
func BeginTOTP(u *User, issuer string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email})
	if err != nil {
		return Enrolment{}, err
	}
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

func validCode(secret, code string) bool {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	ok, _ := totp.ValidateCustom(code, secret, time.Now().UTC(), totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return ok
}

// ConfirmTOTP stores the secret when code matches it, and returns ten
// single-use recovery codes (shown once).
func (s *Store) ConfirmTOTP(ctx context.Context, u *User, secret, code string) ([]string, error) {
	if !validCode(secret, code) {
		return nil, ErrBadCode
	}
	codes := make([]string, 10)
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = ?, totp_enabled = ?, updated_at = ? WHERE id = ?`, secret, true, time.Now().UTC(), u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		for i := range codes {
			c := id.Secret(10)[:16]
			codes[i] = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
			if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`, u.ID, id.Hash(codes[i])); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "user.totp.enable", "user", u.ID, nil, map[string]bool{"totp_enabled": true})
	})
	return codes, err
}

// CheckSecondFactor accepts a current TOTP code or an unused recovery code
// (which is then spent).
func (s *Store) CheckSecondFactor(ctx context.Context, u *User, code string) error {
	if u.totpSecret != "" && validCode(u.totpSecret, code) {
		return nil
	}
	norm := strings.ToLower(strings.TrimSpace(code))
	res, err := s.DB.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, time.Now().UTC(), u.ID, id.Hash(norm))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return s.DB.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(audit.WithActor(ctx, u.Actor("web")), tx, "user.recovery_code.use", "user", u.ID, nil, nil)
		})
	}
	return ErrBadCode
}

// TOTPSecretForTest exposes a user's TOTP secret to tests in other packages
// that must compute a valid code; it is never shown by the application.
func (u *User) TOTPSecretForTest() string { return u.totpSecret }
