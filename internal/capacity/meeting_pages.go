package capacity

import (
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// convener: the secretariat and State staff (the service keeps it to the
// requesting State's).
var convener = web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)

func (m *Module) meetingRoutes(r *web.Router) {
	pid := []api.Param{{Name: "id", In: "path", Required: true}}
	r.Handle("POST /capacity/needs/{id}/meetings", convener, m.conveneForm)
	r.Handle("GET /capacity/meetings/{id}", web.SignedIn, m.meetingPage)
	r.Handle("POST /capacity/meetings/{id}/notes", convener, m.notesForm)
	r.API(api.Op{Method: "GET", Path: apiBase + "/needs/{id}/meetings", Summary: "A need's \"Friends of\" meetings (to the secretariat, the requesting State and the participants)", Tag: "capacity",
		Params: pid, Response: api.List[Meeting]{}}, web.SignedIn, m.apiNeedMeetings)
	r.API(api.Op{Method: "POST", Path: apiBase + "/needs/{id}/meetings", Summary: "Convene a \"Friends of\" meeting on a published need (the secretariat or the requesting State); participants are e-mailed", Tag: "capacity",
		Params: pid, Request: MeetingInput{}, Response: Meeting{}, Status: http.StatusCreated}, convener, m.apiConvene)
	r.API(api.Op{Method: "GET", Path: apiBase + "/meetings/{id}", Summary: "One \"Friends of\" meeting (its participants, the requesting State and the secretariat)", Tag: "capacity",
		Params: pid, Response: Meeting{}}, web.SignedIn, m.apiMeeting)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/meetings/{id}/notes", Summary: "Replace a meeting's notes (the secretariat or the requesting State)", Tag: "capacity",
		Params: pid, Request: NotesInput{}, Response: Meeting{}}, convener, m.apiNotes)
}

func (m *Module) conveneForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in := MeetingInput{MeetsOn: r.PostFormValue("meets_on"), Place: r.PostFormValue("place"), Offers: r.PostForm["offers"],
		States: ParseList(r.PostForm["states"]), Notes: r.PostFormValue("notes")}
	g, err := m.svc.Convene(r.Context(), id, in)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/meetings/"+g.ID, "capacity.meeting_convened")
}

type meetingPageData struct {
	Meeting Meeting
	Owner   bool
	// Invitable are the participants' offers the requesting State has not
	// paired with its need yet.
	Invitable []Participant
}

func (m *Module) meetingPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	g, err := m.svc.MeetingByID(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	localMeeting(&g, web.Lang(r))
	d := meetingPageData{Meeting: g, Owner: auth.UserFrom(ctx).ActsFor(g.State)}
	if d.Owner {
		matches, err := m.svc.MatchesForNeed(ctx, g.NeedID)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		paired := map[string]bool{}
		for _, x := range matches {
			paired[x.OfferID] = true
		}
		for _, p := range g.Participants {
			if p.OfferID != "" && !paired[p.OfferID] {
				d.Invitable = append(d.Invitable, p)
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "capacity/meeting.html", "", d)
}

func (m *Module) notesForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := m.svc.UpdateNotes(r.Context(), id, NotesInput{Notes: r.PostFormValue("notes")}); err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/meetings/"+id, "capacity.saved")
}

func (m *Module) apiNeedMeetings(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.MeetingsForNeed(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Meeting]{Items: list})
}

func (m *Module) apiConvene(w http.ResponseWriter, r *http.Request) {
	var in MeetingInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	g, err := m.svc.Convene(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, g)
}

func (m *Module) apiMeeting(w http.ResponseWriter, r *http.Request) {
	g, err := m.svc.MeetingByID(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, g)
}

func (m *Module) apiNotes(w http.ResponseWriter, r *http.Request) {
	var in NotesInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	g, err := m.svc.UpdateNotes(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, g)
}
