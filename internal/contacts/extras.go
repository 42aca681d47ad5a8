package contacts

import (
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func (m *Module) indexExtras(r *http.Request, d *indexData) error {
	// Only the four newest are shown: only they are summarised.
	list, err := m.svc.latestRounds(r.Context(), 4)
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
