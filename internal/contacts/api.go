package contacts

import (
	"context"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// signedInState: State users and the secretariat, who see contact details.
var signedInState = web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)

func (m *Module) apiRoutes(r *web.Router) {
	iso := []api.Param{{Name: "iso3", In: "path", Description: "ISO 3166-1 alpha-3 code of the State"}}
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/coverage", Tag: "contacts", Summary: "Which States have nominated diplomatic and technical points of contact, and since when (all 195; no contact details)",
		Response: []Coverage{}}, web.Public, m.apiCoverage)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/states/{iso3}", Tag: "contacts", Summary: "A State's points of contact with their details (State users and the secretariat only); the State's own users also see its drafts",
		Params: iso, Response: Directory{}}, signedInState, m.apiDirectory)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/states/{iso3}/contacts", Tag: "contacts", Summary: "Draft a new contact, or a change to one (replaces), for your own State; an approver's draft is confirmed at once",
		Params: iso, Request: ContactInput{}, Response: Contact{}, Status: http.StatusCreated}, web.StateStaff, m.apiDraft)
	idp := []api.Param{{Name: "id", In: "path", Description: "the contact entry's id"}}
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/entries/{id}/confirm", Tag: "contacts", Summary: "Confirm a draft of your own State (approvers)",
		Params: idp, Response: Contact{}}, web.StateApprover, m.apiConfirm)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/entries/{id}/discard", Tag: "contacts", Summary: "Discard a draft of your own State",
		Params: idp, Response: Contact{}}, web.StateStaff, m.apiDiscard)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/entries/{id}/retire", Tag: "contacts", Summary: "Retire a current contact of your own State (approvers)",
		Params: idp, Response: Contact{}}, web.StateApprover, m.apiRetire)
}

func (m *Module) apiCoverage(w http.ResponseWriter, r *http.Request) {
	a, err := m.coverage.Get(r.Context(), m.svc.DB, func(ctx context.Context) (api.Encoded, error) {
		list, err := m.svc.CoverageAll(ctx, "en")
		if err != nil {
			return api.Encoded{}, err
		}
		return api.Encode(list)
	})
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	a.Write(w, r)
}

func (m *Module) apiDirectory(w http.ResponseWriter, r *http.Request) {
	d, err := m.svc.StateDirectory(r.Context(), r.PathValue("iso3"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, d)
}

func (m *Module) apiDraft(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	c, err := m.svc.Draft(r.Context(), r.PathValue("iso3"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, c)
}

func (m *Module) apiConfirm(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.Confirm(r.Context(), r.PathValue("id"))
	m.apiEntry(w, r, c, err)
}

func (m *Module) apiDiscard(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.Discard(r.Context(), r.PathValue("id"))
	m.apiEntry(w, r, c, err)
}

func (m *Module) apiRetire(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.Retire(r.Context(), r.PathValue("id"))
	m.apiEntry(w, r, c, err)
}

func (m *Module) apiEntry(w http.ResponseWriter, r *http.Request, c Contact, err error) {
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if c.Languages == nil {
		c.Languages = []string{}
	}
	api.WriteJSON(w, http.StatusOK, c)
}
