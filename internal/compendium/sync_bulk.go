package compendium

import (
	"context"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
)

// SyncSearchBulk is SyncSearch for an index far behind the published
// reports — a first sync of a database full of reports, such as the demo
// data's 1,300 published reports and 300,000 measures. It writes the
// measures of bulkReportsPerTx reports per transaction with
// search.IndexBulk, which feeds the full-text index once per transaction
// instead of once per statement, then merges the index, refreshes the good
// practices of the States whose reports changed, and finishes with
// SyncSearch for whatever is left (reports no longer public, anything
// published meanwhile). The result is the same index SyncSearch makes, in
// about a third of the time; each transaction holds the write lock for a
// few seconds, so it suits a first sync or a maintenance window better
// than the periodic job.
//
// progress, if not nil, is told after each transaction how far it got and
// where the time went.
func (s *Service) SyncSearchBulk(ctx context.Context, progress func(string)) (SyncResult, error) {
	var res SyncResult
	if progress == nil {
		progress = func(string) {}
	}
	_, _, stale, err := s.indexState(ctx, "")
	if err != nil {
		return res, err
	}
	total := len(stale)
	changedStates := map[string]bool{}
	var read, write time.Duration
	for len(stale) > 0 {
		group := stale[:min(len(stale), bulkReportsPerTx)]
		stale = stale[len(group):]
		var docs []search.Document
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			docs = docs[:0]
			t0 := time.Now()
			for _, v := range group {
				d, err := s.indexReport(ctx, tx, v)
				if err != nil {
					return err
				}
				docs = append(docs, d...)
			}
			t1 := time.Now()
			read += t1.Sub(t0)
			defer func() { write += time.Since(t1) }()
			return search.IndexBulk(ctx, tx, docs)
		})
		if err != nil {
			return res, fmt.Errorf("compendium: bulk sync: %w", err)
		}
		res.Measures += len(docs)
		for _, v := range group {
			res.Reports++
			changedStates[v.state] = true
		}
		progress(fmt.Sprintf("%d of %d reports, %d measures (reading %s, indexing %s)", res.Reports, total, res.Measures, read.Round(time.Millisecond), write.Round(time.Millisecond)))
	}
	if res.Reports > 0 {
		for st := range changedStates {
			if err := s.refreshPractices(ctx, st); err != nil {
				return res, err
			}
		}
		t0 := time.Now()
		if err := search.Optimize(ctx, s.P.DB); err != nil {
			return res, err
		}
		progress(fmt.Sprintf("index merged in %s", time.Since(t0).Round(time.Millisecond)))
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, "compendium.search_sync", "search_index", KindMeasure, nil, res)
		})
		if err != nil {
			return res, err
		}
	}
	rest, err := s.SyncSearch(ctx)
	res.Reports += rest.Reports
	res.Measures += rest.Measures
	res.Removed += rest.Removed
	return res, err
}

// bulkReportsPerTx is how many reports SyncSearchBulk indexes per
// transaction: about 100,000 measures at demo scale, a few seconds of
// write lock each.
const bulkReportsPerTx = 500
