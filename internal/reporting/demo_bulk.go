package reporting

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// bulkKey marks a context as belonging to a bulk writer (the demo
// generator): many reports in one transaction, indexed for search by the
// writer in one pass afterwards.
type bulkKey struct{}

// bulkWriter is what a bulk writer attaches to its context for one
// transaction.
type bulkWriter struct {
	tx    *db.Tx
	rb    func(string) string
	stmts map[string]*sql.Stmt
}

// withBulk marks ctx as a bulk write in tx: the multi-row INSERTs of
// writeRows are prepared once per transaction and reused (SQLite parses a
// 60-row INSERT in about as long as it takes to run it), and a submission
// does not queue the compendium's search sync for its report, because the
// bulk writer runs that sync for all of them at the end (the demo's
// search-index step; the periodic sync would catch up within a minute
// anyway). Everything else — validation, audit, statistics — is as for
// any other submission.
func withBulk(ctx context.Context, d *db.DB, tx *db.Tx) (context.Context, func()) {
	w := &bulkWriter{tx: tx, rb: d.Rebind, stmts: map[string]*sql.Stmt{}}
	return context.WithValue(ctx, bulkKey{}, w), func() {
		for _, st := range w.stmts {
			st.Close()
		}
	}
}

func bulkFrom(ctx context.Context, tx *db.Tx) *bulkWriter {
	w, _ := ctx.Value(bulkKey{}).(*bulkWriter)
	if w == nil || w.tx != tx {
		return nil
	}
	return w
}

// execRows runs a multi-row INSERT in tx, through the bulk writer's
// prepared statements when ctx has one for tx.
func execRows(ctx context.Context, tx *db.Tx, q string, args []any) error {
	w := bulkFrom(ctx, tx)
	if w == nil {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	st, ok := w.stmts[q]
	if !ok {
		var err error
		if st, err = tx.PrepareContext(ctx, w.rb(q)); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		w.stmts[q] = st
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

// queuesSearchSync says whether a submission in ctx queues the
// compendium's search sync for its report (every submission but a bulk
// writer's).
func queuesSearchSync(ctx context.Context) bool {
	_, bulk := ctx.Value(bulkKey{}).(*bulkWriter)
	return !bulk
}
