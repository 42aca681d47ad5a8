package search_test

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// demoQueries are the load test's slowest searches on the demo data, and a
// few cheap ones.
var demoQueries = []search.Query{
	{Text: "supply chain"},
	{Text: "critical infrastructure", Norm: "gge2015-h"},
	{Text: `"human rights"`},
	{Text: "vulnerability disclosure"},
	{Text: "critical infrastructure"},
	{Text: "ransomware"},
	{Text: "cyber"},
	{Text: "incident response", Year: 2022},
}

// BenchmarkDemoQueries runs demoQueries against the database named by
// CYBERNORMS_SEARCH_DEMO_URL (a database filled by `cybernorms demo`, either
// dialect) and logs each query's median; skipped without it.
func BenchmarkDemoQueries(b *testing.B) {
	url := os.Getenv("CYBERNORMS_SEARCH_DEMO_URL")
	if url == "" {
		b.Skip("CYBERNORMS_SEARCH_DEMO_URL not set")
	}
	ctx := context.Background()
	d, err := db.Open(ctx, url, db.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.SQL.Close()
	timeQueries(b, d, demoQueries)
}

// timeQueries runs the queries in turn b.N times, logs each one's median
// and slowest, and reports the p95 of all as p95-ms.
func timeQueries(b *testing.B, d *db.DB, queries []search.Query) {
	ctx := context.Background()
	per := make([][]time.Duration, len(queries))
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := search.Run(ctx, d, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0)
		lat = append(lat, el)
		per[i%len(queries)] = append(per[i%len(queries)], el)
	}
	b.StopTimer()
	for i, l := range per {
		if len(l) > 0 {
			sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
			b.Logf("%-40q norm=%q year=%d: median %v, max %v", queries[i].Text, queries[i].Norm, queries[i].Year, l[len(l)/2].Round(time.Microsecond), l[len(l)-1].Round(time.Microsecond))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
