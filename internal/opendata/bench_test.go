package opendata_test

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// BenchmarkRelease builds open-data releases from the whole demo
// (`cybernorms demo` at CYBERNORMS_BENCH_SCALE, default 1, on
// CYBERNORMS_BENCH_DB, sqlite or postgres, only the steps named in
// CYBERNORMS_BENCH_STEPS when set; or the SQLite database of the
// data folder CYBERNORMS_BENCH_DATA, filled beforehand by `cybernorms demo`)
// beside a bare baseline, the writers taking turns in each round:
//
//   - bare: the datasets' own queries, every column written to CSV as the
//     driver returns it, no conversion (the datasets computed in Go have no
//     query and are left out);
//   - datasets: the same datasets through their CSV writer (WriteCSVRows),
//     so that datasets/bare compares the same rows;
//   - all-datasets: every dataset's CSV writer;
//   - release: CreateRelease, every dataset into the zip, compared with the
//     previous release and stored.
//
// Each reports its MB/s of CSV, the most heap it added above its start
// (testrig.HeapAdded) and its rate over bare's. Run with
//
//	CYBERNORMS_BENCH_SCALE=1 go test ./internal/opendata -run X -bench BenchmarkRelease -benchtime=3x
//	CYBERNORMS_BENCH_SCALE=10 CYBERNORMS_BENCH_STEPS=platform,reporting go test ./internal/opendata -run X -bench BenchmarkRelease -benchtime=1x -timeout 60m
//	CYBERNORMS_BENCH_DATA=/tmp/s10 go test ./internal/opendata -run X -bench BenchmarkRelease -benchtime=1x
func BenchmarkRelease(b *testing.B) {
	scale, _ := strconv.Atoi(os.Getenv("CYBERNORMS_BENCH_SCALE"))
	if scale == 0 {
		scale = 1
	}
	kind := os.Getenv("CYBERNORMS_BENCH_DB")
	if kind == "" {
		kind = "sqlite"
	}
	ctx := context.Background()
	var database *db.DB
	var svc *opendata.Service
	var sets []od.Dataset
	if dir := os.Getenv("CYBERNORMS_BENCH_DATA"); dir != "" {
		// A data folder filled beforehand (`cybernorms demo --data-dir DIR
		// --scale 10` takes over an hour here), opened in place: the
		// releases made are added to it.
		cfg, err := config.Load(nil, func(k string) string {
			if k == "CYBERNORMS_DATA_DIR" {
				return dir
			}
			return ""
		}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Workers = 0
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		if database, err = app.Open(ctx, cfg, quiet); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { database.Close() })
		a, err := app.New(ctx, cfg, database, quiet)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(a.Close)
		b.Logf("the database of %s", dir)
		svc, sets = opendata.NewService(a.Services, a.OpenData), a.OpenData.All()
	} else {
		rig := testrig.NewOn(b, kind)
		start := time.Now()
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		steps := demo.Default()
		if only := os.Getenv("CYBERNORMS_BENCH_STEPS"); only != "" {
			// Some of the demo's steps: "platform,reporting" makes the
			// measures, 95% of the rows, in minutes at scale 10, where the
			// incidents alone take over an hour here.
			all, err := steps.Ordered()
			if err != nil {
				b.Fatal(err)
			}
			steps = &demo.Registry{}
			for _, st := range all {
				if slices.Contains(strings.Split(only, ","), st.Name) {
					steps.Register(st.Name, st.After, st.Run)
				}
			}
		}
		if _, err := demo.Run(ctx, rig.App.Config, quiet, demo.Options{Scale: scale, Seed: demo.DefaultSeed}, steps, io.Discard); err != nil {
			b.Fatalf("demo data at scale %d: %v", scale, err)
		}
		b.Logf("%s: demo at scale %d in %s", kind, scale, time.Since(start).Round(time.Second))
		database = rig.DB
		svc, sets = opendata.NewService(rig.App.Services, rig.App.OpenData), rig.App.OpenData.All()
	}
	var queried []od.Dataset
	for _, d := range sets {
		if d.Source == nil {
			queried = append(queried, d)
		}
	}

	writeSets := func(list []od.Dataset) func() (int64, error) {
		return func() (int64, error) {
			var n int64
			err := od.Snapshot(ctx, database, func(q db.Querier) error {
				for _, d := range list {
					wr, err := d.WriteCSVRows(ctx, q, io.Discard, nil)
					if err != nil {
						return err
					}
					n += wr.Bytes
				}
				return nil
			})
			return n, err
		}
	}
	bare := func() (int64, error) {
		cw := &counter{}
		w := csv.NewWriter(cw)
		w.UseCRLF = true
		err := od.Snapshot(ctx, database, func(q db.Querier) error {
			for _, d := range queried {
				if err := rawCSV(ctx, q, d, w); err != nil {
					return err
				}
			}
			return nil
		})
		w.Flush()
		return cw.n, err
	}
	zip := 0.0
	release := func() (int64, error) {
		rel, err := svc.CreateRelease(ctx, opendata.MadeBySecretariat)
		if err != nil {
			return 0, err
		}
		var n int64
		for _, f := range rel.Files {
			n += f.Bytes
		}
		zip = float64(rel.Bytes) / (1 << 20)
		return n, nil
	}
	// A first release, unmeasured, so that every measured one compares
	// with a previous release's digest (with -benchtime=1x there is one).
	if _, err := svc.CreateRelease(ctx, opendata.MadeByCLI); err != nil {
		b.Fatal(err)
	}
	// The writers take turns, in a different order each round, so that
	// what else runs on the machine weighs on all of them alike.
	b.Run("alternating", func(b *testing.B) {
		type writer struct {
			name    string
			write   func() (int64, error)
			bytes   int64
			elapsed time.Duration
			heap    float64
		}
		ws := []*writer{{name: "bare", write: bare}, {name: "datasets", write: writeSets(queried)}, {name: "all-datasets", write: writeSets(sets)}, {name: "release", write: release}}
		b.ResetTimer()
		for i := range b.N {
			for j := range ws {
				w := ws[(i+j)%len(ws)]
				var n int64
				var err error
				t0 := time.Now()
				heap := testrig.HeapAdded(func() { n, err = w.write() })
				w.elapsed += time.Since(t0)
				if err != nil {
					b.Fatalf("%s: %v", w.name, err)
				}
				w.bytes += n
				w.heap = max(w.heap, heap)
			}
		}
		b.StopTimer()
		rate := func(w *writer) float64 { return float64(w.bytes) / (1 << 20) / w.elapsed.Seconds() }
		for _, w := range ws {
			b.ReportMetric(rate(w), w.name+"-MB/s")
			b.ReportMetric(w.heap, w.name+"-MB-heap-added")
			if w.name != "bare" {
				b.ReportMetric(rate(w)/rate(ws[0]), w.name+"/bare")
			}
		}
		b.ReportMetric(zip, "release-MB-zip")
		b.ReportMetric(float64(ws[2].bytes)/float64(b.N)/(1<<20), "MB-csv")
	})
}

// rawCSV writes a dataset's query's rows to w as the driver returns them.
func rawCSV(ctx context.Context, q db.Querier, d od.Dataset, w *csv.Writer) error {
	args := d.Args
	if d.Params != nil {
		args = d.Params(time.Now().UTC())
	}
	rows, err := q.QueryContext(ctx, d.Query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	cells := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range raw {
			cells[i] = string(v)
		}
		if err := w.Write(cells); err != nil {
			return err
		}
	}
	return rows.Err()
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
