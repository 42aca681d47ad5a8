package positions_test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// benchPage serves path through the app's handler uncached (a cookie other
// than the language keeps the page cache out) and reports the median, the
// p95 and the first request.
func benchPage(b *testing.B, rig *testrig.Rig, path string) {
	h := rig.App.Handler()
	serve := func() time.Duration {
		t0 := time.Now()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.AddCookie(&http.Cookie{Name: "bench", Value: "uncached"})
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		if rec.Header().Get("X-Cache") == "hit" {
			b.Fatalf("%s came from the page cache", path)
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

// BenchmarkPages fills the demo at CYBERNORMS_BENCH_SCALE (10 unless set)
// and serves a topic's page, the comparison of four States and a
// proposal's consensus view.
func BenchmarkPages(b *testing.B) {
	scale := 10
	if s, err := strconv.Atoi(os.Getenv("CYBERNORMS_BENCH_SCALE")); err == nil && s > 0 {
		scale = s
	}
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewOn(b, kind)
		t0 := time.Now()
		if err := positions.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), scale, func(s string) { b.Log(s) }); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: demo at scale %d in %s", kind, scale, time.Since(t0).Round(time.Millisecond))
		for _, p := range []struct{ name, path string }{
			{"index", "/positions"},
			{"topic", "/positions/topics/sovereignty"},
			{"topic-filtered", "/positions/topics/due-diligence?region=african&sort=state"},
			{"compare", "/positions/compare?states=FRA,DEU,EST,KEN"},
			{"consensus", "/positions/proposals/supply-chain"},
			{"consensus-json", "/api/v1/positions/proposals/supply-chain"},
		} {
			b.Run(kind+"/"+p.name, func(b *testing.B) { benchPage(b, rig, p.path) })
		}
	}
}
