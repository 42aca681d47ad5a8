package reporting_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemoMakesReportsThroughTheService(t *testing.T) {
	full := os.Getenv("CYBERNORMS_DEMO_FULL") == "1"
	if !full {
		defer reporting.ShortenDemo(demoStates())()
	}
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		start := time.Now()
		var last string
		err := reporting.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(s string) { last = s })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s in %s", last, time.Since(start))
		var cycles, reports, versions, measures, published, stats, audits int
		q := func(sql string, dst *int) {
			if err := rig.DB.QueryRowContext(rig.Ctx, sql).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		q(`SELECT COUNT(*) FROM reporting_cycles`, &cycles)
		q(`SELECT COUNT(*) FROM reports WHERE status = 'submitted'`, &reports)
		q(`SELECT COUNT(*) FROM report_versions`, &versions)
		q(`SELECT COUNT(*) FROM report_measures`, &measures)
		q(`SELECT COUNT(*) FROM report_measures WHERE published = TRUE`, &published)
		q(`SELECT COALESCE(SUM(measures), 0) FROM report_stats`, &stats)
		var current int
		q(`SELECT COUNT(*) FROM report_measures m JOIN reports r ON r.id = m.report_id AND m.version = r.current_version`, &current)
		q(`SELECT COUNT(*) FROM audit_log WHERE action = 'report.submit'`, &audits)
		t.Logf("cycles %d reports %d versions %d measures %d published %d", cycles, reports, versions, measures, published)
		if cycles != reporting.DemoCycles || reports == 0 || versions < reports || audits != versions {
			t.Errorf("cycles %d, reports %d, versions %d, submit audits %d", cycles, reports, versions, audits)
		}
		if stats != current || published == 0 || published >= current {
			t.Errorf("stats count %d measures, current versions hold %d; published %d", stats, current, published)
		}
		// The demo indexes its reports for search in one pass (its
		// search-index step), so its submissions queue no sync job each.
		var syncJobs, normLinks, notes int
		q(`SELECT COUNT(*) FROM jobs WHERE kind = 'compendium.sync_search'`, &syncJobs)
		if syncJobs != 0 {
			t.Errorf("%d search sync jobs queued by the demo's submissions, want none", syncJobs)
		}
		// Every measure has its primary norm link, and notes were written.
		q(`SELECT COUNT(*) FROM report_measure_norms WHERE is_primary = TRUE`, &normLinks)
		q(`SELECT COUNT(*) FROM report_norm_notes`, &notes)
		if normLinks != measures || notes == 0 {
			t.Errorf("%d primary norm links for %d measures, %d notes", normLinks, measures, notes)
		}
		perReport := float64(measures) / float64(versions) / 11
		if perReport < 12 || perReport > 28 {
			t.Errorf("%.1f measures per norm per report, want about %d", perReport, reporting.DemoMeasuresPerNorm)
		}
	})
}

func demoStates() int {
	if n, err := strconv.Atoi(os.Getenv("CYBERNORMS_DEMO_STATES")); err == nil && n > 0 {
		return n
	}
	return 6
}
