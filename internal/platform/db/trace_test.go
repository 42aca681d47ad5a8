package db

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// With tracing on, the statements run under a Trace are recorded in order
// with their arguments, writes marked; others are not recorded.
func TestTraceRecordsTheStatementsOfARequest(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL, at DATETIME)`); err != nil {
		t.Fatal(err)
	}
	EnableTracing()
	var tr Trace
	tctx := WithTrace(ctx, &tr)
	at := time.Date(2026, 12, 5, 12, 0, 0, 123, time.UTC)
	if _, err := d.ExecContext(tctx, `INSERT INTO t (id, v, at) VALUES (?, ?, ?)`, 1, "a", at); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := d.QueryRowContext(tctx, `SELECT v FROM t WHERE id = ?`, int64(1)).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := d.InTx(tctx, func(tx *Tx) error {
		_, err := tx.ExecContext(tctx, `UPDATE t SET v = ? WHERE id = ?`, "b", 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.QueryContext(ctx, `SELECT 1`); err != nil { // not traced
		t.Fatal(err)
	}
	if len(tr.Stmts) != 3 || !tr.Stmts[0].Write || tr.Stmts[1].Write || !tr.Stmts[2].Write || tr.Stmts[1].Query != `SELECT v FROM t WHERE id = ?` {
		t.Fatalf("traced %+v", tr.Stmts)
	}
	// The arguments survive JSON with their types.
	b, err := json.Marshal(TypeArgs(tr.Stmts[0].Args))
	if err != nil {
		t.Fatal(err)
	}
	var back []TypedArg
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	want := []any{int64(1), "a", at}
	for i, a := range back {
		got, ok := a.Value()
		if !ok || got != want[i] {
			t.Errorf("argument %d: %#v (%v), want %#v", i, got, ok, want[i])
		}
	}
}
