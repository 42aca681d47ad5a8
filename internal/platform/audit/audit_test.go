package audit_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func open(t *testing.T) *db.DB {
	t.Helper()
	// A migrated database copied from the test rig's template.
	d, _ := testrig.OpenDB(t, "sqlite", filepath.Join(t.TempDir(), "data"))
	return d
}

func record(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u1", Label: "a@example.org", Via: "web"})
	for i := range n {
		err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, "thing.update", "thing", "t1", map[string]int{"v": i}, map[string]int{"v": i + 1})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		tamper  string
		wantSeq int64
	}{
		{"an intact chain verifies", "", 0},
		{"an altered entry is named", `UPDATE audit_log SET after_json = '{"v":99}' WHERE seq = 3`, 3},
		{"an altered actor is named", `UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2`, 2},
		{"a removed entry is detected at the next one", `DELETE FROM audit_log WHERE seq = 4`, 5},
		{"a removed last entry still leaves a valid prefix", `DELETE FROM audit_log WHERE seq = 5`, 0},
		{"a rehashed entry breaks the link to the next", `UPDATE audit_log SET hash = 'ff' WHERE seq = 1`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := open(t)
			record(t, d, 5)
			if tt.tamper != "" {
				if _, err := d.SQL.ExecContext(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			n, err := audit.Verify(ctx, d)
			var broken *audit.BrokenError
			switch {
			case tt.wantSeq == 0 && err != nil:
				t.Fatalf("verify: %v", err)
			case tt.wantSeq == 0 && n == 0:
				t.Fatal("no entries verified")
			case tt.wantSeq != 0 && !errors.As(err, &broken):
				t.Fatalf("want a broken chain at %d, got %v", tt.wantSeq, err)
			case tt.wantSeq != 0 && broken.Seq != tt.wantSeq:
				t.Fatalf("broken at %d, want %d (%v)", broken.Seq, tt.wantSeq, err)
			}
		})
	}
}

func TestRecordRollsBackWithItsWrite(t *testing.T) {
	d := open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := d.InTx(ctx, func(tx *db.Tx) error {
		if err := audit.Record(ctx, tx, "thing.create", "thing", "t1", nil, "x"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	entries, err := audit.List(ctx, d, audit.Filter{})
	if err != nil || len(entries) != 0 {
		t.Fatalf("entries after rollback: %d, %v", len(entries), err)
	}
}

// rehash recomputes the chain from entry from on, with key (nil: plain), as
// someone who can write the database would.
func rehash(t *testing.T, d *db.DB, from int64, key []byte) {
	t.Helper()
	ctx := context.Background()
	list, err := audit.List(ctx, d, audit.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for i := len(list) - 1; i >= 0; i-- {
		e := list[i]
		if e.Seq >= from {
			e.PrevHash = prev
			e.Hash = audit.HashForTest(e, key)
			if _, err := d.SQL.ExecContext(ctx, `UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		prev = e.Hash
	}
}

func TestKeyedChainResistsRecomputation(t *testing.T) {
	ctx := context.Background()
	key := []byte("0123456789abcdef0123456789abcdef")
	setup := func(t *testing.T) *db.DB {
		d := open(t)
		record(t, d, 2) // written before the key was set: plain SHA-256
		d.AuditKey = key
		record(t, d, 3)
		return d
	}
	t.Run("an intact chain verifies and says what is keyed", func(t *testing.T) {
		rep, err := audit.VerifyReport(ctx, setup(t))
		if err != nil || rep.Entries != 5 || rep.Keyed != 3 || rep.FirstKeyed != 3 {
			t.Fatalf("%+v, %v", rep, err)
		}
	})
	t.Run("an entry altered and the chain recomputed without the key is caught", func(t *testing.T) {
		d := setup(t)
		if _, err := d.SQL.ExecContext(ctx, `UPDATE audit_log SET after_json = '{"v":99}' WHERE seq = 4`); err != nil {
			t.Fatal(err)
		}
		rehash(t, d, 4, nil)
		var broken *audit.BrokenError
		if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Seq != 4 {
			t.Fatalf("verify: %v", err)
		}
		rehash(t, d, 4, []byte("a key the attacker guessed......"))
		if _, err := audit.Verify(ctx, d); !errors.As(err, &broken) || broken.Seq != 4 {
			t.Fatalf("verify after rehashing with a guessed key: %v", err)
		}
	})
	t.Run("a chain rewritten in plain throughout shows no keyed entry", func(t *testing.T) {
		d := setup(t)
		rehash(t, d, 1, nil)
		rep, err := audit.VerifyReport(ctx, d)
		if err != nil || rep.Keyed != 0 {
			t.Fatalf("%+v, %v", rep, err)
		}
	})
	t.Run("keyed entries cannot be checked without the key", func(t *testing.T) {
		d := setup(t)
		noKey := &db.DB{SQL: d.SQL, Dialect: d.Dialect}
		if _, err := audit.Verify(ctx, noKey); !errors.Is(err, audit.ErrNoKey) {
			t.Fatalf("verify without the key: %v", err)
		}
	})
}
