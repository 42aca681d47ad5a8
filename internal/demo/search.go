package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// IndexSearch runs the compendium's search sync once, as the server's
// periodic job would within a minute of starting, so that the demo data is
// searchable as soon as the server starts (the load test serves it with no
// job workers, to measure pages alone). It takes the bulk path
// (compendium.Service.SyncSearchBulk): the reporting step's submissions
// queue no sync job each, this step indexes them all at once.
func IndexSearch(ctx context.Context, svc *platform.Services, _ *rand.Rand, _ int, progress func(string)) error {
	if svc.DB.Dialect == db.Postgres {
		// The reporting tables were filled a moment ago; without fresh
		// statistics PostgreSQL plans the sync's per-report reads as scans
		// of whole tables (75 s instead of 8 s at scale 1), until
		// autovacuum gets to them. An operator does the same after a
		// bulk load.
		if _, err := svc.DB.ExecContext(ctx, `ANALYZE`); err != nil {
			return fmt.Errorf("refresh planner statistics: %w", err)
		}
	}
	s := &compendium.Service{P: svc, FW: &framework.Store{DB: svc.DB}}
	res, err := s.SyncSearchBulk(ctx, progress)
	if err != nil {
		return fmt.Errorf("index published measures: %w", err)
	}
	progress(fmt.Sprintf("%d published reports, %d measures indexed", res.Reports, res.Measures))
	return nil
}
