// Package id makes stable, sortable identifiers (ULIDs) and random secrets.
package id

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// New returns a new ULID string: 26 characters, sortable by creation time,
// and, within a process, in the order of the calls even in one millisecond
// (newest-first lists sort by id: two rows made in the same millisecond
// once came out in a random order).
func New() string {
	monotonic.Lock()
	defer monotonic.Unlock()
	return ulid.MustNew(ulid.Timestamp(time.Now()), monotonic.entropy).String()
}

// monotonic is the entropy of New: random bits from crypto/rand, increased
// by a random amount (also from crypto/rand) instead of drawn anew within a
// millisecond, so ids stay unguessable and in order.
var monotonic = struct {
	sync.Mutex
	entropy *ulid.MonotonicEntropy
}{entropy: ulid.Monotonic(rand.Reader, 0)}

// Valid reports whether s is a well-formed ULID.
func Valid(s string) bool {
	_, err := ulid.ParseStrict(s)
	return err == nil
}

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// Secret returns a random token of n bytes, base32 encoded in lower case,
// suitable for session cookies, API tokens and email links.
func Secret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return strings.ToLower(enc.EncodeToString(b))
}

// Hash returns the hex SHA-256 of a secret, the form in which secrets are
// stored: a database leak does not reveal usable tokens.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
