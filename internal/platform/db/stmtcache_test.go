package db

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// A read statement run again is prepared once and kept; it keeps giving
// the right rows after the schema changes, and statements that are not
// queries are never kept.
func TestSQLiteKeepsReadStatementsPrepared(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, v := range []string{"a", "b", "c"} {
		if _, err := d.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, i+1, v); err != nil {
			t.Fatal(err)
		}
	}
	const q = `SELECT v FROM t WHERE id = ?`
	for i, want := range []string{"a", "b", "c", "a"} {
		var got string
		if err := d.QueryRowContext(ctx, q, []int{1, 2, 3, 1}[i]).Scan(&got); err != nil || got != want {
			t.Fatalf("run %d: %q, %v; want %q", i, got, err, want)
		}
	}
	if _, ok := d.stmts.m[q]; !ok || len(d.stmts.m) != 1 {
		t.Fatalf("kept statements %v, want only %q", d.stmts.m, q)
	}
	// A change of schema: SQLite prepares the kept statement again itself.
	const all = `SELECT * FROM t ORDER BY id`
	columns := func() (int, int) {
		rows, err := d.QueryContext(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		n := 0
		for rows.Next() {
			n++
		}
		return len(cols), n
	}
	for range 2 {
		if c, n := columns(); c != 2 || n != 3 {
			t.Fatalf("%d columns, %d rows; want 2 and 3", c, n)
		}
	}
	if _, ok := d.stmts.m[all]; !ok {
		t.Fatalf("%q not kept", all)
	}
	if _, err := d.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'x'`); err != nil {
		t.Fatal(err)
	}
	if c, n := columns(); c != 3 || n != 3 {
		t.Fatalf("after ALTER TABLE: %d columns, %d rows; want 3 and 3", c, n)
	}
	for k := range d.stmts.m {
		if k != q && k != all {
			t.Errorf("kept %q, which is not a query run twice", k)
		}
	}
}

// The kept statements are bounded: past maxStmts texts, queries run
// unprepared and still answer.
func TestSQLiteKeptStatementsAreBounded(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range maxStmts + 10 {
		q := fmt.Sprintf(`SELECT %d + ? -- %d`, i%10, i)
		for range 2 {
			var n int
			if err := d.QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != i%10+1 {
				t.Fatalf("%s: %d, %v", q, n, err)
			}
		}
	}
	if len(d.stmts.m) != maxStmts {
		t.Errorf("%d statements kept, want the bound %d", len(d.stmts.m), maxStmts)
	}
}
