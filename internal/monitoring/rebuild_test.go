package monitoring_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// noPageCache turns the page cache off, as the load test does (issue 20):
// every request then reaches the module.
func noPageCache(c *config.Config) { c.PageCacheMB = 0 }

// wave serves path to n clients at once through h, each request's
// statements recorded, and returns the bodies and how many statements read
// report_stats (one per rebuilt view).
func wave(tb testing.TB, h http.Handler, path string, n int) (bodies []string, statsReads int) {
	tb.Helper()
	var tr db.Trace
	ctx := db.WithTrace(context.Background(), &tr)
	bodies = make([]string, n)
	codes := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		}()
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			tb.Fatalf("GET %s: %d %s", path, c, bodies[i])
		}
	}
	// Every request has returned: nothing adds to tr any more.
	for _, s := range tr.Stmts {
		if strings.Contains(s.Query, "FROM report_stats") {
			statsReads++
		}
	}
	return bodies, statsReads
}

// Sixteen readers who all find the trends view missing (at start, and
// again after a submission) wait for one rebuild instead of each running
// the GROUP BY over report_stats, and all see the new figures.
func TestTrendsRebuiltOnceForConcurrentReaders(t *testing.T) {
	db.EnableTracing()
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			rig := testrig.NewWith(t, kind, noPageCache)
			seed(t, rig)
			h := rig.App.Handler()
			const path = "/api/v1/statistics/trends"
			total := func(body string) string {
				var v view
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Fatal(err)
				}
				for i, c := range v.Figures.Columns {
					if c.Key == "total" {
						return row(v, "2025")[i]
					}
				}
				return ""
			}
			for round, want := range []string{"15", "22"} {
				if round == 1 {
					inTx(t, rig, func(tx *db.Tx) error {
						report(t, tx, "BRA", 2025, "public", false, stat{"gge2015-a", "strategy", "planned", 7})
						return nil
					})
				}
				bodies, reads := wave(t, h, path, 16)
				if reads != 1 {
					t.Errorf("round %d: report_stats read %d times by 16 concurrent requests, want 1", round, reads)
				}
				for _, b := range bodies {
					if got := total(b); got != want {
						t.Fatalf("round %d: 2025 total %s, want %s", round, got, want)
					}
				}
			}
		})
	}
}

// BenchmarkTrendsAfterWrite: a write that changes the fingerprint, then
// 16 clients at once on /monitoring/trends, ten years of reports from
// every State. rebuilds/op is how many of them ran the statistics query.
func BenchmarkTrendsAfterWrite(b *testing.B) {
	db.EnableTracing()
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewWith(b, kind, noPageCache)
		tenYears(b, rig)
		h := rig.App.Handler()
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			reads := 0
			cpu := testrig.CPUTime()
			for b.Loop() {
				// Flip one version's published flag: the fingerprint changes.
				inTx(b, rig, func(tx *db.Tx) error {
					_, err := tx.ExecContext(rig.Ctx, `UPDATE report_versions SET published = NOT published WHERE report_id = (SELECT MIN(report_id) FROM report_versions)`)
					return err
				})
				_, n := wave(b, h, "/monitoring/trends", 16)
				reads += n
			}
			b.ReportMetric(float64(reads)/float64(b.N), "rebuilds/op")
			b.ReportMetric(float64(testrig.CPUTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkTrendsKept: /monitoring/trends with its view built, from
// parallel clients (b.RunParallel), page cache off.
func BenchmarkTrendsKept(b *testing.B) {
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewWith(b, kind, noPageCache)
		tenYears(b, rig)
		h := rig.App.Handler()
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			cpu := testrig.CPUTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, httptest.NewRequest("GET", "/monitoring/trends", nil))
					if rec.Code != http.StatusOK {
						b.Errorf("status %d", rec.Code)
						return
					}
				}
			})
			b.ReportMetric(float64(testrig.CPUTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
