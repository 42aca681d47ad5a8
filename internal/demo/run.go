package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Actor is the audit actor of every demo write.
var Actor = audit.Actor{ID: "demo", Label: "demo data generator", Via: "cli"}

// Summary is what a run did.
type Summary struct {
	RunID   string
	Steps   []string
	Elapsed time.Duration
}

// Run opens and migrates the database of cfg, refuses a database that
// already holds data unless opt.Force, builds the app, marks the database
// as holding demo data and runs every registered generator in order,
// printing progress and each step's elapsed time to out.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opt Options, reg *Registry, out io.Writer) (Summary, error) {
	var sum Summary
	if err := opt.Validate(); err != nil {
		return sum, err
	}
	steps, err := reg.Ordered()
	if err != nil {
		return sum, err
	}
	start := time.Now()
	d, err := app.Open(ctx, cfg, log)
	if err != nil {
		return sum, fmt.Errorf("open database: %w", err)
	}
	defer d.Close()
	if !opt.Force {
		held, err := Contents(ctx, d)
		if err != nil {
			return sum, err
		}
		if len(held) > 0 {
			return sum, fmt.Errorf("%w (it holds %s); pass --force to add demo data anyway", ErrNotEmpty, strings.Join(held, ", "))
		}
	}
	cfg.Workers = 0 // generators only queue jobs; the server sends them later
	a, err := app.New(ctx, cfg, d, log)
	if err != nil {
		return sum, fmt.Errorf("build app: %w", err)
	}
	defer a.Close()
	svc := a.Services
	ctx = audit.WithActor(ctx, Actor)
	untune, err := tuneSQLite(ctx, d)
	if err != nil {
		return sum, err
	}
	defer untune()

	for _, s := range steps {
		sum.Steps = append(sum.Steps, s.Name)
	}
	sum.RunID = id.New()
	if err := markStart(ctx, svc, sum.RunID, opt, sum.Steps); err != nil {
		return sum, err
	}
	fmt.Fprintf(out, "demo data: scale %d, seed %d, %s database, %d steps (%s)\n", opt.Scale, opt.Seed, d.Dialect, len(steps), strings.Join(sum.Steps, ", "))
	for i, s := range steps {
		t0 := time.Now()
		fmt.Fprintf(out, "[%d/%d] %s …\n", i+1, len(steps), s.Name)
		progress := func(msg string) {
			msg = strings.TrimPrefix(msg, s.Name+": ") // some generators name themselves
			fmt.Fprintf(out, "      %s: %s (%s)\n", s.Name, msg, time.Since(t0).Round(time.Millisecond))
		}
		if err := s.Run(ctx, svc, RNG(opt.Seed, s.Name), opt.Scale, progress); err != nil {
			return sum, fmt.Errorf("demo step %s: %w", s.Name, err)
		}
		fmt.Fprintf(out, "[%d/%d] %s done in %s\n", i+1, len(steps), s.Name, time.Since(t0).Round(time.Millisecond))
	}
	if err := markFinish(ctx, svc, sum.RunID); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	fmt.Fprintf(out, "demo data complete in %s\n", sum.Elapsed.Round(time.Millisecond))
	return sum, nil
}

// contentTables are the tables whose rows mean "this database is in use".
// Tables of modules not built yet are skipped when they do not exist.
var contentTables = []struct{ table, label string }{
	{"demo_runs", "demo runs"},
	{"organisations", "organisations"},
	{"reporting_cycles", "reporting cycles"},
	{"reports", "reports"},
	{"bulletin_items", "bulletin items"},
	{"bulletin_subscribers", "bulletin subscribers"},
}

// Contents describes what the database already holds ("3 organisations"),
// or nothing for a database the demo may fill.
func Contents(ctx context.Context, d *db.DB) ([]string, error) {
	var held []string
	for _, c := range contentTables {
		ok, err := tableExists(ctx, d, c.table)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var n int64
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+c.table).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", c.table, err)
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d %s", n, c.label))
		}
	}
	return held, nil
}

func tableExists(ctx context.Context, d *db.DB, table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if d.Dialect == db.Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
	}
	var n int
	if err := d.QueryRowContext(ctx, q, table).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", table, err)
	}
	return n > 0, nil
}

type runRecord struct {
	Seed  uint64 `json:"seed"`
	Scale int    `json:"scale"`
	Force bool   `json:"force"`
	Steps string `json:"steps"`
}

func markStart(ctx context.Context, svc *platform.Services, runID string, opt Options, steps []string) error {
	rec := runRecord{Seed: opt.Seed, Scale: opt.Scale, Force: opt.Force, Steps: strings.Join(steps, ",")}
	return svc.DB.InTx(ctx, func(tx *db.Tx) error {
		// The seed is stored as a signed 64-bit integer; its bits are what matter.
		if _, err := tx.ExecContext(ctx, `INSERT INTO demo_runs (id, seed, scale, forced, steps, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
			runID, int64(opt.Seed), opt.Scale, opt.Force, rec.Steps, time.Now().UTC()); err != nil {
			return fmt.Errorf("record demo run: %w", err)
		}
		return audit.Record(ctx, tx, "demo.start", "demo_run", runID, nil, rec)
	})
}

func markFinish(ctx context.Context, svc *platform.Services, runID string) error {
	return svc.DB.InTx(ctx, func(tx *db.Tx) error {
		at := time.Now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE demo_runs SET finished_at = ? WHERE id = ?`, at, runID); err != nil {
			return fmt.Errorf("finish demo run: %w", err)
		}
		return audit.Record(ctx, tx, "demo.finish", "demo_run", runID, nil, map[string]time.Time{"finished_at": at})
	})
}
