package capacity

import (
	"context"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

const apiBase = "/api/v1/capacity"

func (m *Module) apiRoutes(r *web.Router) {
	tag := "capacity"
	pid := []api.Param{{Name: "id", In: "path", Required: true}}
	listParams := func(extra ...api.Param) []api.Param {
		return append([]api.Param{{Name: "norm", In: "query", Description: "norm id, e.g. gge2015-c"}, {Name: "topic", In: "query"}, {Name: "kind", In: "query", Description: "kind of help"},
			{Name: "region", In: "query", Description: "UN regional group, or global"}, {Name: "language", In: "query", Description: "ISO 639-1"},
			{Name: "own", In: "query", Description: "only your State's or organisation's"}, api.UpdatedSinceParam, {Name: "limit", In: "query", Schema: "integer"}, {Name: "cursor", In: "query"}}, extra...)
	}
	r.API(api.Op{Method: "GET", Path: apiBase + "/needs", Summary: "Needs you may see (public ones to everyone; others by their visibility)", Tag: tag,
		Params:   listParams(api.Param{Name: "state", In: "query", Description: "ISO3"}, api.Param{Name: "status", In: "query"}, api.Param{Name: "report", In: "query", Description: "report id the need answers a gap of"}),
		Response: api.List[Need]{}}, web.Public, m.apiNeeds)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs", Summary: "Draft a need for your State", Tag: tag, Request: NeedInput{}, Response: Need{}, Status: http.StatusCreated}, web.StateStaff, m.apiCreateNeed)
	r.API(api.Op{Method: "GET", Path: apiBase + "/needs/{id}", Summary: "One need", Tag: tag, Params: pid, Response: Need{}}, web.Public, m.apiNeed)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/needs/{id}", Summary: "Change your State's need", Tag: tag, Params: pid, Request: NeedInput{}, Response: Need{}}, web.StateStaff, m.apiUpdateNeed)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs/{id}/publish", Summary: "Publish your State's draft need (approvers)", Tag: tag, Params: pid, Response: Need{}}, web.StateApprover, m.apiPublishNeed)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs/{id}/close", Summary: "Close your State's need (approvers)", Tag: tag, Params: pid, Response: Need{}}, web.StateApprover, m.apiCloseNeed)
	r.API(api.Op{Method: "GET", Path: apiBase + "/needs/{id}/suggestions", Summary: "Offers proposed for a need, best first, with the score and its reasons", Tag: tag, Params: pid, Response: api.List[Suggestion]{}}, web.Public, m.apiSuggestOffers)
	r.API(api.Op{Method: "GET", Path: apiBase + "/needs/{id}/matches", Summary: "A need's invitations and expressions of interest (to its State, the secretariat and the offerers concerned)", Tag: tag, Params: pid, Response: api.List[MatchView]{}}, web.Public, m.apiNeedMatches)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs/{id}/invitations", Summary: "Invite an offer for your State's need", Tag: tag, Params: pid, Request: EngageInput{Offer: "01J…", Message: "…"}, Response: Engagement{}, Status: http.StatusCreated}, web.StateStaff, m.apiInvite)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs/{id}/interest", Summary: "Express your offer's interest in a need", Tag: tag, Params: pid, Request: EngageInput{Offer: "01J…", Message: "…"}, Response: Engagement{}, Status: http.StatusCreated}, stateOrOrg, m.apiInterest)
	r.API(api.Op{Method: "POST", Path: apiBase + "/matches/{id}/response", Summary: "Accept or decline an invitation (the offerer) or an expression of interest (the requesting State's approver); acceptance starts a project", Tag: tag, Params: pid, Request: RespondInput{Accept: true}, Response: Engagement{}}, stateOrOrg, m.apiRespond)
	r.API(api.Op{Method: "GET", Path: apiBase + "/offers", Summary: "Published offers (with own=1, your own in every status)", Tag: tag, Params: listParams(api.Param{Name: "cost", In: "query"}), Response: api.List[Offer]{}}, web.Public, m.apiOffers)
	r.API(api.Op{Method: "POST", Path: apiBase + "/offers", Summary: "Record an offer of your State or organisation (publish: true publishes it at once)", Tag: tag, Request: OfferInput{}, Response: Offer{}, Status: http.StatusCreated}, stateOrOrg, m.apiCreateOffer)
	r.API(api.Op{Method: "GET", Path: apiBase + "/offers/{id}", Summary: "One offer", Tag: tag, Params: pid, Response: Offer{}}, web.Public, m.apiOffer)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/offers/{id}", Summary: "Change your offer", Tag: tag, Params: pid, Request: OfferInput{}, Response: Offer{}}, stateOrOrg, m.apiUpdateOffer)
	r.API(api.Op{Method: "POST", Path: apiBase + "/offers/{id}/publish", Summary: "Publish your draft offer", Tag: tag, Params: pid, Response: Offer{}}, web.Roles(auth.RoleStateApprover, auth.RoleStakeholder), m.apiPublishOffer)
	r.API(api.Op{Method: "POST", Path: apiBase + "/offers/{id}/withdraw", Summary: "Withdraw your offer", Tag: tag, Params: pid, Response: Offer{}}, stateOrOrg, m.apiWithdrawOffer)
	r.API(api.Op{Method: "GET", Path: apiBase + "/offers/{id}/suggestions", Summary: "Needs (that you may see) proposed for an offer, best first, with reasons", Tag: tag, Params: pid, Response: api.List[Suggestion]{}}, web.Public, m.apiSuggestNeeds)
}

func (m *Module) apiNeeds(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 50, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	f, err := needFilterFrom(r.URL.Query())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if f.UpdatedSince, err = api.UpdatedSince(r); err != nil {
		api.WriteError(w, err)
		return
	}
	f.Limit, f.After = limit, after
	needs := func(ctx context.Context) (api.List[Need], error) {
		list, err := m.svc.Needs(ctx, f)
		out := api.List[Need]{Items: list}
		if len(list) == limit {
			out.NextCursor = api.Cursor(list[len(list)-1].ID)
		}
		return out, err
	}
	if f == (NeedFilter{Limit: 50}) && auth.UserFrom(r.Context()) == nil {
		m.writeKept(w, r, &m.publicNeeds, func(ctx context.Context) (any, error) { return needs(ctx) })
		return
	}
	out, err := needs(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, out)
}

// writeKept writes the answer kept in k (api.Encoded, until something is
// written: the first page of the needs or of the offers a visitor asks for
// without a filter, the same for every visitor, is then written from
// memory after one read of the audit log's tail), encoding read's answer
// first when something has been written since it was kept.
func (m *Module) writeKept(w http.ResponseWriter, r *http.Request, k *audit.Kept[api.Encoded], read func(context.Context) (any, error)) {
	a, err := k.Get(r.Context(), m.svc.P.DB, func(ctx context.Context) (api.Encoded, error) {
		v, err := read(ctx)
		if err != nil {
			return api.Encoded{}, err
		}
		return api.Encode(v)
	})
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	a.Write(w, r)
}

// noStore keeps answers that depend on the signed-in user out of shared
// caches.
func noStore(w http.ResponseWriter, r *http.Request) {
	if auth.UserFrom(r.Context()) != nil {
		w.Header().Set("Cache-Control", "private, no-store")
	}
}

func (m *Module) apiCreateNeed(w http.ResponseWriter, r *http.Request) {
	var in NeedInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	n, err := m.svc.CreateNeed(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, n)
}

func (m *Module) apiNeed(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.Need(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, n)
}

func (m *Module) apiUpdateNeed(w http.ResponseWriter, r *http.Request) {
	var in NeedInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	n, err := m.svc.UpdateNeed(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, n)
}

func (m *Module) apiPublishNeed(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.PublishNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, n)
}

func (m *Module) apiCloseNeed(w http.ResponseWriter, r *http.Request) {
	n, err := m.svc.CloseNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, n)
}

func (m *Module) apiSuggestOffers(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.SuggestOffers(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Suggestion]{Items: list})
}

func (m *Module) apiSuggestNeeds(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.SuggestNeeds(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Suggestion]{Items: list})
}

func (m *Module) apiNeedMatches(w http.ResponseWriter, r *http.Request) {
	if _, err := m.svc.Need(r.Context(), r.PathValue("id")); err != nil {
		m.apiFail(w, r, err)
		return
	}
	list, err := m.svc.MatchesForNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[MatchView]{Items: list})
}

func (m *Module) apiInvite(w http.ResponseWriter, r *http.Request) {
	var in EngageInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.Invite(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}

func (m *Module) apiInterest(w http.ResponseWriter, r *http.Request) {
	var in EngageInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.ExpressInterest(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}

func (m *Module) apiRespond(w http.ResponseWriter, r *http.Request) {
	var in RespondInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.Respond(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, e)
}

func (m *Module) apiOffers(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 50, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	f, err := offerFilterFrom(r.URL.Query())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if f.UpdatedSince, err = api.UpdatedSince(r); err != nil {
		api.WriteError(w, err)
		return
	}
	f.Limit, f.After = limit, after
	offers := func(ctx context.Context) (api.List[Offer], error) {
		list, err := m.svc.Offers(ctx, f)
		out := api.List[Offer]{Items: list}
		if len(list) == limit {
			out.NextCursor = api.Cursor(list[len(list)-1].ID)
		}
		return out, err
	}
	if f == (OfferFilter{Limit: 50}) && auth.UserFrom(r.Context()) == nil {
		m.writeKept(w, r, &m.publicOffers, func(ctx context.Context) (any, error) { return offers(ctx) })
		return
	}
	out, err := offers(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, out)
}

func (m *Module) apiCreateOffer(w http.ResponseWriter, r *http.Request) {
	var in OfferInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	o, err := m.svc.CreateOffer(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, o)
}

func (m *Module) apiOffer(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.Offer(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, o)
}

func (m *Module) apiUpdateOffer(w http.ResponseWriter, r *http.Request) {
	var in OfferInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	o, err := m.svc.UpdateOffer(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, o)
}

func (m *Module) apiPublishOffer(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.PublishOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, o)
}

func (m *Module) apiWithdrawOffer(w http.ResponseWriter, r *http.Request) {
	o, err := m.svc.WithdrawOffer(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, o)
}
