package incidents_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// benchRig fills a database with GenerateDemo at CYBERNORMS_BENCH_SCALE
// (default 1: 2,000 incidents) on CYBERNORMS_BENCH_DB (sqlite or postgres).
func benchRig(b *testing.B) (*testrig.Rig, []string) {
	scale, _ := strconv.Atoi(os.Getenv("CYBERNORMS_BENCH_SCALE"))
	if scale == 0 {
		scale = 1
	}
	kind := os.Getenv("CYBERNORMS_BENCH_DB")
	if kind == "" {
		kind = "sqlite"
	}
	rig := testrig.NewOn(b, kind)
	rig.User(b, auth.RoleStakeholder, "")
	start := time.Now()
	if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(7, 7)), scale, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: demo of %d incidents in %s", kind, scale*incidents.DemoIncidentsPerScale, time.Since(start).Round(time.Millisecond))
	rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT id FROM incidents WHERE status = 'published'`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	return rig, ids
}

// timed runs fn b.N times and reports the median and p95 in milliseconds.
func timed(b *testing.B, fn func(i int)) {
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		t := time.Now()
		fn(i)
		d = append(d, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "ms-p95")
}

// BenchmarkIncidents: an incident page and the filtered list over HTTP,
// uncached (a different address each time, which the page cache cannot
// have), and the dataset export's throughput and memory beside writing the
// same rows straight from the database.
func BenchmarkIncidents(b *testing.B) {
	rig, ids := benchRig(b)
	c := rig.Anonymous(b)
	svc := incidents.NewService(rig.App.Services)
	b.Run("incident-page", func(b *testing.B) {
		timed(b, func(i int) {
			resp := c.Get(b, fmt.Sprintf("/incidents/%s?n=%d", ids[i%len(ids)], i))
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		})
	})
	filters := []string{"type=espionage&named=RUS", "norm=gge2015-f&year=2016", "attributor=FRA", "sector=ci-energy&named=CHN", "receiver=UKR", "actor=G0007"}
	b.Run("filtered-list", func(b *testing.B) {
		timed(b, func(i int) {
			resp := c.Get(b, fmt.Sprintf("/incidents?%s&n=%d", filters[i%len(filters)], i))
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		})
	})
	// Each filter alone, to see which one costs what.
	for _, f := range filters {
		b.Run("filtered-list/"+f, func(b *testing.B) {
			timed(b, func(i int) {
				resp := c.Get(b, fmt.Sprintf("/incidents?%s&n=%d", f, i))
				_, _ = io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			})
		})
	}
	export := func(b *testing.B, name string, write func(io.Writer) error) {
		b.Run(name, func(b *testing.B) {
			var n int64
			added := testrig.HeapAdded(func() {
				b.ResetTimer()
				for range b.N {
					cw := &countWriter{}
					if err := write(cw); err != nil {
						b.Fatal(err)
					}
					n = cw.n
				}
				b.StopTimer()
			})
			b.SetBytes(n)
			b.ReportMetric(added, "MB-heap-added")
		})
	}
	export(b, "export-incidents-csv", func(w io.Writer) error { return svc.WriteIncidentsCSV(rig.Ctx, w) })
	export(b, "export-json", func(w io.Writer) error { return svc.WriteJSON(rig.Ctx, w) })
	export(b, "straight-from-db-csv", func(w io.Writer) error {
		rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT id, name, summary, start_date, end_date, type, receivers, initiators, techniques, zero_day, impact, sources,
			attributor_states, named_states, norms, published_at, updated_at FROM incidents WHERE status = 'published' ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		cw := csv.NewWriter(w)
		vals := make([]any, 17)
		strs := make([]string, 17)
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			for i, v := range vals {
				strs[i] = fmt.Sprint(*(v.(*any)))
			}
			if err := cw.Write(strs); err != nil {
				return err
			}
		}
		cw.Flush()
		return rows.Err()
	})
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// proposalsRig is the demo at scale 0 (60 incidents) from four
// organisations' members with 200 proposals in review, made the demo's
// way: what the demo holds at scale 10 and as many as
// /incidents/proposals lists.
func proposalsRig(b *testing.B) *testrig.Rig {
	rig := testrig.New(b)
	for range 4 {
		rig.User(b, auth.RoleStakeholder, "")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	if err := incidents.GenerateDemo(rig.Ctx, rig.App.Services, rng, 0, nil); err != nil {
		b.Fatal(err)
	}
	if err := incidents.DemoProposals(rig.Ctx, rig.App.Services, rng, 1000, 195); err != nil {
		b.Fatal(err)
	}
	return rig
}

// BenchmarkProposalsPage serves /incidents/proposals to the secretariat,
// 200 proposals in review, through the whole handler stack.
func BenchmarkProposalsPage(b *testing.B) {
	rig := proposalsRig(b)
	token := rig.Token(b, rig.User(b, auth.RoleSecretariat, ""))
	testrig.BenchGet(b, rig.App.Handler(), "/incidents/proposals", token)
}
