// Package db opens the platform's database — an embedded SQLite file by
// default, PostgreSQL when a URL is given — and hides the few places where
// the two dialects differ: placeholders, locking and type names.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite" (pure Go, FTS5 built in)
)

// Dialect names the SQL dialect a DB speaks.
type Dialect string

// The two supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the platform's handle on its database. Queries are written once with
// "?" placeholders; DB rewrites them to "$n" for PostgreSQL.
type DB struct {
	SQL     *sql.DB
	Dialect Dialect
	// Path is the SQLite file path, empty for PostgreSQL.
	Path string
	// AuditKey keys the audit chain's HMAC (package audit). It comes from
	// the operator's configuration, never from the database; nil means a
	// plain SHA-256 chain.
	AuditKey []byte

	changes atomic.Uint64
	stmts   stmtCache
}

// Changes counts the committed transactions of this process that marked
// themselves as changing content (see Tx.MarkChanged). Caches compare it to
// know whether what they hold may be out of date.
func (d *DB) Changes() uint64 { return d.changes.Load() }

// Options tune how a database is opened.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "NORMAL" (default; a committed
	// write survives a killed process) or "FULL" (also survives a power cut).
	Synchronous string
	// MaxOpenConns bounds the connection pool (PostgreSQL); 0 means a default.
	MaxOpenConns int
}

// Open opens url: a postgres:// or postgresql:// URL, or otherwise an SQLite
// file path (its folder is created if missing).
func Open(ctx context.Context, url string, opt Options) (*DB, error) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		sqldb, err := sql.Open("pgx", url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		n := opt.MaxOpenConns
		if n == 0 {
			n = 20
		}
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqldb.PingContext(ctx); err != nil {
			sqldb.Close()
			return nil, fmt.Errorf("connect to postgres: %w", err)
		}
		return &DB{SQL: sqldb, Dialect: Postgres}, nil
	}
	path := strings.TrimPrefix(url, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	syncMode := strings.ToUpper(opt.Synchronous)
	if syncMode == "" {
		syncMode = "NORMAL"
	}
	if syncMode != "NORMAL" && syncMode != "FULL" {
		return nil, fmt.Errorf("open sqlite: synchronous must be NORMAL or FULL, not %q", opt.Synchronous)
	}
	dsn := "file:" + path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(10000)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + syncMode + ")" +
		"&_pragma=foreign_keys(1)" +
		// At most 1 MiB of pages cached per connection (SQLite's default is
		// 2 MiB; see sqliteConns); the operating system caches the file
		// itself.
		"&_pragma=cache_size(-1024)" +
		"&_time_format=sqlite"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// Readers run in parallel under WAL; writers queue on the busy timeout.
	sqldb.SetMaxOpenConns(sqliteConns())
	sqldb.SetMaxIdleConns(sqliteConns())
	sqldb.SetConnMaxLifetime(0)
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{SQL: sqldb, Dialect: SQLite, Path: path}, nil
}

// sqliteConns is how many connections a SQLite pool opens: two per
// processor the Go scheduler uses, at least 4 and at most 8. Each holds
// its own page cache and prepared statements, about 4 MiB under load, and
// more connections than two per processor add memory, not speed: on two
// processors, 4 connections served the route mix and the searches as fast
// as 8, with a peak resident size 15 MiB smaller (docs/performance.md,
// 2026-12-07).
func sqliteConns() int { return min(max(2*runtime.GOMAXPROCS(0), 4), 8) }

// Close closes the kept statements and the pool.
func (d *DB) Close() error {
	d.stmts.mu.Lock()
	for _, st := range d.stmts.m {
		_ = st.Close()
	}
	d.stmts.m, d.stmts.seen = nil, nil
	d.stmts.mu.Unlock()
	return d.SQL.Close()
}

// Rebind rewrites "?" placeholders to "$1, $2, …" for PostgreSQL. Question
// marks inside single-quoted literals are left alone. On SQLite it writes a
// LIMIT or OFFSET parameter as its unary plus (keepPlan).
func (d *DB) Rebind(query string) string {
	if d.Dialect != Postgres {
		return keepPlan(query)
	}
	if !strings.Contains(query, "?") {
		return query
	}
	return rebind(query)
}

// keepPlan writes a LIMIT or OFFSET bound as a parameter as its unary plus
// (LIMIT +?), the same number. SQLite (since 3.47) plans a statement whose
// LIMIT or OFFSET is a bare parameter for the value bound, and marks it to
// be parsed and planned again when a small value (0 or 1) is bound: a kept
// statement read with OFFSET 0 was prepared again at every run. The plus
// hides the value from the planner, which plans as it did before 3.47, once.
func keepPlan(query string) string {
	if !strings.Contains(query, "LIMIT ?") && !strings.Contains(query, "OFFSET ?") {
		return query
	}
	return limitPlus.Replace(query)
}

var limitPlus = strings.NewReplacer("LIMIT ?", "LIMIT +?", "OFFSET ?", "OFFSET +?")

func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Querier is what both *DB and *Tx offer, so store functions can run inside
// or outside a transaction.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DialectOf reports the dialect behind q.
func DialectOf(q Querier) Dialect {
	switch v := q.(type) {
	case *DB:
		return v.Dialect
	case *Tx:
		return v.db.Dialect
	}
	return SQLite
}

// ExecContext runs a statement.
func (d *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	trace(ctx, d, q, args, true)
	return d.SQL.ExecContext(ctx, d.Rebind(q), args...)
}

// QueryContext runs a query.
func (d *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	trace(ctx, d, q, args, false)
	if st := d.prepared(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.SQL.QueryContext(ctx, d.Rebind(q), args...)
}

// QueryRowContext runs a query that returns at most one row.
func (d *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	trace(ctx, d, q, args, false)
	if st := d.prepared(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.SQL.QueryRowContext(ctx, d.Rebind(q), args...)
}

// stmtCache keeps SQLite's prepared read statements. The SQLite driver
// prepares (parses and plans) every statement it is given afresh and
// finalizes it after one use; a search ran five statements a request and
// preparing them was a tenth of its time (a MATCH on an FTS5 table is
// among the dearest to prepare). A statement text seen twice is prepared
// once per connection and kept (database/sql prepares it on each
// connection it runs on). Only queries (never Exec: schema changes, one-off
// writes) are kept, at most maxStmts texts; PostgreSQL's driver keeps its
// own prepared statements.
type stmtCache struct {
	mu   sync.Mutex
	seen map[string]bool
	m    map[string]*sql.Stmt
}

// maxStmts bounds the kept statements (each costs a few kilobytes per
// connection that has run it); maxSeen the texts remembered as seen once.
const (
	maxStmts = 256
	maxSeen  = 4096
)

// prepared returns the kept statement for q, preparing it at its second
// use; nil when q is not to be kept (PostgreSQL, the cache full, a
// failure to prepare: the caller then runs q as it is).
func (d *DB) prepared(ctx context.Context, q string) *sql.Stmt {
	if d.Dialect != SQLite {
		return nil
	}
	c := &d.stmts
	c.mu.Lock()
	if st, ok := c.m[q]; ok || len(c.m) >= maxStmts {
		c.mu.Unlock()
		return st
	}
	if !c.seen[q] {
		if c.seen == nil || len(c.seen) >= maxSeen {
			c.seen = map[string]bool{}
		}
		c.seen[q] = true
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	// Prepared outside the lock: it waits for a connection, which others
	// holding one may be waiting on the lock to give back.
	st, err := d.SQL.PrepareContext(context.WithoutCancel(ctx), d.Rebind(q))
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if other, ok := c.m[q]; ok {
		_ = st.Close()
		return other
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[q] = st
	delete(c.seen, q)
	return st
}

// Tx is a transaction that rebinds like DB.
type Tx struct {
	*sql.Tx
	db      *DB
	changed bool
}

// MarkChanged records that the transaction changes content others may have
// cached; DB.Changes grows when it commits. The audit log marks every
// transaction it records in.
func (t *Tx) MarkChanged() { t.changed = true }

// ExecContext runs a statement in the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	trace(ctx, t.db, q, args, true)
	return t.Tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

// QueryContext runs a query in the transaction.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	trace(ctx, t.db, q, args, false)
	return t.Tx.QueryContext(ctx, t.db.Rebind(q), args...)
}

// QueryRowContext runs a single-row query in the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	trace(ctx, t.db, q, args, false)
	return t.Tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// Dialect reports the transaction's dialect.
func (t *Tx) Dialect() Dialect { return t.db.Dialect }

// DB returns the database the transaction belongs to.
func (t *Tx) DB() *DB { return t.db }

// InTx runs fn in a transaction, committing when fn returns nil and rolling
// back otherwise. Keep fn short: on SQLite it holds the single write lock.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqltx, db: d}
	if err := fn(tx); err != nil {
		_ = sqltx.Rollback()
		return err
	}
	if err := sqltx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if tx.changed {
		d.changes.Add(1)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation in
// either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Counts reads a query's (key, count) rows into a map: counts by status,
// by norm, by topic.
func Counts(ctx context.Context, q Querier, query string, args ...any) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// Placeholders returns "?, ?, …" with n marks, for IN lists.
func Placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// ValueRows is the VALUES list of a multi-row INSERT: rows tuples of cols
// placeholders, "(?, ?), (?, ?)".
func ValueRows(rows, cols int) string {
	if rows <= 0 || cols <= 0 {
		return ""
	}
	row := "(" + Placeholders(cols) + ")"
	return strings.Repeat(row+", ", rows-1) + row
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Contains is the LIKE pattern of the texts containing s, with % and _ in
// s taken as ordinary characters: use it with ESCAPE '\'.
func Contains(s string) string { return "%" + likeEscaper.Replace(s) + "%" }
