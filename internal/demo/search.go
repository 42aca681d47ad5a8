package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
)

// IndexSearch runs the compendium's search sync once, as the server's
// periodic job would within a minute of starting, so that the demo data is
// searchable as soon as the server starts (the load test serves it with no
// job workers, to measure pages alone).
func IndexSearch(ctx context.Context, svc *platform.Services, _ *rand.Rand, _ int, progress func(string)) error {
	s := &compendium.Service{P: svc, FW: &framework.Store{DB: svc.DB}}
	res, err := s.SyncSearchBulk(ctx)
	if err != nil {
		return fmt.Errorf("index published measures: %w", err)
	}
	progress(fmt.Sprintf("%d published reports, %d measures indexed", res.Reports, res.Measures))
	return nil
}
