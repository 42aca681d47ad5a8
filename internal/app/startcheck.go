package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

// Start-up checks: a configuration the server cannot work with stops it
// before it listens, with the flag to change and the reason, never with a
// half-started server or a failure at the first request that needs it.

// CheckDataDir makes sure the data folder exists (creating it) and that
// this process can write in it: it holds the SQLite database, the outbox,
// uploads and the bulletin's send journals.
func CheckDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data-dir: cannot create %s: %w", dir, reason(err))
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("data-dir: %s is not writable by this process: %w", dir, reason(err))
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// DKIM reads and parses the DKIM key the configuration names; nil when none
// is configured.
func DKIM(cfg config.Config) (*mail.DKIMConfig, error) {
	if cfg.DKIMKeyFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(cfg.DKIMKeyFile)
	if err != nil {
		return nil, fmt.Errorf("dkim-key-file: cannot read %s: %w", cfg.DKIMKeyFile, reason(err))
	}
	d := &mail.DKIMConfig{Domain: cfg.DKIMDomain, Selector: cfg.DKIMSelector, PrivateKeyPEM: string(pem)}
	if err := mail.CheckDKIM(*d); err != nil {
		return nil, fmt.Errorf("dkim-key-file: %s is not a usable DKIM key: %w", cfg.DKIMKeyFile, err)
	}
	return d, nil
}

// reason is the cause of a file error without the path, which the message
// already names.
func reason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// redactURL hides the password of a database URL in messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(the configured URL)"
	}
	return u.Redacted()
}

// CheckSchemaNotNewer refuses a database that a newer cybernorms migrated:
// an older binary would run on tables it does not know (after a downgrade,
// or a stale binary left on one machine). Migrations are forward-only, so
// the way back is the backup taken before the upgrade.
func CheckSchemaNotNewer(ctx context.Context, d *db.DB, migs fs.FS) error {
	entries, err := fs.ReadDir(migs, ".")
	if err != nil {
		return err
	}
	known := 0
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if v, err := strconv.Atoi(num); err == nil && v > known {
			known = v
		}
	}
	var newest int
	if err := d.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&newest); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if newest > known {
		where := "database-url"
		if d.Dialect == db.SQLite {
			where = "data-dir"
		}
		return fmt.Errorf("%s: the database was migrated by a newer cybernorms (migration %04d; this one knows up to %04d): run that version or a newer one, or restore the backup taken before the upgrade", where, newest, known)
	}
	return nil
}
