package compendium_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// measure is a measure for the fixture reports.
type measure struct {
	ID, Key, Norm, Title, Desc, Type, Status string
	Others                                   []string
}

// publish writes a submitted report version straight into the reporting
// tables of migration 0200 (the contract this module reads), as the
// reporting module does on submission. It returns the report id.
func publish(t testing.TB, rig *testrig.Rig, state string, year int, visibility string, ms ...measure) string {
	t.Helper()
	ctx := rig.Ctx
	now := time.Now().UTC()
	cycleID := fmt.Sprintf("cycle-%d", year)
	reportID := id.New()
	public := visibility == "public"
	err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reporting_cycles WHERE id = ?`, cycleID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			due := time.Date(year, 6, 30, 0, 0, 0, 0, time.UTC)
			if _, err := tx.ExecContext(ctx, `INSERT INTO reporting_cycles (id, name, year, opens_at, due_at, closes_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				cycleID, fmt.Sprint(year), year, due.AddDate(0, -3, 0), due, due.AddDate(0, 3, 0), now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reports (id, state_iso3, cycle_id, cycle_year, status, current_version, visibility, first_submitted_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, 'submitted', 1, ?, ?, ?, ?)`, reportID, state, cycleID, year, visibility, now, now, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_versions (report_id, version, state_iso3, cycle_id, cycle_year, visibility, published, submitted_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?)`,
			reportID, state, cycleID, year, visibility, public, now); err != nil {
			return err
		}
		for i, m := range ms {
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_measures (id, measure_key, report_id, version, state_iso3, cycle_id, cycle_year, norm_id, position, title, description, type, status, published)
				VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.Key, reportID, state, cycleID, year, m.Norm, i, m.Title, m.Desc, m.Type, m.Status, public); err != nil {
				return err
			}
			for j, n := range append([]string{m.Norm}, m.Others...) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO report_measure_norms (measure_id, norm_id, is_primary, published) VALUES (?, ?, ?, ?)`, m.ID, n, j == 0, public); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("publish fixture report: %v", err)
	}
	return reportID
}
