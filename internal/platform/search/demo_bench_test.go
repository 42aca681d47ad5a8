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
	per := make([][]time.Duration, len(demoQueries))
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := demoQueries[i%len(demoQueries)]
		t0 := time.Now()
		if _, err := search.Run(ctx, d, q); err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0)
		lat = append(lat, el)
		per[i%len(demoQueries)] = append(per[i%len(demoQueries)], el)
	}
	b.StopTimer()
	for i, l := range per {
		if len(l) > 0 {
			sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
			b.Logf("%-28q norm=%q year=%d: median %v, max %v", demoQueries[i].Text, demoQueries[i].Norm, demoQueries[i].Year, l[len(l)/2].Round(time.Microsecond), l[len(l)-1].Round(time.Microsecond))
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}
