package search_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// bulkCorpus is the test corpus plus enough generated measures to fill
// several prepared statements and a remainder.
func bulkCorpus() []search.Document {
	docs := append([]search.Document{}, corpus...)
	for i := range 457 {
		docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprintf("g%d", i), Title: fmt.Sprintf("Generated measure %d", i),
			Body: "Routine exercises for operators of essential services, number " + fmt.Sprint(i%7), Norms: []string{"gge2015-g"},
			Type: "practice", Status: "implemented", Region: "weog", State: "EST", Year: 2020 + i%5, Parent: fmt.Sprintf("rep%d", i%9)})
	}
	return docs
}

// TestIndexBulkFindsWhatIndexNewFinds loads the same documents through
// IndexNew into one database and IndexBulk into another and runs the same
// queries on both: the answers must not differ. Afterwards the ordinary
// paths (Index, Remove) still keep the full-text index in step.
func TestIndexBulkFindsWhatIndexNewFinds(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			plain, bulk := openDB(t, kind), openDB(t, kind)
			docs := bulkCorpus()
			if err := plain.InTx(ctx, func(tx *db.Tx) error { return search.IndexNew(ctx, tx, docs) }); err != nil {
				t.Fatal(err)
			}
			// Two bulk transactions, the second onto a non-empty index.
			if err := bulk.InTx(ctx, func(tx *db.Tx) error { return search.IndexBulk(ctx, tx, docs[:300]) }); err != nil {
				t.Fatal(err)
			}
			if err := bulk.InTx(ctx, func(tx *db.Tx) error { return search.IndexBulk(ctx, tx, docs[300:]) }); err != nil {
				t.Fatal(err)
			}
			if err := search.Optimize(ctx, bulk); err != nil {
				t.Fatal(err)
			}
			queries := []search.Query{
				{Text: "supply chain"},
				{Text: "critical infrastructure", Kinds: []string{"measure"}},
				{Text: "exercises operators", Year: 2022, Limit: 100},
				{Text: "essential", Norm: "gge2015-g", State: "EST", Limit: 100},
				{Text: "generated", Limit: 100, Offset: 50},
				{State: "EST", Limit: 100},
			}
			for _, q := range queries {
				a, err := search.Run(ctx, plain, q)
				if err != nil {
					t.Fatal(err)
				}
				b, err := search.Run(ctx, bulk, q)
				if err != nil {
					t.Fatal(err)
				}
				if a.Total != b.Total || !reflect.DeepEqual(refs(a), refs(b)) {
					t.Errorf("%+v: IndexNew found %d %v, IndexBulk %d %v", q, a.Total, refs(a), b.Total, refs(b))
				}
			}
			if n, err := search.Count(ctx, bulk, "measure"); err != nil || n != len(docs)-2 {
				t.Fatalf("bulk index holds %d measures (%v), want %d", n, err, len(docs)-2)
			}
			if kind != "sqlite" {
				return
			}
			// The row trigger is back: a document added the ordinary way is
			// found, one removed is gone.
			err := bulk.InTx(ctx, func(tx *db.Tx) error {
				if err := search.Index(ctx, tx, search.Document{Kind: "measure", Ref: "late", Title: "Quokka observatory"}); err != nil {
					return err
				}
				return search.Remove(ctx, tx, "measure", "g3")
			})
			if err != nil {
				t.Fatal(err)
			}
			if r, _ := search.Run(ctx, bulk, search.Query{Text: "quokka"}); r.Total != 1 {
				t.Errorf("a document indexed after the bulk load is not found: %+v", r)
			}
			if r, _ := search.Run(ctx, bulk, search.Query{Text: "generated 3"}); len(r.Hits) > 0 && contains(refs(r), "g3") {
				t.Errorf("a removed document is still found")
			}
			var hash string
			if err := bulk.QueryRowContext(ctx, `SELECT v FROM search_fts_config WHERE k = 'hashsize'`).Scan(&hash); err != nil || hash != "1048576" {
				t.Errorf("hashsize after the bulk load: %q (%v), want FTS5's default 1048576", hash, err)
			}
			if _, err := bulk.ExecContext(ctx, `INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
				t.Errorf("integrity check of the full-text index: %v", err)
			}
		})
	}
}

// TestIndexBulkRollsBackWhole checks that a bulk load in a transaction
// that fails leaves neither documents nor a missing trigger behind.
func TestIndexBulkRollsBackWhole(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			d := openDB(t, kind)
			err := d.InTx(ctx, func(tx *db.Tx) error {
				if err := search.IndexBulk(ctx, tx, bulkCorpus()); err != nil {
					return err
				}
				return fmt.Errorf("later failure")
			})
			if err == nil {
				t.Fatal("the failing transaction committed")
			}
			if n, _ := search.Count(ctx, d, "measure"); n != 0 {
				t.Fatalf("%d measures left after a rollback", n)
			}
			load(t, d, corpus[:1])
			if r, _ := search.Run(ctx, d, search.Query{Text: "supply"}); r.Total != 1 {
				t.Errorf("after a rolled-back bulk load the ordinary path does not index: %+v", r)
			}
		})
	}
}

// TestIndexBulkRefusesDocumentsWithoutIdentity mirrors IndexNew.
func TestIndexBulkRefusesDocumentsWithoutIdentity(t *testing.T) {
	d := openDB(t, "sqlite")
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		return search.IndexBulk(ctx, tx, []search.Document{{Kind: "measure", Title: "no ref"}})
	})
	if err == nil {
		t.Fatal("a document without a ref was accepted")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
