package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// IndexBulk adds many documents that are not in the index yet (the measures
// of hundreds of reports at once, as a first sync does) inside the caller's
// transaction. The documents are searchable when tx commits, exactly as if
// IndexNew had added them; only the way the full-text index is written
// differs.
//
// On SQLite the row trigger that feeds the FTS5 index one document at a
// time is suspended inside tx (SQLite's DDL is transactional, so other
// connections never see it missing): the rows are written with a prepared
// multi-row INSERT, then the index is fed with one INSERT … SELECT over
// their ids, with a pending-terms buffer of BulkHashSize so that FTS5
// writes a few large segments instead of one per statement. On PostgreSQL
// the rows go in with INSERT … SELECT FROM unnest(…) (arrays as parameters,
// no statement text to parse per row); the generated tsvector and its GIN
// index are kept by PostgreSQL, and the table's planner statistics are
// refreshed before the function returns.
//
// Call Optimize after the transaction when the index has grown a lot.
func IndexBulk(ctx context.Context, tx *db.Tx, docs []Document) error {
	for _, d := range docs {
		if d.Kind == "" || d.Ref == "" {
			return errors.New("search: index: kind and ref are required")
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if db.DialectOf(tx) == db.Postgres {
		return bulkPostgres(ctx, tx, docs)
	}
	return bulkSQLite(ctx, tx, docs)
}

// BulkHashSize is the FTS5 'hashsize' (bytes of pending terms held in
// memory before they are written as a segment) while IndexBulk feeds the
// index; the index's own setting is restored before it returns. 64 MiB
// holds the terms of about 150,000 measures: the scale-1 demo's 350,000
// make three segments, which Optimize then merges in about a second.
const BulkHashSize = 64 << 20

// bulkRows is how many documents one prepared INSERT writes.
const bulkRows = 200

// The trigger that indexes each new row (migrations 0300 and 0302).
const insertTrigger = "search_documents_ai"

func bulkSQLite(ctx context.Context, tx *db.Tx, docs []Document) error {
	var trigger string
	err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?`, insertTrigger).Scan(&trigger)
	if errors.Is(err, sql.ErrNoRows) {
		// Not the schema this was written for: take the ordinary path.
		return IndexNew(ctx, tx, docs)
	}
	if err != nil {
		return fmt.Errorf("search: bulk index: %w", err)
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM search_documents`).Scan(&last); err != nil {
		return fmt.Errorf("search: bulk index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+insertTrigger); err != nil {
		return fmt.Errorf("search: bulk index: suspend trigger: %w", err)
	}
	if err := insertRows(ctx, tx, docs); err != nil {
		return err
	}
	// New rows take ids above the largest one (INTEGER PRIMARY KEY without
	// AUTOINCREMENT, inside this transaction's write lock), so the range
	// is exactly the documents just written.
	restore, err := setHashSize(ctx, tx, BulkHashSize)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, body, facets) SELECT id, title, body, facets FROM search_documents WHERE id > ?`, last); err != nil {
		return fmt.Errorf("search: bulk index: %w", err)
	}
	if err := restore(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, trigger); err != nil {
		return fmt.Errorf("search: bulk index: restore trigger: %w", err)
	}
	return nil
}

// insertRows writes docs to search_documents with one prepared statement
// of bulkRows rows (parsed once, however many documents) and one
// statement for the remainder.
func insertRows(ctx context.Context, tx *db.Tx, docs []Document) error {
	now := time.Now().UTC()
	many := insertDocs + strings.TrimSuffix(strings.Repeat(insertRow+", ", bulkRows), ", ")
	var stmt *sql.Stmt
	if len(docs) >= bulkRows {
		var err error
		if stmt, err = tx.PrepareContext(ctx, many); err != nil {
			return fmt.Errorf("search: bulk index: %w", err)
		}
		defer stmt.Close()
	}
	args := make([]any, 0, bulkRows*15)
	for len(docs) >= bulkRows {
		args = args[:0]
		for _, d := range docs[:bulkRows] {
			args = append(args, docArgs(d, now)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("search: bulk index %d documents: %w", bulkRows, err)
		}
		docs = docs[bulkRows:]
	}
	if len(docs) == 0 {
		return nil
	}
	args = args[:0]
	for _, d := range docs {
		args = append(args, docArgs(d, now)...)
	}
	q := insertDocs + strings.TrimSuffix(strings.Repeat(insertRow+", ", len(docs)), ", ")
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("search: bulk index %d documents: %w", len(docs), err)
	}
	return nil
}

// setHashSize sets the FTS5 index's pending-terms buffer to size and returns
// the function that puts the previous setting back.
func setHashSize(ctx context.Context, tx *db.Tx, size int) (func() error, error) {
	var old sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT v FROM search_fts_config WHERE k = 'hashsize'`).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("search: bulk index: read hashsize: %w", err)
	}
	set := func(v int64) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_fts (search_fts, rank) VALUES ('hashsize', ?)`, v); err != nil {
			return fmt.Errorf("search: bulk index: hashsize: %w", err)
		}
		return nil
	}
	if err := set(int64(size)); err != nil {
		return nil, err
	}
	return func() error {
		if old.Valid {
			return set(old.Int64)
		}
		// No setting before: FTS5's default. Removing the row would not
		// tell open connections; setting the default does.
		return set(defaultHashSize)
	}, nil
}

// defaultHashSize is FTS5's own default for 'hashsize' (1 MiB).
const defaultHashSize = 1 << 20

// bulkPGRows is how many documents one INSERT … SELECT FROM unnest writes
// on PostgreSQL.
const bulkPGRows = 5000

func bulkPostgres(ctx context.Context, tx *db.Tx, docs []Document) error {
	now := time.Now().UTC()
	for len(docs) > 0 {
		n := min(len(docs), bulkPGRows)
		cols := make([][]string, 13)
		years := make([]int64, n)
		for i := range cols {
			cols[i] = make([]string, n)
		}
		for i, d := range docs[:n] {
			a := docArgs(d, now)
			// docArgs order: lang, title, body, url, norms, type, status,
			// region, year, state, parent, facets, updated_at, kind, ref.
			for j, k := 0, 0; j < len(a); j++ {
				switch j {
				case 8:
					years[i] = int64(a[j].(int))
				case 12:
				default:
					cols[k][i] = a[j].(string)
					k++
				}
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO search_documents (lang, title, body, url, norms, type, status, region, year, state, parent, facets, updated_at, kind, ref)
			SELECT lang, title, body, url, norms, type, status, region, year, state, parent, facets, ?, kind, ref
			FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
				AS u(lang, title, body, url, norms, type, status, region, year, state, parent, facets, kind, ref)`,
			now, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], years, cols[8], cols[9], cols[10], cols[11], cols[12])
		if err != nil {
			return fmt.Errorf("search: bulk index %d documents: %w", n, err)
		}
		docs = docs[n:]
	}
	// Statements later in the transaction or soon after it (the next
	// report's removal by parent) are planned with the table's statistics:
	// until autovacuum catches up they describe a table a fraction of its
	// new size, and PostgreSQL scans it whole instead of using an index.
	// ANALYZE inside the transaction counts its own new rows.
	if _, err := tx.ExecContext(ctx, `ANALYZE search_documents`); err != nil {
		return fmt.Errorf("search: bulk index: analyze: %w", err)
	}
	return nil
}
