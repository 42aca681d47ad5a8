package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// benchPages are the public pages and API lists measured, each against a
// bare net/http handler that writes the same bytes: the ceiling for that
// page on this machine. docs/performance.md reports app/bare.
var benchPages = []struct{ name, path string }{
	{"home", "/"},
	{"norms", "/norms"},
	{"norm", "/norms/gge2015-h"},
	{"norm-fr", "/norms/gge2015-h?lang=fr"},
	{"states", "/states"},
	{"state", "/states/KEN"},
	{"api-states", "/api/v1/states"},
	{"api-norms", "/api/v1/norms"},
	{"api-norm", "/api/v1/norms/gge2015-h"},
	{"map", "/monitoring/map?norm=gge2015-c"},
	{"trends", "/monitoring/trends"},
	{"compendium-search", "/compendium/search?q=incident+response"},
	{"api-reports", "/api/v1/reports"},
}

// capture fetches a page once and returns its body and content type.
func capture(b *testing.B, h http.Handler, path string) ([]byte, string) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: status %d", path, rec.Code)
	}
	body, _ := io.ReadAll(rec.Result().Body)
	return body, rec.Header().Get("Content-Type")
}

// serve runs GET path through h b.N times in one goroutine, so ns/op is
// the cost of one request on one core.
func serve(b *testing.B, h http.Handler, path string) {
	b.ReportAllocs()
	var n int
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d", path, rec.Code)
		}
		n = rec.Body.Len()
	}
	b.SetBytes(int64(n))
}

// BenchmarkPages measures each page through the whole app (middleware,
// router, access rule, database, template) and through a bare handler that
// serves the same bytes. Run with:
//
//	go test -run '^$' -bench BenchmarkPages ./internal/app/
func BenchmarkPages(b *testing.B) {
	rig := testrig.New(b)
	withDemoData(b, rig)
	h := rig.App.Handler()
	for _, p := range benchPages {
		body, ct := capture(b, h, p.path)
		bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		})
		b.Run(p.name+"/app", func(b *testing.B) { serve(b, h, p.path) })
		b.Run(p.name+"/bare", func(b *testing.B) { serve(b, bare, p.path) })
	}
}

// withDemoData fills the rig's database with demo data at the scale in
// CYBERNORMS_BENCH_DEMO_SCALE (none when unset), so that the page figures
// can be compared at scale 1 and scale 10: a public page whose cost grows
// with the rows in the database is a defect.
func withDemoData(b *testing.B, rig *testrig.Rig) {
	b.Helper()
	v := os.Getenv("CYBERNORMS_BENCH_DEMO_SCALE")
	if v == "" {
		return
	}
	scale, err := strconv.Atoi(v)
	if err != nil {
		b.Fatalf("CYBERNORMS_BENCH_DEMO_SCALE: %v", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := demo.Run(context.Background(), rig.App.Config, quiet, demo.Options{Scale: scale, Seed: demo.DefaultSeed}, demo.Default(), io.Discard); err != nil {
		b.Fatalf("demo data at scale %d: %v", scale, err)
	}
}

// BenchmarkPagesParallel is BenchmarkPages with every core busy, over real
// loopback connections: the throughput the load test sees, without its
// client in another process.
func BenchmarkPagesParallel(b *testing.B) {
	rig := testrig.New(b)
	h := rig.App.Handler()
	for _, page := range []struct{ name, path string }{{"norms", "/norms"}, {"api-states", "/api/v1/states"}} {
		p := page.path
		body, ct := capture(b, h, p)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(body)
		}))
		b.Cleanup(bare.Close)
		for _, target := range []struct{ name, base string }{{"app", rig.URL}, {"bare", bare.URL}} {
			b.Run(page.name+"/"+target.name, func(b *testing.B) {
				b.ReportAllocs()
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						resp, err := client.Get(target.base + p)
						if err != nil {
							b.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusOK {
							b.Errorf("GET %s: %d", p, resp.StatusCode)
							return
						}
					}
				})
			})
		}
	}
}
