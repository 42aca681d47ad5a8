package opendata

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Snapshot runs fn on one consistent read-only view of the database, so
// that a release's files agree with each other (a measure never refers to
// a version the versions file lacks). On PostgreSQL it is a REPEATABLE READ
// read-only transaction; on SQLite a deferred transaction on one connection
// (the pool's transactions are BEGIN IMMEDIATE, which would hold off every
// writer while a release is written; a deferred one in WAL mode does not).
func Snapshot(ctx context.Context, d *db.DB, fn func(q db.Querier) error) error {
	if d.Dialect == db.Postgres {
		tx, err := d.SQL.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		defer func() { _ = tx.Rollback() }()
		return fn(querier{d: d, ex: tx})
	}
	conn, err := d.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), "ROLLBACK") }()
	return fn(querier{d: d, ex: conn})
}

type executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querier rebinds placeholders as db.DB does.
type querier struct {
	d  *db.DB
	ex executor
}

func (q querier) ExecContext(ctx context.Context, s string, args ...any) (sql.Result, error) {
	return q.ex.ExecContext(ctx, q.d.Rebind(s), args...)
}
func (q querier) QueryContext(ctx context.Context, s string, args ...any) (*sql.Rows, error) {
	return q.ex.QueryContext(ctx, q.d.Rebind(s), args...)
}
func (q querier) QueryRowContext(ctx context.Context, s string, args ...any) *sql.Row {
	return q.ex.QueryRowContext(ctx, q.d.Rebind(s), args...)
}
