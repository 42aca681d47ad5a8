package monitoring_test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// tenYears fills ten cycles of reports from every State: most public, some
// confidential, some missing, each with report_stats rows for every norm.
func tenYears(b *testing.B, rig *testrig.Rig) {
	r := rand.New(rand.NewPCG(7, 7))
	types := []string{"legislation", "strategy", "policy", "institution", "practice", "cbm"}
	statuses := []string{"planned", "in_progress", "implemented"}
	for year := 2016; year < 2026; year++ {
		inTx(b, rig, func(tx *db.Tx) error {
			for _, st := range states.All() {
				roll := r.IntN(10)
				if roll == 0 {
					continue // did not report
				}
				vis := "public"
				if roll == 1 {
					vis = "confidential"
				}
				var rows []stat
				for n := 'a'; n <= 'k'; n++ {
					for k := 0; k < 3; k++ {
						rows = append(rows, stat{"gge2015-" + string(n), types[(k+int(n))%len(types)], statuses[k], 1 + r.IntN(5)})
					}
				}
				if err := writeReport(tx, st.ISO3, year, vis, roll == 2, rows...); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// benchPage serves path through the app's handler (no network) and
// reports the median and p95; cold-ms is the first request, which builds
// the view from the database.
func benchPage(b *testing.B, rig *testrig.Rig, path string) {
	h := rig.App.Handler()
	serve := func() time.Duration {
		t0 := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		return time.Since(t0)
	}
	cold := serve()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lat = append(lat, serve())
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
}

func BenchmarkDashboards(b *testing.B) {
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewOn(b, kind)
		tenYears(b, rig)
		for _, p := range []struct{ name, path string }{
			{"world-map", "/monitoring/map?norm=gge2015-c"},
			{"state-profile", "/monitoring/states/FRA"},
			{"participation", "/monitoring/participation"},
			{"trends", "/monitoring/trends"},
		} {
			b.Run(kind+"/"+p.name, func(b *testing.B) { benchPage(b, rig, p.path) })
		}
	}
}
