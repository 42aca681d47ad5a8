package reporting_test

import (
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestSchemaIsMigratedOnEveryDatabase(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		for _, table := range []string{"reporting_cycles", "reports", "report_versions", "report_measures", "report_measure_norms", "report_norm_notes", "report_stats"} {
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
				t.Errorf("table %s: %v", table, err)
			}
		}
	})
}
