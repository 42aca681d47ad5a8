package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// Password length bounds. Long passphrases are welcome; the upper bound only
// stops hashing megabytes.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// Password problems, as PasswordProblem names them.
const (
	PasswordShort  = "short"
	PasswordLong   = "long"
	PasswordCommon = "common"
	PasswordWeak   = "weak"
)

// PasswordProblem names what is wrong with a password ("" for nothing):
// too short, too long, a common password or a simple variant of one (the
// shipped list, see strength.go), or too easy to guess by the zxcvbn
// estimator (score under MinStrengthScore), given the holder's own words
// (address, name) in userInputs.
func PasswordProblem(pw string, userInputs ...string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return PasswordShort
	case len(pw) > MaxPasswordLen:
		return PasswordLong
	case isCommonPattern(pw):
		return PasswordCommon
	case passwordStrength(pw, userInputs) < MinStrengthScore:
		return PasswordWeak
	}
	return ""
}

// CheckPasswordPolicy returns a user-facing reason a password is not
// acceptable, or nil.
func CheckPasswordPolicy(pw string, userInputs ...string) error {
	switch PasswordProblem(pw, userInputs...) {
	case PasswordShort:
		return fmt.Errorf("must be at least %d characters", MinPasswordLen)
	case PasswordLong:
		return fmt.Errorf("must be at most %d bytes", MaxPasswordLen)
	case PasswordCommon:
		return errors.New("is a common password, or one with a few characters changed or added: choose another")
	case PasswordWeak:
		return errors.New("is too easy to guess: use a longer passphrase of unrelated words")
	}
	return nil
}

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	memory, passes := uint32(argonMemory), uint32(argonTime)
	if cheapHashes.Load() {
		memory, passes = 64, 1
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// cheapHashes is set by UseCheapHashesInTests.
var cheapHashes atomic.Bool

// UseCheapHashesInTests makes the password hashes made from now on cheap
// (argon2id with 64 KiB and one pass instead of OWASP's 19 MiB and two),
// for the rest of a test binary: integration tests make thousands of
// accounts, recovery codes and sign-ins, and hashing them at full cost was
// a quarter of their processor time. A hash keeps its own parameters, so
// every hash verifies as before. It panics outside a test binary
// (testing.Testing), so that no server can run with it.
func UseCheapHashesInTests() {
	if !testing.Testing() {
		panic("auth: cheap password hashes outside a test binary")
	}
	cheapHashes.Store(true)
}

// VerifyPassword reports whether pw matches the PHC-format hash.
func VerifyPassword(hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("unsupported password hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("unsupported argon2 version")
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errors.New("malformed argon2 parameters")
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errors.New("malformed salt")
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, errors.New("malformed key")
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when an account does not exist, so that the
// time taken does not reveal which e-mail addresses have accounts: a hash
// with HashPassword's parameters whose key no password gives, written out
// rather than made when the program starts, which cost every process
// importing this package a 50 ms hash and a 19 MiB block of memory.
var dummyHash = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
	base64.RawStdEncoding.EncodeToString(make([]byte, 16)), base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen)))
