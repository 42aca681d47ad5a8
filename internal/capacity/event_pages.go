package capacity

import (
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

var organisers = web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover, auth.RoleStakeholder)

func (m *Module) eventRoutes(r *web.Router) {
	r.Handle("GET /capacity/events", web.Public, m.eventsPage)
	r.Handle("GET /capacity/events.ics", web.Public, m.allICS)
	r.Handle("GET /capacity/events/new", organisers, m.newEventPage)
	r.Handle("POST /capacity/events", organisers, m.createEventForm)
	r.Handle("GET /capacity/events/{id}", web.Public, m.eventPage)
	r.Handle("GET /capacity/events/{id}/event.ics", web.Public, m.eventICS)
	r.Handle("POST /capacity/events/{id}/register", web.Public, m.registerForm)
	r.Handle("GET /capacity/events/{id}/cancel", web.Public, m.cancelPage)
	r.Handle("POST /capacity/events/{id}/cancel", web.Public, m.cancelForm)
	r.Handle("POST /capacity/events/{id}/cancel-event", organisers, m.cancelEventForm)
	r.Handle("GET /capacity/organisers/{key}/events.ics", web.Public, m.organiserICS)
	r.Handle("GET /capacity/calendar", web.Public, m.calendarPage)
	m.eventDocumentRoutes(r)

	tag := "capacity"
	pid := []api.Param{{Name: "id", In: "path", Required: true}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/events", Summary: "Upcoming events you may see (workshops, briefings, trainings, side events)", Tag: tag,
		Params: []api.Param{{Name: "organiser", In: "query", Description: "organiser key, e.g. secretariat, state-fra, org-<slug>"}, {Name: "past", In: "query", Description: "1 to include past events"}}, Response: api.List[Event]{}}, web.Public, m.apiEvents)
	r.API(api.Op{Method: "POST", Path: apiBase + "/events", Summary: "Schedule an event organised by your State, organisation or the secretariat (local times in time_zone, an IANA name)", Tag: tag,
		Request: EventInput{Title: "Industry workshop", Kind: "workshop", Audience: "public", Place: "New York", TZ: "America/New_York", Starts: "2027-10-14T10:00", Ends: "2027-10-14T13:00", Capacity: 80}, Response: Event{}, Status: http.StatusCreated}, organisers, m.apiCreateEvent)
	r.API(api.Op{Method: "GET", Path: apiBase + "/events/{id}", Summary: "One event", Tag: tag, Params: pid, Response: Event{}}, web.Public, m.apiEvent)
	r.API(api.Op{Method: "POST", Path: apiBase + "/events/{id}/registrations", Summary: "Register for an event (signed in: your account's name and address); over capacity, on the waiting list", Tag: tag, Params: pid,
		Request: RegisterInput{Name: "A. Delegate", Email: "delegate@example.org"}, Response: Registration{}, Status: http.StatusCreated}, web.Public, m.apiRegister)
	r.API(api.Op{Method: "POST", Path: apiBase + "/events/{id}/cancel", Summary: "Cancel an event (its organiser or the secretariat); registrants are told", Tag: tag, Params: pid, Response: Event{}}, organisers, m.apiCancelEvent)
}

type eventsData struct {
	Events    []Event
	Organiser string
	ICS       string
	t         tr
}

// RowsHTML is the events' rows, written in Go and escaped as html/template
// escapes them (see listData.NeedRowsHTML).
func (d eventsData) RowsHTML() template.HTML {
	var b strings.Builder
	b.Grow(320 * len(d.Events))
	esc := web.HTMLText
	cancelled, online := esc.Replace(d.t("capacity.cancelled")), esc.Replace(d.t("capacity.online"))
	for i := range d.Events {
		e := &d.Events[i]
		b.WriteString(`<tr><td><a href="/capacity/events/`)
		urlPath(&b, e.ID)
		b.WriteString(`">`)
		esc.WriteString(&b, e.Title)
		b.WriteString(`</a> (`)
		esc.WriteString(&b, d.t("capacity.ekind."+e.Kind))
		b.WriteString(`)`)
		if e.Status == "cancelled" {
			b.WriteString(` — <strong>` + cancelled + `</strong>`)
		}
		b.WriteString(`</td><td>`)
		esc.WriteString(&b, e.Local(e.StartsAt))
		b.WriteString(`</td><td><a href="/capacity/events?organiser=`)
		urlQueryValue(&b, e.OrganiserKey)
		b.WriteString(`">`)
		esc.WriteString(&b, e.Organiser)
		b.WriteString(`</a></td><td>`)
		esc.WriteString(&b, e.Place)
		if e.OnlineURL != "" {
			b.WriteString(" " + online)
		}
		b.WriteString(`</td><td>`)
		b.WriteString(strconv.Itoa(e.Capacity - e.Confirmed))
		b.WriteString(`</td></tr>`)
	}
	return template.HTML(b.String()) // #nosec: escaped as html/template does
}

func (m *Module) eventsPage(w http.ResponseWriter, r *http.Request) {
	org := r.URL.Query().Get("organiser")
	if err := identifier("organiser", org); err != nil {
		m.fail(w, r, err)
		return
	}
	list, err := m.svc.eventBriefs(r.Context(), EventFilter{From: m.svc.now(), Organiser: org})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	t := m.svc.P.T(web.Lang(r))
	for i := range list {
		localEvent(&list[i], web.Lang(r), t)
	}
	d := eventsData{Events: list, Organiser: org, ICS: "/capacity/events.ics", t: t}
	if org != "" {
		d.ICS = "/capacity/organisers/" + org + "/events.ics"
	}
	noStore(w, r)
	m.site.Render(w, r, http.StatusOK, "capacity/events.html", "", d)
}

type eventFormData struct {
	Form      Form
	Kinds     []string
	Audiences []string
	Groups    []CheckGroup
}

func (m *Module) renderEventForm(w http.ResponseWriter, r *http.Request, status int, f Form) {
	d := eventFormData{Form: f, Kinds: EventKinds, Audiences: EventAudiences, Groups: []CheckGroup{m.checks(r, f, "languages", "capacity.lang.", Languages)}}
	m.site.Render(w, r, status, "capacity/eventform.html", "", d)
}

func (m *Module) newEventPage(w http.ResponseWriter, r *http.Request) {
	m.renderEventForm(w, r, http.StatusOK, Form{Values: url.Values{"time_zone": {"UTC"}, "capacity": {"50"}, "audience": {"public"}, "kind": {"workshop"}}})
}

func eventInputFrom(r *http.Request) EventInput {
	f := r.PostForm
	capacity, _ := strconv.Atoi(strings.TrimSpace(f.Get("capacity")))
	return EventInput{Title: f.Get("title"), Kind: f.Get("kind"), Audience: f.Get("audience"), Place: f.Get("place"), OnlineURL: f.Get("online_url"), TZ: f.Get("time_zone"),
		Starts: f.Get("starts"), Ends: f.Get("ends"), Languages: ParseList(f["languages"]), Norms: ParseList(f["norms"]), Agenda: f.Get("agenda"), Speakers: f.Get("speakers_text"),
		ProjectID: f.Get("project_id"), Capacity: capacity}
}

func (m *Module) createEventForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	e, err := m.svc.CreateEvent(r.Context(), eventInputFrom(r))
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderEventForm(w, r, f.Status, f)
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/events/"+e.ID, "capacity.saved")
}

type eventPageData struct {
	Event         Event
	NormLabels    map[string]string
	Organiser     bool
	Registrations []Registration
	Invitations   []Invitation
	Form          Form
	Registered    *Registration
}

func (m *Module) eventPage(w http.ResponseWriter, r *http.Request) {
	m.renderEvent(w, r, http.StatusOK, Form{}, nil)
}

func (m *Module) renderEvent(w http.ResponseWriter, r *http.Request, status int, f Form, reg *Registration) {
	ctx := r.Context()
	e, err := m.svc.EventByID(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	localEvent(&e, web.Lang(r), m.svc.P.T(web.Lang(r)))
	d := eventPageData{Event: e, NormLabels: m.svc.normLabels(ctx), Organiser: m.svc.organises(ctx, e) || auth.UserFrom(ctx).Has(auth.RoleSecretariat), Form: f, Registered: reg}
	if d.Registrations, err = m.svc.Registrations(ctx, e); err == nil {
		d.Invitations, err = m.svc.Invitations(ctx, e)
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	noStore(w, r)
	if e.Audience != "public" {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, status, "capacity/event.html", "", d)
}

func (m *Module) registerForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	reg, err := m.svc.Register(r.Context(), r.PathValue("id"), RegisterInput{Name: r.PostFormValue("name"), Email: r.PostFormValue("email")})
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderEvent(w, r, f.Status, f, nil)
			return
		}
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.renderEvent(w, r, http.StatusOK, Form{}, &reg)
}

type cancelData struct {
	Event      Event
	Reg, Token string
	Done       bool
}

func (m *Module) cancelPage(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.loadEvent(r.Context(), m.svc.P.DB, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	m.site.Render(w, r, http.StatusOK, "capacity/cancel.html", "", cancelData{Event: e, Reg: r.URL.Query().Get("r"), Token: r.URL.Query().Get("token")})
}

func (m *Module) cancelForm(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.loadEvent(r.Context(), m.svc.P.DB, r.PathValue("id"))
	if err == nil {
		err = m.svc.CancelRegistration(r.Context(), e.ID, r.PostFormValue("r"), r.PostFormValue("token"))
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Render(w, r, http.StatusOK, "capacity/cancel.html", "", cancelData{Event: e, Done: true})
}

func (m *Module) cancelEventForm(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.CancelEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/events/"+e.ID, "capacity.saved")
}

func (m *Module) writeICS(w http.ResponseWriter, r *http.Request, name string, list []Event) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="capacity-events.ics"`)
	lang := web.Lang(r)
	t := func(key string, args ...any) string { return m.site.Catalog.T(lang, key, args...) }
	_, _ = w.Write([]byte(ICalendar(name, list, m.svc.P.Link, m.svc.now(), lang, t)))
}

func (m *Module) eventICS(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.EventByID(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	noStore(w, r)
	if e.Audience != "public" {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.writeICS(w, r, e.Title, []Event{e})
}

// allICS is every public event from a year ago on.
func (m *Module) allICS(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Events(r.Context(), EventFilter{From: m.svc.now().AddDate(-1, 0, 0), Public: true, Limit: 2000})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.writeICS(w, r, m.site.Catalog.T(web.Lang(r), "capacity.ics.all"), list)
}

func (m *Module) organiserICS(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if err := identifier("key", key); err != nil {
		m.fail(w, r, err)
		return
	}
	list, err := m.svc.Events(r.Context(), EventFilter{From: m.svc.now().AddDate(-1, 0, 0), Organiser: key, Public: true, Limit: 2000})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	name := m.site.Catalog.T(web.Lang(r), "capacity.ics.all")
	if len(list) > 0 {
		e := list[0]
		localEvent(&e, web.Lang(r), m.svc.P.T(web.Lang(r)))
		name = m.site.Catalog.T(web.Lang(r), "capacity.ics.by_organiser", e.Organiser)
	}
	m.writeICS(w, r, name, list)
}

type calendarData struct {
	Items []CalendarItem
}

// calendarPage shows the coming year: the events the reader may see with
// the participation module's sessions and application deadlines.
func (m *Module) calendarPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	from := m.svc.now().Truncate(24 * time.Hour)
	events, err := m.svc.eventBriefs(ctx, EventFilter{From: from, To: from.AddDate(1, 0, 0)})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	var items []CalendarItem
	for _, e := range events {
		localEvent(&e, web.Lang(r), m.svc.P.T(web.Lang(r)))
		items = append(items, CalendarItem{Kind: "event", Title: e.Title, URL: "/capacity/events/" + e.ID, Starts: e.StartsAt, Ends: e.EndsAt, Place: e.Place, Organiser: e.Organiser})
	}
	if m.svc.Sessions != nil {
		sessions, err := m.svc.Sessions.CalendarSessions(ctx, from)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, x := range sessions {
			if x.Starts.Before(from.AddDate(1, 0, 0)) {
				items = append(items, x)
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Starts.Before(items[j].Starts) })
	noStore(w, r)
	m.site.Render(w, r, http.StatusOK, "capacity/calendar.html", "", calendarData{Items: items})
}

func (m *Module) apiEvents(w http.ResponseWriter, r *http.Request) {
	org := r.URL.Query().Get("organiser")
	if err := identifier("organiser", org); err != nil {
		m.apiFail(w, r, err)
		return
	}
	f := EventFilter{From: m.svc.now(), Organiser: org}
	if r.URL.Query().Get("past") != "" {
		f.From = time.Time{}
	}
	list, err := m.svc.Events(r.Context(), f)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Event]{Items: list})
}

func (m *Module) apiCreateEvent(w http.ResponseWriter, r *http.Request) {
	var in EventInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	e, err := m.svc.CreateEvent(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, e)
}

func (m *Module) apiEvent(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.EventByID(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, e)
}

func (m *Module) apiRegister(w http.ResponseWriter, r *http.Request) {
	var in RegisterInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	reg, err := m.svc.Register(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, reg)
}

func (m *Module) apiCancelEvent(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.CancelEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, e)
}
