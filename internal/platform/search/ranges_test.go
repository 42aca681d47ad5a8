package search_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// TestWalkAcrossIDRanges checks the newest-first walk where PostgreSQL goes
// through id ranges (the first covers the newest 24,576 ids): matches
// spread over more ids than one range, sparse and dense, must still be
// found newest first, counted, and cut at the window, as on SQLite; and the
// same once the statistics (ANALYZE) size the first range (firstWidth).
func TestWalkAcrossIDRanges(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 60,000 documents")
	}
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 60_000
		docs := make([]search.Document, 0, n)
		for i := 0; i < n; i++ {
			body := "filler text"
			switch {
			case i%50 == 0: // 1,200 sparse matches over every range
				body = "sparse marker"
			case i < 300: // 300 old matches only, far from the newest
				body = "ancient marker"
			}
			if i%7 == 0 && i >= n-40_000 {
				body += " lattice"
			}
			docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprint(i), Title: "t", Body: body, Year: 2020})
		}
		err := d.InTx(ctx, func(tx *db.Tx) error { return search.IndexNew(ctx, tx, docs) })
		if err != nil {
			t.Fatal(err)
		}
		for _, stats := range []bool{false, true} {
			if stats {
				if err := search.Optimize(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			t.Run(fmt.Sprint("statistics=", stats), func(t *testing.T) { checkWalk(t, d) })
		}
	})
}

func checkWalk(t *testing.T, d *db.DB) {
	ctx := context.Background()
	const n = 60_000
	for _, c := range []struct {
		q     search.Query
		total int
		more  bool
	}{
		{search.Query{Text: "sparse"}, search.MaxCount, true},  // 1,200 matches: 500 newest
		{search.Query{Text: "ancient"}, 294, false},            // only in the oldest ids (i < 300, not i%50)
		{search.Query{Text: "sparse lattice"}, 114, false},     // i%350 == 0 over the newest 40,000
		{search.Query{Text: "lattice", Year: 2020}, 500, true}, // dense
		{search.Query{Text: "sparse", Year: 2020}, 500, true},  // sparse, with a facet
		{search.Query{Text: "marker filler"}, 0, false},        // common words never together
		{search.Query{Text: "ancient", Year: 2021}, 0, false},  // nothing
	} {
		res, err := search.Run(ctx, d, c.q)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if res.Total != c.total || res.More != c.more {
			t.Errorf("%q year %d: total %d more %v, want %d %v", c.q.Text, c.q.Year, res.Total, res.More, c.total, c.more)
		}
	}
	// The window is the newest 500 of the 1,200 sparse matches: i ≥ 35,000.
	for off := 0; off < search.MaxCount; off += search.MaxLimit {
		res, err := search.Run(ctx, d, search.Query{Text: "sparse", Limit: search.MaxLimit, Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if i, _ := strconv.Atoi(h.Ref); i < n-search.RankWindow*50 {
				t.Fatalf("hit %s is older than the window", h.Ref)
			}
		}
	}
}

// TestWalkInBands checks the walk by id bands (PostgreSQL; migration
// 0306): four words each in half the documents and all four together in
// one in fifty, spread over every band, are found and counted as through
// the ids, and the statements name the bands.
func TestWalkInBands(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 60,000 documents")
	}
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		const n = 60_000
		docs := make([]search.Document, 0, n)
		together := 0
		for i := 0; i < n; i++ {
			// Each word in half the documents, never side by side;
			// the four together in every fiftieth.
			words := []string{"filler", "alpha", "filler", "beta", "filler", "gamma", "filler", "delta"}
			if i%50 == 0 {
				together++
			} else {
				missing := [][2]int{{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}[i%6]
				words[2*missing[0]+1], words[2*missing[1]+1] = "other", "other"
			}
			docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprint(i), Title: "t", Body: strings.Join(words, " "), Year: 2020})
		}
		err := d.InTx(ctx, func(tx *db.Tx) error { return search.IndexNew(ctx, tx, docs) })
		if err != nil {
			t.Fatal(err)
		}
		if err := search.Optimize(ctx, d); err != nil {
			t.Fatal(err)
		}
		db.EnableTracing()
		var tr db.Trace
		res, err := search.Run(db.WithTrace(ctx, &tr), d, search.Query{Text: "alpha beta gamma delta", Limit: search.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != min(together, search.MaxCount) || res.More != (together > search.MaxCount) {
			t.Errorf("total %d more %v, want %d of %d", res.Total, res.More, min(together, search.MaxCount), together)
		}
		for _, h := range res.Hits {
			if i, _ := strconv.Atoi(h.Ref); i%50 != 0 {
				t.Errorf("hit %s does not hold the four words", h.Ref)
			}
		}
		if d.Dialect != db.Postgres {
			return
		}
		banded := false
		for _, s := range tr.Stmts {
			banded = banded || strings.Contains(s.Query, "search_band(d.id) && '{")
		}
		if !banded {
			t.Error("no statement named the id bands")
		}
	})
}
