package incidents

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// IncidentView is an incident with what belongs to it.
type IncidentView struct {
	Incident
	Attributions []*Attribution  `json:"attributions"`
	Responses    []*Response     `json:"responses"`
	History      []HistoryEntry  `json:"history"`
	Proposals    []*Proposal     `json:"-"`
	Level        ImpactLevel     `json:"-"`
	Groups       map[string]bool `json:"-"`
}

func (s *Service) view(ctx context.Context, u *auth.User, incidentID string) (*IncidentView, error) {
	x, err := s.Incident(ctx, u, incidentID)
	if err != nil {
		return nil, err
	}
	v := &IncidentView{Incident: *x}
	if v.Attributions, err = s.Attributions(ctx, u, x.ID); err != nil {
		return nil, err
	}
	if v.Responses, err = s.Responses(ctx, x.ID); err != nil {
		return nil, err
	}
	if v.History, err = s.History(ctx, x.ID); err != nil {
		return nil, err
	}
	if x.Impact >= 0 && x.Impact < len(Impact) {
		v.Level = Impact[x.Impact]
	}
	return v, nil
}

func filterFromQuery(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Q: q.Get("q"), Type: q.Get("type"), Sector: q.Get("sector"), Attributor: q.Get("attributor"), Named: q.Get("named"),
		Receiver: q.Get("receiver"), Norm: q.Get("norm"), Actor: q.Get("actor")}
	if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return f, invalid("year", "must be a year")
		}
		f.Year = n
	}
	return f, nil
}

func (m *Module) apiList(w http.ResponseWriter, r *http.Request) {
	f, err := filterFromQuery(r)
	if err != nil {
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", "year", "must be a year"))
		return
	}
	limit, after, err := api.PageParams(r, 50, 200)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	f.Limit, f.After = limit, after
	if f.UpdatedSince, err = api.UpdatedSince(r); err != nil {
		api.WriteError(w, err)
		return
	}
	if err := f.Validate(); err != nil {
		fe := err.(*FieldError)
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", fe.Field, "%s", fe.Reason))
		return
	}
	if f.isFirstPage() {
		// The same for every client until something is written: encoded
		// once and kept.
		body, err := m.apiFirst.Get(r.Context(), m.svc.DB, func(ctx context.Context) ([]byte, error) {
			items, next, err := m.svc.List(ctx, f)
			if err != nil {
				return nil, err
			}
			return api.EncodeJSON(api.List[*Incident]{Items: items, NextCursor: api.Cursor(next)})
		})
		if err != nil {
			m.apiFail(w, r, err)
			return
		}
		api.WriteEncoded(w, http.StatusOK, body)
		return
	}
	items, next, err := m.svc.List(r.Context(), f)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[*Incident]{Items: items, NextCursor: api.Cursor(next)})
}

func (m *Module) apiShow(w http.ResponseWriter, r *http.Request) {
	v, err := m.svc.view(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, v)
}

func (m *Module) apiCreate(w http.ResponseWriter, r *http.Request) {
	var in IncidentInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	x, err := m.svc.CreateIncident(r.Context(), user(r), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, x)
}

func (m *Module) apiUpdate(w http.ResponseWriter, r *http.Request) {
	var in IncidentInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	x, err := m.svc.UpdateIncident(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, x)
}

func (m *Module) apiPublish(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.PublishIncident(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, x)
}

func (m *Module) apiAttribute(w http.ResponseWriter, r *http.Request) {
	var in AttributionInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	a, err := m.svc.AddAttribution(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, a)
}

func (m *Module) apiRespond(w http.ResponseWriter, r *http.Request) {
	var in ResponseInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	x, err := m.svc.AddResponse(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, x)
}

func (m *Module) apiSign(w http.ResponseWriter, r *http.Request) {
	a, err := m.svc.SignAttribution(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, a)
}

func (m *Module) apiAnswer(w http.ResponseWriter, r *http.Request) {
	var in AnswerInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	a, err := m.svc.RecordAnswer(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, a)
}

func (m *Module) apiProposals(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("status")
	if st != "" && st != ProposalSubmitted && st != ProposalAccepted && st != ProposalRejected {
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", "status", "must be submitted, accepted or rejected"))
		return
	}
	limit, after, err := api.PageParams(r, 50, 200)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	ps, next, err := m.svc.Proposals(r.Context(), user(r), st, after, limit)
	if errors.Is(err, errBadCursor) {
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", "cursor", "%s", err.Error()))
		return
	}
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[*Proposal]{Items: ps, NextCursor: api.Cursor(next)})
}

func (m *Module) apiPropose(w http.ResponseWriter, r *http.Request) {
	var in ProposalInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.Propose(r.Context(), user(r), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, p)
}

func (m *Module) apiProposal(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.Proposal(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiReview(w http.ResponseWriter, r *http.Request) {
	var in ReviewInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, _, err := m.svc.ReviewProposal(r.Context(), user(r), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}
