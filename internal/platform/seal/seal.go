// Package seal encrypts fields at rest (envelope encryption, AES-256-GCM).
//
// Usage (the keyring is svc.Seal; store the result in a BYTEA column):
//
//	ct, err := svc.Seal.Seal(ctx, tx, "vep:FRA", []byte(text), []byte("vep_entries:"+entryID))
//	pt, err := svc.Seal.Open(ctx, svc.DB, "vep:FRA", ct, []byte("vep_entries:"+entryID))
//	// scope: who may read (one data key each, created on first use); aad: where the value lives
//	// (table, row id, column), so a sealed value copied to another row or scope does not open.
//	// Never put plaintext in audit, search, logs or caches; Open fails (ErrOpen) on any tampering.
//
// Design. The operator supplies a 256-bit master key (see FromSettings). Each
// scope (a name the caller chooses, such as "vep:FRA" or
// "contacts:request:<id>") has a random 256-bit data key, stored in the table
// seal_keys wrapped by AES-256-GCM under the master key, with the master
// key's id (a hash of the key, not the key) and a version. A wrapped key's
// additional data names its scope and version, so a wrapped key moved to
// another scope does not unwrap. A sealed value is
//
//	0x01 | data key version (4 bytes, big-endian) | nonce (12 bytes) | AES-256-GCM(ciphertext | tag)
//
// with additional data "cybernorms/seal/v1", the first five bytes, the scope
// and the caller's aad, each length-prefixed. Nonces are random (96 bits): a
// data key seals far fewer than 2^32 values, the bound for random GCM nonces.
// Rotating the master key re-wraps the data keys only (Rotate); sealed values
// do not change. Several master keys can be loaded at once, the first sealing
// new data keys, the others only unwrapping, so servers keep running while
// `cybernorms keys rotate` re-wraps.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// KeySize is the size of master and data keys in bytes.
const KeySize = 32

const (
	formatV1   = 0x01
	headerSize = 1 + 4
	nonceSize  = 12
	tagSize    = 16
	cacheMax   = 4096
)

// ErrOpen is returned when a sealed value does not open: wrong scope or aad,
// tampered, truncated, or sealed under a key this keyring does not have.
var ErrOpen = errors.New("seal: value does not open (wrong scope or aad, altered, or unknown key)")

// Keyring seals and opens values with data keys wrapped under master keys.
// It is safe for concurrent use.
type Keyring struct {
	current  masterKey
	previous []masterKey

	mu    sync.Mutex
	cache map[string][]byte // wrapped-key identity -> unwrapped data key
}

type masterKey struct {
	id   string
	aead cipher.AEAD
}

// NewKeyring builds a keyring: current wraps new data keys, previous (older
// master keys during a rotation) only unwrap.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	cur, err := newMaster(current)
	if err != nil {
		return nil, err
	}
	k := &Keyring{current: cur, cache: map[string][]byte{}}
	for _, p := range previous {
		m, err := newMaster(p)
		if err != nil {
			return nil, fmt.Errorf("previous master key: %w", err)
		}
		if m.id != cur.id {
			k.previous = append(k.previous, m)
		}
	}
	return k, nil
}

func newMaster(key []byte) (masterKey, error) {
	if len(key) != KeySize {
		return masterKey{}, fmt.Errorf("seal: a master key is %d bytes, not %d", KeySize, len(key))
	}
	a, err := newAEAD(key)
	if err != nil {
		return masterKey{}, err
	}
	return masterKey{id: KeyID(key), aead: a}, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// KeyID names a master key without revealing it: the first 8 bytes of a
// domain-separated SHA-256 of the key, in hexadecimal.
func KeyID(key []byte) string {
	h := sha256.Sum256(append([]byte("cybernorms/seal/master-key-id\x00"), key...))
	return hex.EncodeToString(h[:8])
}

// MasterID is the id of the current master key.
func (k *Keyring) MasterID() string { return k.current.id }

// Generate returns a new random master key, encoded as text (base64).
func Generate() string {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(key)
}

// ParseKey decodes a master key written as text by Generate (surrounding
// white space is ignored).
func ParseKey(text string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) != KeySize {
		return nil, fmt.Errorf("seal: a master key is %d random bytes in base64 (cybernorms keys generate)", KeySize)
	}
	return key, nil
}

func (k *Keyring) master(id string) (masterKey, bool) {
	if id == k.current.id {
		return k.current, true
	}
	for _, m := range k.previous {
		if m.id == id {
			return m, true
		}
	}
	return masterKey{}, false
}

// lp appends b with a 4-byte length prefix.
func lp(dst, b []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(b)))
	return append(dst, b...)
}

func wrapAAD(scope string, version uint32) []byte {
	a := lp(nil, []byte("cybernorms/seal/wrap/v1"))
	a = lp(a, []byte(scope))
	return binary.BigEndian.AppendUint32(a, version)
}

func valueAAD(header []byte, scope string, aad []byte) []byte {
	a := lp(nil, []byte("cybernorms/seal/v1"))
	a = lp(a, header)
	a = lp(a, []byte(scope))
	return lp(a, aad)
}

func (m masterKey) wrap(scope string, version uint32, dataKey []byte) []byte {
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return m.aead.Seal(nonce, nonce, dataKey, wrapAAD(scope, version))
}

func (m masterKey) unwrap(scope string, version uint32, wrapped []byte) ([]byte, error) {
	if len(wrapped) != nonceSize+KeySize+tagSize {
		return nil, errors.New("seal: wrapped key has the wrong size")
	}
	return m.aead.Open(nil, wrapped[:nonceSize], wrapped[nonceSize:], wrapAAD(scope, version))
}

// dataKey returns the unwrapped data key of scope at version, from the row
// read in q. Only the unwrapping is cached, keyed by the row's exact content,
// so a key of a rolled-back transaction is never used later.
func (k *Keyring) dataKey(scope string, version uint32, masterID string, wrapped []byte) ([]byte, error) {
	cacheKey := fmt.Sprintf("%d:%s:%d:%s:%x", len(scope), scope, version, masterID, wrapped)
	k.mu.Lock()
	dk, ok := k.cache[cacheKey]
	k.mu.Unlock()
	if ok {
		return dk, nil
	}
	m, ok := k.master(masterID)
	if !ok {
		return nil, fmt.Errorf("seal: the data key of %q is wrapped under master key %s, which is not loaded", scope, masterID)
	}
	dk, err := m.unwrap(scope, version, wrapped)
	if err != nil {
		return nil, fmt.Errorf("seal: the data key of %q does not unwrap under master key %s", scope, masterID)
	}
	k.mu.Lock()
	if len(k.cache) >= cacheMax {
		clear(k.cache)
	}
	k.cache[cacheKey] = dk
	k.mu.Unlock()
	return dk, nil
}

// latest reads the newest data key of scope, creating version 1 if the scope
// has none yet.
func (k *Keyring) latest(ctx context.Context, q db.Querier, scope string) (uint32, []byte, error) {
	for attempt := 0; attempt < 2; attempt++ {
		var version int64
		var masterID string
		var wrapped []byte
		err := q.QueryRowContext(ctx, `SELECT version, master_id, wrapped FROM seal_keys WHERE scope = ? ORDER BY version DESC LIMIT 1`, scope).
			Scan(&version, &masterID, &wrapped)
		if err == nil {
			dk, err := k.dataKey(scope, uint32(version), masterID, wrapped)
			return uint32(version), dk, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, nil, fmt.Errorf("seal: read data key: %w", err)
		}
		if attempt > 0 {
			break
		}
		dk := make([]byte, KeySize)
		if _, err := rand.Read(dk); err != nil {
			return 0, nil, err
		}
		// A concurrent first use of the same scope waits on the primary key
		// and then keeps the other's key (DO NOTHING, read again).
		if _, err := q.ExecContext(ctx, `INSERT INTO seal_keys (scope, version, master_id, wrapped, created_at) VALUES (?, 1, ?, ?, ?)
			ON CONFLICT (scope, version) DO NOTHING`, scope, k.current.id, k.current.wrap(scope, 1, dk), time.Now().UTC()); err != nil {
			return 0, nil, fmt.Errorf("seal: create data key: %w", err)
		}
	}
	return 0, nil, errors.New("seal: data key missing after creating it")
}

// Seal encrypts plaintext under scope's data key (created on first use; pass
// the write's transaction as q), bound to aad, which Open must repeat.
func (k *Keyring) Seal(ctx context.Context, q db.Querier, scope string, plaintext, aad []byte) ([]byte, error) {
	if scope == "" {
		return nil, errors.New("seal: empty scope")
	}
	version, dk, err := k.latest(ctx, q, scope)
	if err != nil {
		return nil, err
	}
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(plaintext)+tagSize)
	out[0] = formatV1
	binary.BigEndian.PutUint32(out[1:headerSize], version)
	nonce := out[headerSize : headerSize+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(out, nonce, plaintext, valueAAD(out[:headerSize], scope, aad)), nil
}

// Open decrypts a value made by Seal with the same scope and aad. It returns
// ErrOpen if the value was altered or belongs elsewhere.
func (k *Keyring) Open(ctx context.Context, q db.Querier, scope string, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < headerSize+nonceSize+tagSize || sealed[0] != formatV1 {
		return nil, ErrOpen
	}
	version := binary.BigEndian.Uint32(sealed[1:headerSize])
	var masterID string
	var wrapped []byte
	err := q.QueryRowContext(ctx, `SELECT master_id, wrapped FROM seal_keys WHERE scope = ? AND version = ?`, scope, int64(version)).Scan(&masterID, &wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrOpen
	}
	if err != nil {
		return nil, fmt.Errorf("seal: read data key: %w", err)
	}
	dk, err := k.dataKey(scope, version, masterID, wrapped)
	if err != nil {
		return nil, err
	}
	a, err := newAEAD(dk)
	if err != nil {
		return nil, err
	}
	pt, err := a.Open(nil, sealed[headerSize:headerSize+nonceSize], sealed[headerSize+nonceSize:], valueAAD(sealed[:headerSize], scope, aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// Check fails if a data key in the database is wrapped under a master key
// this keyring does not hold (a lost or wrong key), so a server never starts
// half able to read its data.
func (k *Keyring) Check(ctx context.Context, q db.Querier) error {
	rows, err := q.QueryContext(ctx, `SELECT master_id, COUNT(*) FROM seal_keys GROUP BY master_id`)
	if err != nil {
		return fmt.Errorf("seal: check keys: %w", err)
	}
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		if _, ok := k.master(id); !ok {
			missing = append(missing, fmt.Sprintf("%s (%d data keys)", id, n))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("seal: the database holds data keys wrapped under master key %s, which is not loaded (loaded: %s); set --master-key-file to that key, or during a rotation --previous-master-key-file", strings.Join(missing, ", "), strings.Join(k.ids(), ", "))
	}
	return nil
}

func (k *Keyring) ids() []string {
	ids := []string{k.current.id}
	for _, m := range k.previous {
		ids = append(ids, m.id)
	}
	return ids
}

// Rotate re-wraps under the current master key every data key wrapped under
// another (loaded) one, in small transactions, while servers keep running,
// and returns how many it re-wrapped. Sealed values are not touched.
func (k *Keyring) Rotate(ctx context.Context, d *db.DB) (int, error) {
	total := 0
	for {
		n := 0
		err := d.InTx(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT scope, version, master_id, wrapped FROM seal_keys WHERE master_id <> ? ORDER BY scope, version LIMIT 200`, k.current.id)
			if err != nil {
				return err
			}
			type row struct {
				scope    string
				version  int64
				masterID string
				wrapped  []byte
			}
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.scope, &r.version, &r.masterID, &r.wrapped); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			now := time.Now().UTC()
			for _, r := range batch {
				dk, err := k.dataKey(r.scope, uint32(r.version), r.masterID, r.wrapped)
				if err != nil {
					return err
				}
				res, err := tx.ExecContext(ctx, `UPDATE seal_keys SET master_id = ?, wrapped = ?, rotated_at = ? WHERE scope = ? AND version = ? AND master_id = ?`,
					k.current.id, k.current.wrap(r.scope, uint32(r.version), dk), now, r.scope, r.version, r.masterID)
				if err != nil {
					return err
				}
				if c, _ := res.RowsAffected(); c > 0 {
					n++
				}
			}
			if len(batch) == 0 {
				n = -1
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("seal: rotate: %w", err)
		}
		if n < 0 {
			return total, nil
		}
		total += n
	}
}
