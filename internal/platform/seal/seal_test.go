package seal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			d, _ := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
			fn(t, d)
		})
	}
}

func newKey(t *testing.T) []byte {
	t.Helper()
	k, err := seal.ParseKey(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyring makes a fresh keyring (nothing cached) from master keys.
func keyring(t *testing.T, cur []byte, prev ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(cur, prev...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sealIn(t *testing.T, k *seal.Keyring, d *db.DB, scope string, pt, aad []byte) []byte {
	t.Helper()
	var out []byte
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		out, err = k.Seal(context.Background(), tx, scope, pt, aad)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRoundTripAndBinding(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		master := newKey(t)
		k := keyring(t, master)
		pt := []byte("the point of contact is reachable at +33 1 00 00 00 00")
		aad := []byte("contacts:entry:01H")
		ct := sealIn(t, k, d, "contacts:FRA", pt, aad)
		if bytes.Contains(ct, pt) {
			t.Fatal("sealed value contains the plaintext")
		}
		for _, r := range []*seal.Keyring{k, keyring(t, master)} {
			got, err := r.Open(ctx, d, "contacts:FRA", ct, aad)
			if err != nil || !bytes.Equal(got, pt) {
				t.Fatalf("open = %q, %v", got, err)
			}
		}
		if ct2 := sealIn(t, k, d, "contacts:FRA", pt, aad); bytes.Equal(ct, ct2) {
			t.Fatal("two seals of one value are equal")
		}
		empty := sealIn(t, k, d, "contacts:FRA", nil, nil)
		if got, err := k.Open(ctx, d, "contacts:FRA", empty, nil); err != nil || len(got) != 0 {
			t.Fatalf("empty: %q, %v", got, err)
		}
		// Sealing outside a transaction (q is the *db.DB) works too.
		ct3, err := k.Seal(ctx, d, "contacts:ITA", []byte("z"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := k.Open(ctx, d, "contacts:ITA", ct3, nil); err != nil || string(got) != "z" {
			t.Fatalf("outside a transaction: %q, %v", got, err)
		}
		// Another scope (with a key of its own), another aad, no aad, an unknown scope.
		sealIn(t, k, d, "contacts:DEU", []byte("x"), nil)
		for _, c := range []struct{ scope, aad string }{
			{"contacts:DEU", "contacts:entry:01H"},
			{"contacts:FRA", "contacts:entry:01J"},
			{"contacts:FRA", ""},
			{"contacts:XXX", "contacts:entry:01H"},
		} {
			if _, err := k.Open(ctx, d, c.scope, ct, []byte(c.aad)); !errors.Is(err, seal.ErrOpen) {
				t.Errorf("open with scope %q aad %q: err = %v, want ErrOpen", c.scope, c.aad, err)
			}
		}
		// Another master key opens nothing, and Check says so.
		other := keyring(t, newKey(t))
		if _, err := other.Open(ctx, d, "contacts:FRA", ct, aad); err == nil {
			t.Fatal("another master key opened the value")
		}
		if _, err := other.Seal(ctx, d, "contacts:FRA", pt, aad); err == nil {
			t.Fatal("another master key sealed under a data key it cannot unwrap")
		}
		if err := other.Check(ctx, d); err == nil || !strings.Contains(err.Error(), k.MasterID()) {
			t.Fatalf("check with another master key: %v", err)
		}
		if err := k.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := k.Seal(ctx, d, "", pt, nil); err == nil {
			t.Fatal("empty scope accepted")
		}
	})
}

func TestTampering(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		master := newKey(t)
		k := keyring(t, master)
		ct := sealIn(t, k, d, "vep:FRA", []byte("CVE-2026-0001 retained"), []byte("a"))
		for i := range ct {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			if _, err := k.Open(ctx, d, "vep:FRA", bad, []byte("a")); err == nil {
				t.Fatalf("a value with byte %d flipped opened", i)
			}
		}
		for _, n := range []int{0, 1, 5, 17, len(ct) - 1} {
			if _, err := k.Open(ctx, d, "vep:FRA", ct[:n], []byte("a")); err == nil {
				t.Fatalf("a value cut to %d bytes opened", n)
			}
		}
		if _, err := k.Open(ctx, d, "vep:FRA", append(bytes.Clone(ct), 0), []byte("a")); err == nil {
			t.Fatal("a value with a byte added opened")
		}
		// A wrapped data key moved to another scope no longer unwraps.
		if _, err := d.ExecContext(ctx, `UPDATE seal_keys SET scope = 'vep:DEU' WHERE scope = 'vep:FRA'`); err != nil {
			t.Fatal(err)
		}
		if _, err := keyring(t, master).Open(ctx, d, "vep:DEU", ct, []byte("a")); err == nil {
			t.Fatal("a data key moved to another scope unwrapped")
		}
	})
}

func TestRollbackDoesNotLeaveAKey(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		master := newKey(t)
		k := keyring(t, master)
		boom := errors.New("roll back")
		err := d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := k.Seal(ctx, tx, "contacts:request:1", []byte("lost"), nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		ct := sealIn(t, k, d, "contacts:request:1", []byte("kept"), nil)
		if got, err := keyring(t, master).Open(ctx, d, "contacts:request:1", ct, nil); err != nil || string(got) != "kept" {
			t.Fatalf("after a rolled-back first use: %q, %v", got, err)
		}
	})
}

func TestConcurrentFirstUse(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		master := newKey(t)
		var wg sync.WaitGroup
		out := make([][]byte, 8)
		errs := make([]error, 8)
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, _ := seal.NewKeyring(master)
				errs[i] = d.InTx(ctx, func(tx *db.Tx) error {
					var err error
					out[i], err = k.Seal(ctx, tx, "vep:NZL", []byte(fmt.Sprint(i)), nil)
					return err
				})
			}()
		}
		wg.Wait()
		k := keyring(t, master)
		for i := range out {
			if errs[i] != nil {
				t.Fatalf("seal %d: %v", i, errs[i])
			}
			if got, err := k.Open(ctx, d, "vep:NZL", out[i], nil); err != nil || string(got) != fmt.Sprint(i) {
				t.Fatalf("open %d: %q, %v", i, got, err)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM seal_keys WHERE scope = 'vep:NZL'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("data keys of the scope: %d, %v", n, err)
		}
	})
}

func TestRotation(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		oldKey, newK := newKey(t), newKey(t)
		old := keyring(t, oldKey)
		var sealed [][]byte
		for i := 0; i < 250; i++ { // more than one batch of Rotate
			sealed = append(sealed, sealIn(t, old, d, fmt.Sprintf("contacts:request:%03d", i), []byte(fmt.Sprint("secret ", i)), nil))
		}
		// During the rotation, servers run with both keys: old data keys
		// open, new ones are wrapped under the new key.
		both := keyring(t, newK, oldKey)
		if err := both.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
		fresh := sealIn(t, both, d, "contacts:request:new", []byte("fresh"), nil)
		if _, err := keyring(t, newK).Open(ctx, d, "contacts:request:new", fresh, nil); err != nil {
			t.Fatal(err)
		}
		n, err := both.Rotate(ctx, d)
		if err != nil || n != 250 {
			t.Fatalf("rotate = %d, %v", n, err)
		}
		if n, err := both.Rotate(ctx, d); err != nil || n != 0 {
			t.Fatalf("second rotate = %d, %v", n, err)
		}
		// Afterwards the new key alone opens everything; the old key nothing.
		only := keyring(t, newK)
		if err := only.Check(ctx, d); err != nil {
			t.Fatal(err)
		}
		for i, ct := range sealed {
			scope := fmt.Sprintf("contacts:request:%03d", i)
			if got, err := only.Open(ctx, d, scope, ct, nil); err != nil || string(got) != fmt.Sprint("secret ", i) {
				t.Fatalf("open %d after rotation: %q, %v", i, got, err)
			}
			if _, err := keyring(t, oldKey).Open(ctx, d, scope, ct, nil); err == nil {
				t.Fatal("the old master key still opens after the rotation")
			}
		}
		if err := keyring(t, oldKey).Check(ctx, d); err == nil {
			t.Fatal("check passed with the retired master key")
		}
	})
}

// TestRawDatabaseHasNoPlaintext seals values into a table and reads the
// database as an administrator or a backup would: neither the plaintext nor
// a data key appears.
func TestRawDatabaseHasNoPlaintext(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		k := keyring(t, newKey(t))
		if _, err := d.ExecContext(ctx, `CREATE TABLE seal_probe (id TEXT PRIMARY KEY, body BYTEA NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		secret := "RETAINED-VULNERABILITY-IN-GRID-CONTROLLER"
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := 0; i < 20; i++ {
				ct, err := k.Seal(ctx, tx, "vep:FRA", []byte(secret), []byte(fmt.Sprint("seal_probe:", i)))
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO seal_probe (id, body) VALUES (?, ?)`, fmt.Sprint(i), ct); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		dk, err := k.LatestDataKey(ctx, d, "vep:FRA")
		if err != nil {
			t.Fatal(err)
		}
		var raw [][]byte
		if d.Dialect == db.SQLite {
			if _, err := d.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{d.Path, d.Path + "-wal"} {
				if b, err := os.ReadFile(p); err == nil {
					raw = append(raw, b)
				}
			}
			if len(raw) == 0 || !bytes.Contains(raw[0], []byte("seal_probe")) {
				t.Fatal("the raw file was not read")
			}
		}
		for _, q := range []string{`SELECT body FROM seal_probe`, `SELECT wrapped FROM seal_keys`} {
			rows, err := d.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					t.Fatal(err)
				}
				raw = append(raw, b)
			}
			rows.Close()
		}
		for _, b := range raw {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatal("the plaintext is in the raw database")
			}
			if bytes.Contains(b, dk) {
				t.Fatal("a data key is in the raw database")
			}
		}
	})
}

func TestFromSettings(t *testing.T) {
	dir := t.TempDir()
	k1, err := seal.FromSettings(seal.Settings{DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, seal.DefaultKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v, %v", st, err)
	}
	k2, err := seal.FromSettings(seal.Settings{DataDir: dir}, nil)
	if err != nil || k2.MasterID() != k1.MasterID() {
		t.Fatalf("second start did not reuse the key: %v", err)
	}
	text := seal.Generate()
	file := filepath.Join(t.TempDir(), "k")
	if err := os.WriteFile(file, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromEnv, err := seal.FromSettings(seal.Settings{Key: text, DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := seal.FromSettings(seal.Settings{KeyFile: file, PreviousKey: seal.Generate(), DataDir: dir}, nil)
	if err != nil || fromFile.MasterID() != fromEnv.MasterID() || fromEnv.MasterID() == k1.MasterID() {
		t.Fatalf("key from file and env differ: %v", err)
	}
	for _, s := range []seal.Settings{
		{Key: text, KeyFile: file},
		{Key: "too short"},
		{KeyFile: filepath.Join(dir, "missing")},
		{Key: text, PreviousKey: "nope"},
	} {
		if _, err := seal.FromSettings(s, nil); err == nil {
			t.Errorf("settings %+v accepted", s)
		}
	}
}
