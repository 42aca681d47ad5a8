package vep

import (
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func (m *Module) apiRegisterRoutes(r *web.Router) {
	tag := "vep"
	pid := []api.Param{{Name: "id", In: "path", Required: true, Description: "entry id"}}
	const private = "Only the State's users who hold its VEP permission; everyone else, the secretariat included, gets 404. Answers are never cached (Cache-Control: no-store)."
	r.API(api.Op{Method: "GET", Path: apiBase + "/grants", Summary: "Your State's users and their VEP permission (State approvers)", Tag: tag, Response: api.List[Grant]{}}, web.StateApprover, m.apiGrants)
	r.API(api.Op{Method: "POST", Path: apiBase + "/grants", Summary: "Give one of your State's users the VEP permission (State approvers)", Tag: tag, Request: GrantInput{}, Response: Grant{}}, web.StateApprover, m.apiGrant)
	r.API(api.Op{Method: "DELETE", Path: apiBase + "/grants/{user_id}", Summary: "Withdraw a user's VEP permission (State approvers)", Tag: tag, Params: []api.Param{{Name: "user_id", In: "path", Required: true}}, Status: http.StatusNoContent}, web.StateApprover, m.apiRevoke)
	r.API(api.Op{Method: "GET", Path: apiBase + "/register", Summary: "Your State's vulnerability register", Description: private, Tag: tag, Response: api.List[Entry]{}}, web.SignedIn, m.apiEntries)
	r.API(api.Op{Method: "POST", Path: apiBase + "/register", Summary: "Record a vulnerability in your State's register (sealed at rest)", Description: private, Tag: tag, Request: EntryInput{}, Response: Entry{}, Status: http.StatusCreated}, web.SignedIn, m.apiRecord)
	r.API(api.Op{Method: "GET", Path: apiBase + "/register/due", Summary: "Retained entries due or overdue for review", Description: private, Tag: tag, Response: api.List[Entry]{}}, web.SignedIn, m.apiDue)
	r.API(api.Op{Method: "GET", Path: apiBase + "/register/{id}", Summary: "One register entry with its reviews", Description: private, Tag: tag, Params: pid, Response: Entry{}}, web.SignedIn, m.apiEntry)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/register/{id}", Summary: "Change a register entry's recorded facts", Description: private, Tag: tag, Params: pid, Request: EntryInput{}, Response: Entry{}}, web.SignedIn, m.apiUpdate)
	r.API(api.Op{Method: "POST", Path: apiBase + "/register/{id}/reviews", Summary: "Review a retained entry: record the decision again with its reasons", Description: private, Tag: tag, Params: pid, Request: ReviewInput{}, Response: Entry{}, Status: http.StatusCreated}, web.SignedIn, m.apiReview)
}

func (m *Module) apiGrants(w http.ResponseWriter, r *http.Request) {
	private(w)
	gs, err := m.svc.Grants(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Grant]{Items: gs})
}

func (m *Module) apiGrant(w http.ResponseWriter, r *http.Request) {
	private(w)
	var in GrantInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	if in.UserID == "" {
		api.WriteError(w, api.Invalid("user_id", "is required"))
		return
	}
	g, err := m.svc.GrantPermission(r.Context(), in.UserID)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, g)
}

func (m *Module) apiRevoke(w http.ResponseWriter, r *http.Request) {
	private(w)
	if err := m.svc.RevokePermission(r.Context(), r.PathValue("user_id")); err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (m *Module) apiEntries(w http.ResponseWriter, r *http.Request) {
	private(w)
	es, err := m.svc.Entries(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Entry]{Items: es})
}

func (m *Module) apiDue(w http.ResponseWriter, r *http.Request) {
	private(w)
	es, err := m.svc.Due(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Entry]{Items: es})
}

func (m *Module) apiEntry(w http.ResponseWriter, r *http.Request) {
	private(w)
	e, err := m.svc.Entry(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, e)
}

// permittedOr404 answers 404 unless the caller holds the VEP permission,
// before any body is read, so that no one
// else learns anything from the validation of a body (404 first).
func (m *Module) permittedOr404(w http.ResponseWriter, r *http.Request) bool {
	if !m.svc.Permitted(r.Context()) {
		api.WriteError(w, api.ErrNotFound)
		return false
	}
	return true
}

func (m *Module) apiRecord(w http.ResponseWriter, r *http.Request) {
	private(w)
	if !m.permittedOr404(w, r) {
		return
	}
	var in EntryInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.Record(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}

func (m *Module) apiUpdate(w http.ResponseWriter, r *http.Request) {
	private(w)
	if !m.permittedOr404(w, r) {
		return
	}
	var in EntryInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, e)
}

func (m *Module) apiReview(w http.ResponseWriter, r *http.Request) {
	private(w)
	if !m.permittedOr404(w, r) {
		return
	}
	var in ReviewInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.AddReview(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}
