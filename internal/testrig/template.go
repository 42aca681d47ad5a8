package testrig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/migrations"
)

// A test's fresh database starts as a copy of a template: a database that
// every migration has run on once, so that each test does not run them all
// again (a fifth of a second a database on SQLite, about a second on
// PostgreSQL, ten times that under the race detector). The copy is then
// opened by app.Open like any database, which finds nothing to migrate and
// seeds it (the States, the framework) as it seeds a new one; the template
// holds nothing but what the migrations make, so it is exactly named by the
// hash of the migrations, and a changed migration makes a new one. It is
// kept between runs (SQLite: in the system's temporary folder; PostgreSQL:
// a database of the test server, whose older templates are dropped when a
// new one is made).

// migrationsHash is the hash of every migration's name and text.
var migrationsHash = sync.OnceValue(func() string {
	h := sha256.New()
	h.Write([]byte("migrations only\x00")) // not the seeded templates of before
	_ = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// sqliteTemplate is the path of the SQLite template, made on first use.
var sqliteTemplate = sync.OnceValues(func() (string, error) {
	dir := filepath.Join(os.TempDir(), "cybernorms-testrig")
	path := filepath.Join(dir, "sqlite-"+migrationsHash()+".db")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(dir, "make-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := migrateOnce(filepath.Join(work, "cybernorms.db")); err != nil {
		return "", err
	}
	// Another test process may have made the same template meanwhile: the
	// rename replaces it with an identical file in one step.
	if err := os.Rename(filepath.Join(work, "cybernorms.db"), path); err != nil {
		return "", err
	}
	// Templates of other migrations are of no more use.
	old, _ := filepath.Glob(filepath.Join(dir, "sqlite-*.db"))
	for _, o := range old {
		if o != path {
			_ = os.Remove(o)
		}
	}
	return path, nil
})

// migrateOnce runs every migration on the database at url (an SQLite file
// or a PostgreSQL URL) and closes it, leaving no write-ahead log behind.
func migrateOnce(url string) error {
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{MaxOpenConns: 1})
	if err != nil {
		return fmt.Errorf("make the test database template: %w", err)
	}
	if _, err := d.Migrate(ctx, migrations.FS); err != nil {
		d.Close()
		return fmt.Errorf("make the test database template: %w", err)
	}
	if d.Dialect == db.SQLite {
		if _, err := d.SQL.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			d.Close()
			return err
		}
	}
	return d.Close()
}

// copySQLiteTemplate puts a copy of the template in dataDir as its database,
// unless dataDir already has one (a test reopening its own database).
func copySQLiteTemplate(dataDir string) error {
	dst := filepath.Join(dataDir, "cybernorms.db")
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	src, err := sqliteTemplate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// postgresTemplate is the name of the PostgreSQL template database of the
// server at base, made on first use. Test processes that start together
// make it one at a time (an advisory lock), and it appears under its name
// only once whole (a rename).
var postgresTemplate = sync.OnceValues(func() (string, error) {
	ctx := context.Background()
	base := os.Getenv("CYBERNORMS_TEST_DATABASE_URL")
	name := "cybernorms_template_" + migrationsHash()
	admin, err := db.Open(ctx, base, db.Options{MaxOpenConns: 1})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.SQL.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	exists := func() (bool, error) {
		var n int
		err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n)
		return n > 0, err
	}
	if ok, err := exists(); ok || err != nil {
		return name, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(2026120701)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(2026120701)`) //nolint:errcheck
	if ok, err := exists(); ok || err != nil {
		return name, err
	}
	work := name + "_" + strings.ToLower(id.New()[18:]) // the id's random end
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+work); err != nil {
		return "", err
	}
	if err := migrateOnce(databaseURL(base, work)); err != nil {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE `+work+` WITH (FORCE)`)
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+work+` RENAME TO `+name); err != nil {
		return "", err
	}
	// Templates of other migrations are of no more use (one still in use
	// by a run of another checkout is left, and dropped next time).
	rows, err := conn.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'cybernorms\_template\_%' AND datname <> $1`, name)
	if err == nil {
		var old []string
		for rows.Next() {
			var n string
			if rows.Scan(&n) == nil {
				old = append(old, n)
			}
		}
		rows.Close()
		for _, n := range old {
			_, _ = conn.ExecContext(ctx, `DROP DATABASE `+n)
		}
	}
	return name, nil
})

// databaseURL is base with its database replaced by name.
func databaseURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String()
}

// postgresCopy makes a new database of the test server as a copy of the
// template, dropped through admin (then closed) at the end of the test, and
// returns its URL; ok is
// false when the server does not let this user make databases (the rig
// then migrates a schema of its own instead).
func postgresCopy(t testing.TB, admin *db.DB, base string) (string, bool) {
	t.Helper()
	tmpl, err := postgresTemplate()
	if err != nil {
		t.Logf("no PostgreSQL template database (%v): migrating a schema instead", err)
		return "", false
	}
	name := "t_" + schemaRE.ReplaceAllString(strings.ToLower(id.New()), "")
	if _, err := admin.SQL.ExecContext(context.Background(), `CREATE DATABASE `+name+` TEMPLATE `+tmpl); err != nil {
		t.Logf("cannot copy the PostgreSQL template database (%v): migrating a schema instead", err)
		return "", false
	}
	t.Cleanup(func() {
		_, _ = admin.SQL.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`)
		admin.Close()
	})
	return databaseURL(base, name), true
}
