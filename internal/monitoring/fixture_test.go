package monitoring_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// stat is one row of report_stats for a fixture report.
type stat struct {
	Norm, Type, Status string
	N                  int
}

// report writes a submitted report straight into the reporting tables of
// migration 0200 (the contract this module reads), with its report_stats
// rows as reporting writes them on submission.
func report(t testing.TB, q db.Querier, state string, year int, visibility string, late bool, stats ...stat) {
	t.Helper()
	if err := writeReport(q, state, year, visibility, late, stats...); err != nil {
		t.Fatalf("fixture report: %v", err)
	}
}

func writeReport(q db.Querier, state string, year int, visibility string, late bool, stats ...stat) error {
	ctx := testCtx
	now := time.Now().UTC()
	cycleID := fmt.Sprintf("cycle-%d", year)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM reporting_cycles WHERE id = ?`, cycleID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		due := time.Date(year, 6, 30, 0, 0, 0, 0, time.UTC)
		if _, err := q.ExecContext(ctx, `INSERT INTO reporting_cycles (id, name, year, opens_at, due_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			cycleID, fmt.Sprint(year), year, due.AddDate(0, -3, 0), due, due.AddDate(0, 3, 0), now); err != nil {
			return err
		}
	}
	reportID := id.New()
	public := visibility == "public"
	if _, err := q.ExecContext(ctx, `INSERT INTO reports (id, state_iso3, cycle_id, cycle_year, status, current_version, visibility, late, first_submitted_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, 'submitted', 1, ?, ?, ?, ?, ?)`, reportID, state, cycleID, year, visibility, late, now, now, now); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO report_versions (report_id, version, state_iso3, cycle_id, cycle_year, visibility, late, published, submitted_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)`,
		reportID, state, cycleID, year, visibility, late, public, now); err != nil {
		return err
	}
	for _, s := range stats {
		if _, err := q.ExecContext(ctx, `INSERT INTO report_stats (state_iso3, cycle_id, cycle_year, norm_id, type, status, public, late, measures) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			state, cycleID, year, s.Norm, s.Type, s.Status, public, late, s.N); err != nil {
			return err
		}
	}
	return nil
}

func inTx(t testing.TB, rig *testrig.Rig, fn func(tx *db.Tx) error) {
	t.Helper()
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		// The fixture writes rows straight to the tables, without the audit
		// entry the services add; mark the change as that entry would, so
		// that cached pages are dropped.
		tx.MarkChanged()
		return fn(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}
