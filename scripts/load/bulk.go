package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

// measureRow is a row shaped like a report measure: the unit of the
// import bar ("importing 1 million report measures").
func measureRow(i int) []any {
	kinds := []string{"legislation", "strategy", "institution", "policy", "practice", "cbm"}
	statuses := []string{"planned", "in-progress", "implemented"}
	return []any{
		fmt.Sprintf("m%09d", i), fmt.Sprintf("r%06d", i/220), fmt.Sprintf("gge2015-%c", 'a'+rune(i%11)),
		kinds[i%len(kinds)], statuses[i%len(statuses)],
		fmt.Sprintf("Measure %d: national strategy on critical infrastructure protection", i),
		"The State adopted a measure to protect critical infrastructure, with an evidence link and a date.",
		"https://example.org/evidence/" + fmt.Sprint(i), time.Date(2015+i%10, 1+time.Month(i%12), 1, 0, 0, 0, 0, time.UTC),
	}
}

var measureColumns = []string{"id", "report_id", "norm_id", "kind", "status", "title", "description", "evidence_url", "happened_on"}

const measureTable = `CREATE TABLE bulk_measures (id TEXT PRIMARY KEY, report_id TEXT NOT NULL, norm_id TEXT NOT NULL,
	kind TEXT NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, evidence_url TEXT NOT NULL, happened_on %s NOT NULL)`

func bulkCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bulk", flag.ExitOnError)
	target := fs.String("db", "", "a postgres:// URL (a table bulk_measures is made and dropped), or a folder for a scratch SQLite file")
	rows := fs.Int("rows", 1000000, "rows to load")
	_ = fs.Parse(args)
	if *rows < 1 || *rows > 50_000_000 {
		return fmt.Errorf("-rows: from 1 to 50,000,000")
	}
	var (
		d   time.Duration
		err error
		how string
	)
	if strings.HasPrefix(*target, "postgres://") || strings.HasPrefix(*target, "postgresql://") {
		if err := loopbackOnly(*target); err != nil {
			return err
		}
		how = "PostgreSQL COPY"
		d, err = bulkPostgres(ctx, *target, *rows)
	} else {
		how = "SQLite prepared INSERT, one transaction"
		d, err = bulkSQLite(ctx, *target, *rows)
	}
	if err != nil {
		return err
	}
	fmt.Printf("| %s | %d rows | %.2f s | %.0f rows/s |\n", how, *rows, d.Seconds(), float64(*rows)/d.Seconds())
	return nil
}

func bulkSQLite(ctx context.Context, dir string, n int) (time.Duration, error) {
	if dir == "" {
		return 0, fmt.Errorf("-db: a folder for the scratch SQLite file is required")
	}
	path := filepath.Join(dir, "bulk.db")
	_ = os.Remove(path)
	defer os.Remove(path)
	defer os.Remove(path + "-wal")
	defer os.Remove(path + "-shm")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_time_format=sqlite")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, fmt.Sprintf(measureTable, "DATETIME")); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bulk_measures (`+strings.Join(measureColumns, ", ")+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	for i := range n {
		if _, err := stmt.ExecContext(ctx, measureRow(i)...); err != nil {
			return 0, fmt.Errorf("insert row %d: %w", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func bulkPostgres(ctx context.Context, url string, n int) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	_, _ = conn.Exec(ctx, `DROP TABLE IF EXISTS bulk_measures`)
	if _, err := conn.Exec(ctx, fmt.Sprintf(measureTable, "TIMESTAMPTZ")); err != nil {
		return 0, fmt.Errorf("create table: %w", err)
	}
	defer conn.Exec(context.Background(), `DROP TABLE IF EXISTS bulk_measures`)
	start := time.Now()
	i := 0
	copied, err := conn.CopyFrom(ctx, pgx.Identifier{"bulk_measures"}, measureColumns, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		i++
		return measureRow(i - 1), nil
	}))
	if err != nil {
		return 0, fmt.Errorf("copy: %w", err)
	}
	if int(copied) != n {
		return 0, fmt.Errorf("copied %d rows, want %d", copied, n)
	}
	return time.Since(start), nil
}
