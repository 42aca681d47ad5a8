package demo

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// sqliteDemoPragmas are the SQLite settings the demo runs with, on every
// connection of the pool. None touches durability (journal mode and
// synchronous stay as configured, so a demo killed half-way leaves a
// consistent database, as any other command would):
//
//   - temp_store = MEMORY keeps statement journals in memory. Every
//     multi-row INSERT inside a transaction keeps one, so that a failing
//     row can be undone without undoing the transaction; in a temporary
//     file they cost a system call per page (1.4 s of the scale-1 run).
//     The transaction's own journal, the WAL, is untouched.
//   - wal_autocheckpoint = 10000 pages (40 MB of WAL instead of 4 MB)
//     copies each much-rewritten index page back to the database file once
//     per 40 MB of writes instead of once per 4 MB.
var sqliteDemoPragmas = []string{"PRAGMA temp_store = MEMORY", "PRAGMA wal_autocheckpoint = 10000"}

// sqliteDefaultPragmas put them back.
var sqliteDefaultPragmas = []string{"PRAGMA temp_store = DEFAULT", "PRAGMA wal_autocheckpoint = 1000"}

// tuneSQLite applies sqliteDemoPragmas to every connection of d's pool and
// returns the function that puts the defaults back.
func tuneSQLite(ctx context.Context, d *db.DB) (func(), error) {
	if d.Dialect != db.SQLite {
		return func() {}, nil
	}
	if err := onEveryConn(ctx, d, sqliteDemoPragmas); err != nil {
		return nil, fmt.Errorf("demo: sqlite settings: %w", err)
	}
	return func() { _ = onEveryConn(context.WithoutCancel(ctx), d, sqliteDefaultPragmas) }, nil
}

// onEveryConn runs stmts on every connection of d's pool: holding as many
// as the pool may open (db.Open sets it from the processors) reaches each.
func onEveryConn(ctx context.Context, d *db.DB, stmts []string) error {
	poolSize := d.SQL.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, poolSize)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range poolSize {
		c, err := d.SQL.Conn(ctx)
		if err != nil {
			return err
		}
		conns = append(conns, c)
		for _, q := range stmts {
			if _, err := c.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}
