package contacts

import (
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

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
