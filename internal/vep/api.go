package vep

import (
	"context"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

const apiBase = "/api/v1/vep"

func (m *Module) apiRoutes(r *web.Router) {
	tag := "vep"
	piso := []api.Param{{Name: "iso3", In: "path", Required: true, Description: "the State's ISO 3166-1 alpha-3 code"}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/policies", Summary: "Every State's published VEP policy in force", Tag: tag, Response: api.List[PolicyRecord]{}}, web.Public, m.apiPolicies)
	r.API(api.Op{Method: "GET", Path: apiBase + "/policies/{iso3}", Summary: "A State's published VEP policy in force", Tag: tag, Params: piso, Response: PolicyRecord{}}, web.Public, m.apiPolicy)
	r.API(api.Op{Method: "GET", Path: apiBase + "/policies/{iso3}/draft", Summary: "Your draft of a State's policy (the State's staff its own; the secretariat its entry from the public source)", Tag: tag, Params: piso, Response: PolicyRecord{}}, policyEditors, m.apiDraft)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/policies/{iso3}/draft", Summary: "Save your draft of a State's policy", Tag: tag, Params: piso, Request: Policy{}, Response: PolicyRecord{}}, policyEditors, m.apiSaveDraft)
	r.API(api.Op{Method: "POST", Path: apiBase + "/policies/{iso3}/publish", Summary: "Publish the draft as the State's policy in force (the State's approver; the secretariat its own entry, not over the State's)", Tag: tag, Params: piso, Response: PolicyRecord{}}, policyPublishers, m.apiPublish)
	r.API(api.Op{Method: "GET", Path: apiBase + "/scorecards", Summary: "Every State's scorecard against the recommendations (unknown throughout without a published policy)", Tag: tag,
		Params: []api.Param{{Name: "recorded", In: "query", Schema: "boolean", Description: "only States with a published policy"}}, Response: api.List[Scorecard]{}}, web.Public, m.apiScorecards)
	r.API(api.Op{Method: "GET", Path: apiBase + "/scorecards/{iso3}", Summary: "A State's scorecard", Tag: tag, Params: piso, Response: Scorecard{}}, web.Public, m.apiScorecard)
}

func (m *Module) apiPolicies(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Policies(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[PolicyRecord]{Items: list})
}

func (m *Module) apiPolicy(w http.ResponseWriter, r *http.Request) {
	rec, err := m.svc.Published(r.Context(), r.PathValue("iso3"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rec)
}

func (m *Module) apiDraft(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "private, no-store")
	rec, err := m.svc.Draft(r.Context(), r.PathValue("iso3"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rec)
}

func (m *Module) apiSaveDraft(w http.ResponseWriter, r *http.Request) {
	var p Policy
	if err := api.Decode(w, r, &p, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	rec, err := m.svc.SaveDraft(r.Context(), r.PathValue("iso3"), p)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rec)
}

func (m *Module) apiPublish(w http.ResponseWriter, r *http.Request) {
	rec, err := m.svc.Publish(r.Context(), r.PathValue("iso3"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rec)
}

func (m *Module) apiScorecards(w http.ResponseWriter, r *http.Request) {
	recorded := false
	switch v := r.URL.Query().Get("recorded"); v {
	case "", "false", "0":
	case "true", "1":
		recorded = true
	default:
		api.WriteError(w, api.Invalid("recorded", "must be true or false"))
		return
	}
	a, err := m.scorecards.Get(r.Context(), m.svc.DB, recorded, func(ctx context.Context) (api.Encoded, error) {
		list, err := m.svc.Scorecards(ctx, recorded)
		if err != nil {
			return api.Encoded{}, err
		}
		return api.Encode(api.List[Scorecard]{Items: list})
	})
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	a.Write(w, r)
}

func (m *Module) apiScorecard(w http.ResponseWriter, r *http.Request) {
	sc, err := m.svc.Scorecard(r.Context(), r.PathValue("iso3"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, sc)
}
