package db

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"modernc.org/sqlite"
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

// A kept statement whose LIMIT and OFFSET are parameters is compiled once:
// SQLite (3.47 and later) plans a bare LIMIT ? for the value bound and
// compiles the statement again at every execution that binds one. The
// connection's authorizer, which SQLite asks at each compilation, counts
// them.
func TestSQLiteKeptStatementWithLimitIsCompiledOnce(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.SQL.SetMaxOpenConns(1)
	if _, err := d.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := d.ExecContext(ctx, `INSERT INTO t (id, v) VALUES (?, ?)`, i+1, fmt.Sprint(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var compiled atomic.Int32
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Raw(func(c any) error {
		c.(sqlite.AuthorizerRegisterer).RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, _, _, _, _ string) sqlite.AuthorizerReturnCode {
			if action == sqlite.AuthSelect {
				compiled.Add(1)
			}
			return sqlite.AuthorizerOK
		})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
	const q = `SELECT v FROM t ORDER BY id LIMIT ? OFFSET ?`
	page := func(limit, offset int) []string {
		rows, err := d.QueryContext(ctx, q, limit, offset)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var vs []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			vs = append(vs, v)
		}
		return vs
	}
	page(1, 0) // seen once: not kept
	page(1, 0) // kept: compiled here
	before := compiled.Load()
	for i := range 5 {
		if got := page(2, i); fmt.Sprint(got) != fmt.Sprintf("[%d %d]", i+1, i+2) {
			t.Fatalf("LIMIT 2 OFFSET %d: %v", i, got)
		}
	}
	if n := compiled.Load() - before; n != 0 {
		t.Fatalf("the kept statement was compiled %d more times over 5 runs; want 0", n)
	}
}
