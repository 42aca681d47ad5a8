package contacts

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Request is a request for assistance.
type Request struct{}

// RequestStats are the public statistics of requests.
type RequestStats struct{}

func (m *Module) indexExtras(r *http.Request, d *indexData) error {
	list, err := m.svc.Rounds(r.Context())
	if len(list) > 4 {
		list = list[:4]
	}
	d.Rounds = list
	return err
}

func (m *Module) stateExtras(r *http.Request, d *stateData) error {
	var err error
	d.History, err = m.svc.StateHistory(r.Context(), d.Coverage.State, web.Lang(r))
	for _, h := range d.History {
		if h.Outcome == OutcomeInTime {
			d.InTime++
		}
	}
	return err
}

func (s *Service) tickRequests(ctx context.Context, at time.Time) error { return nil }

func generateRequests(ctx context.Context, s *Service, rng *rand.Rand, progress func(string)) error {
	return nil
}
