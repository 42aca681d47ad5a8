package contacts

import (
	"context"
	"math/rand/v2"
	"net/http"
)

// RoundSummary is a round as the public sees it.
type RoundSummary struct{}

// StateResult is a State's result in one round.
type StateResult struct{}

// Request is a request for assistance.
type Request struct{}

// RequestStats are the public statistics of requests.
type RequestStats struct{}

func (m *Module) indexExtras(r *http.Request, d *indexData) error { return nil }
func (m *Module) stateExtras(r *http.Request, d *stateData) error { return nil }

func generateActivity(ctx context.Context, s *Service, rng *rand.Rand, progress func(string)) error {
	return nil
}
