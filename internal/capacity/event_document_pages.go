package capacity

import (
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/upload"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func (m *Module) eventDocumentRoutes(r *web.Router) {
	pid := []api.Param{{Name: "id", In: "path", Required: true}}
	r.Handle("POST /capacity/events/{id}/documents", organisers, m.attachForm)
	r.Handle("GET /capacity/events/{id}/documents/{doc}", web.Public, m.documentFile)
	r.Handle("POST /capacity/events/{id}/invitations", organisers, m.inviteToEventForm)
	r.Handle("GET /capacity/events/{id}/invitation", web.Public, m.invitationPage)
	r.Handle("POST /capacity/events/{id}/invitation", web.Public, m.invitationForm)
	r.Handle("GET /capacity/events/{id}/invitation.ics", web.Public, m.invitationICS)
	r.API(api.Op{Method: "POST", Path: apiBase + "/events/{id}/invitations", Summary: "Invite addresses to an event by e-mail (its organiser or the secretariat); each link lets its address register, also to an event by invitation", Tag: "capacity",
		Params: pid, Request: InviteInput{Emails: []string{"someone@example.org"}}, Response: InviteResult{}, Status: http.StatusCreated}, organisers, m.apiInviteToEvent)
	r.API(api.Op{Method: "GET", Path: apiBase + "/events/{id}/invitations", Summary: "An event's invitations (its organiser and the secretariat)", Tag: "capacity",
		Params: pid, Response: api.List[Invitation]{}}, organisers, m.apiInvitations)
}

func (m *Module) attachForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f, err := upload.Read(w, r, "document", upload.MaxPDF)
	if err == nil {
		_, err = m.svc.AttachDocument(r.Context(), id, f)
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/events/"+id+"#documents", "capacity.document_attached")
}

func (m *Module) documentFile(w http.ResponseWriter, r *http.Request) {
	d, body, err := m.svc.EventDocumentFile(r.Context(), r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	upload.Serve(w, d.Filename, "application/pdf", body)
}

func (m *Module) inviteToEventForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := m.svc.InviteToEvent(r.Context(), id, InviteInput{Emails: ParseList(r.PostForm["emails"]), Message: r.PostFormValue("message")}); err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/events/"+id+"#invitations", "capacity.invitations_sent")
}

type invitationPageData struct {
	Event      Event
	Email      string
	Token      string
	Form       Form
	Registered *Registration
}

func (m *Module) renderInvitation(w http.ResponseWriter, r *http.Request, status int, token string, f Form, reg *Registration) {
	e, email, err := m.svc.InvitationEvent(r.Context(), r.PathValue("id"), token)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	localEvent(&e, web.Lang(r), m.svc.P.T(web.Lang(r)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	m.site.Render(w, r, status, "capacity/invitation.html", "", invitationPageData{Event: e, Email: email, Token: token, Form: f, Registered: reg})
}

func (m *Module) invitationPage(w http.ResponseWriter, r *http.Request) {
	m.renderInvitation(w, r, http.StatusOK, r.URL.Query().Get("token"), Form{}, nil)
}

func (m *Module) invitationForm(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	reg, err := m.svc.RegisterByInvitation(r.Context(), r.PathValue("id"), token, r.PostFormValue("name"))
	if err != nil {
		if f, ok := m.refused(r, err); ok && f.Field != "token" {
			m.renderInvitation(w, r, f.Status, token, f, nil)
			return
		}
		m.fail(w, r, err)
		return
	}
	m.renderInvitation(w, r, http.StatusOK, token, Form{}, &reg)
}

// invitationICS is the invited event's calendar file, for whoever holds
// the invitation link (an event by invitation is not public).
func (m *Module) invitationICS(w http.ResponseWriter, r *http.Request) {
	e, _, err := m.svc.InvitationEvent(r.Context(), r.PathValue("id"), r.URL.Query().Get("token"))
	if err == nil {
		e.Documents, err = m.svc.eventDocuments(r.Context(), e.ID)
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.writeICS(w, r, e.Title, []Event{e})
}

func (m *Module) apiInviteToEvent(w http.ResponseWriter, r *http.Request) {
	var in InviteInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	res, err := m.svc.InviteToEvent(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, res)
}

func (m *Module) apiInvitations(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.manageTarget(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	list, err := m.svc.Invitations(r.Context(), e)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Invitation]{Items: list})
}
