package db

import (
	"context"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A migration file is named NNNN_name.sql (both dialects), or
// NNNN_name.sqlite.sql / NNNN_name.postgres.sql where they differ. Versions
// are applied in order, each in its own transaction, and recorded in
// schema_migrations. Migrations are forward-only.
type migration struct {
	version int
	name    string
	sql     string
}

// portable rewrites the few type names that differ so most migrations can be
// written once: TIMESTAMPTZ and BYTEA are PostgreSQL's spellings.
func (d *DB) portable(sql string) string {
	if d.Dialect == Postgres {
		return sql
	}
	r := strings.NewReplacer("TIMESTAMPTZ", "DATETIME", "BYTEA", "BLOB", "BIGSERIAL", "INTEGER")
	return r.Replace(sql)
}

func (d *DB) loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	byVersion := map[int]migration{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		base := strings.TrimSuffix(name, ".sql")
		switch {
		case strings.HasSuffix(base, ".sqlite"):
			if d.Dialect != SQLite {
				continue
			}
			base = strings.TrimSuffix(base, ".sqlite")
		case strings.HasSuffix(base, ".postgres"):
			if d.Dialect != Postgres {
				continue
			}
			base = strings.TrimSuffix(base, ".postgres")
		}
		num, label, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad version %q", name, num)
		}
		if prev, dup := byVersion[v]; dup {
			return nil, fmt.Errorf("migration %s: version %d already used by %s", name, v, prev.name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		byVersion[v] = migration{version: v, name: label, sql: d.portable(string(body))}
	}
	out := make([]migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies every migration in fsys not yet recorded. Several
// instances starting at once are safe: on PostgreSQL an advisory lock
// serialises them; on SQLite the write lock does.
func (d *DB) Migrate(ctx context.Context, fsys fs.FS) (applied []string, err error) {
	migs, err := d.loadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	// Under the same lock as the migrations: PostgreSQL's CREATE TABLE IF
	// NOT EXISTS is not safe against itself, and two instances starting on
	// an empty database would otherwise collide on it.
	err = d.InTx(ctx, func(tx *Tx) error {
		if d.Dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range migs {
		err := d.InTx(ctx, func(tx *Tx) error {
			if d.Dialect == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727274)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if err := execScript(ctx, tx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC()); err != nil {
				return err
			}
			applied = append(applied, fmt.Sprintf("%04d_%s", m.version, m.name))
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// execScript runs a script of several statements. PostgreSQL through pgx
// accepts several statements in one Exec without arguments; SQLite's driver
// does too, so the script goes in one call.
func execScript(ctx context.Context, tx *Tx, script string) error {
	_, err := tx.Tx.ExecContext(ctx, script)
	return err
}
