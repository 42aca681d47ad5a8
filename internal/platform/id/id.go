// Package id makes stable, sortable identifiers (ULIDs) and random secrets.
package id

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// New returns a new ULID string: 26 characters, sortable by creation time.
func New() string {
	return ulid.MustNew(ulid.Timestamp(time.Now()), rand.Reader).String()
}

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
