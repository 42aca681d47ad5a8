package audit_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/migrations"
)

func open(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), migrations.FS); err != nil {
		t.Fatal(err)
	}
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
