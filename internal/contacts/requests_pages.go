package contacts

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func (m *Module) requestRoutes(r *web.Router) {
	r.Handle("GET /contacts/requests", web.Public, m.requestsPage)
	r.Handle("GET /contacts/requests.csv", web.Public, m.requestsCSV)
	r.Handle("POST /contacts/requests", web.StateStaff, m.sendForm)
	r.Handle("POST /contacts/deadlines", web.Secretariat, m.deadlinesForm)
	r.Handle("GET /contacts/requests/{id}", signedInState, m.requestPage)
	r.Handle("GET /contacts/requests/{id}/files/{file}", signedInState, m.filePage)
	r.Handle("POST /contacts/requests/{id}/acknowledge", web.StateStaff, m.stepForm("acknowledge"))
	r.Handle("POST /contacts/requests/{id}/answer", web.StateStaff, m.stepForm("answer"))
	r.Handle("POST /contacts/requests/{id}/close", web.StateStaff, m.stepForm("close"))
	r.Handle("POST /contacts/requests/{id}/withdraw", web.StateStaff, m.stepForm("withdraw"))
	r.Handle("POST /contacts/requests/{id}/consent", web.StateStaff, m.stepForm("consent"))
	r.Handle("POST /contacts/requests/{id}/messages", web.StateStaff, m.messageForm)
}

type requestsData struct {
	Stats       RequestStats
	Requests    []Request
	Deadlines   []Deadline
	Secretariat bool
	CanSend     bool
	Urgencies   []string
	TLPs        []string
	Asks        []string
	Sectors     []string
	Norms       []string
	Years       []string
}

func (m *Module) requestsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := requestsData{Urgencies: Urgencies, TLPs: TLPs, Asks: Asks, Sectors: Sectors, Norms: Norms}
	var err error
	if d.Stats, err = m.svc.Stats(ctx); err == nil {
		if d.Deadlines, err = m.svc.Deadlines(ctx); err == nil {
			d.Requests, err = m.svc.Requests(ctx)
		}
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for y := range d.Stats.ByYear {
		d.Years = append(d.Years, y)
	}
	sortStrings(d.Years)
	u := auth.UserFrom(ctx)
	d.Secretariat = u != nil && u.Role == auth.RoleSecretariat
	if u != nil && u.Role.IsState() {
		d.CanSend, _ = m.svc.canAct(ctx, m.svc.DB, u, u.StateISO3)
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, http.StatusOK, "contacts/requests.html", "", d)
}

func (m *Module) requestsCSV(w http.ResponseWriter, r *http.Request) {
	st, err := m.svc.Stats(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	rows := [][]string{{"dimension", "value", "requests"}}
	var years []string
	for y := range st.ByYear {
		years = append(years, y)
	}
	sortStrings(years)
	for _, y := range years {
		rows = append(rows, []string{"year", y, strconv.Itoa(st.ByYear[y])})
	}
	for _, u := range Urgencies {
		rows = append(rows, []string{"urgency", u, strconv.Itoa(st.ByUrgency[u])})
	}
	for _, x := range RequestStatuses {
		rows = append(rows, []string{"status", x, strconv.Itoa(st.ByStatus[x])})
	}
	writeCSV(w, "requests", rows)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (m *Module) sendForm(w http.ResponseWriter, r *http.Request) {
	in := RequestInput{To: r.PostFormValue("to"), Urgency: r.PostFormValue("urgency"), TLP: r.PostFormValue("tlp"), RequestContent: RequestContent{
		Incident: r.PostFormValue("incident_text"), OccurredOn: r.PostFormValue("occurred_on"), Sector: r.PostFormValue("sector"), Asked: r.PostForm["asked"],
		Details: r.PostFormValue("details"), Norms: r.PostForm["norms"]}}
	req, err := m.svc.SendRequest(r.Context(), in)
	if err != nil {
		m.fail(w, r, err, "/contacts/requests")
		return
	}
	m.site.Redirect(w, r, "/contacts/requests/"+req.ID, "contacts.flash.request_sent")
}

func (m *Module) deadlinesForm(w http.ResponseWriter, r *http.Request) {
	var list []Deadline
	for _, u := range Urgencies {
		a, err1 := strconv.Atoi(r.PostFormValue(u + "_ack"))
		b, err2 := strconv.Atoi(r.PostFormValue(u + "_answer"))
		if err1 != nil || err2 != nil {
			m.fail(w, r, invalid(u, "hours must be whole numbers"), "/contacts/requests")
			return
		}
		list = append(list, Deadline{Urgency: u, AckHours: a, AnswerHours: b})
	}
	if _, err := m.svc.SetDeadlines(r.Context(), list); err != nil {
		m.fail(w, r, err, "/contacts/requests")
		return
	}
	m.site.Redirect(w, r, "/contacts/requests", "contacts.flash.deadlines")
}

type requestData struct {
	R             Request
	Side          string
	AnswerKinds   []string
	FeedbackKinds []string
}

func (m *Module) requestPage(w http.ResponseWriter, r *http.Request) {
	req, err := m.svc.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/contacts/requests")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	d := requestData{R: req, AnswerKinds: AnswerKinds, FeedbackKinds: FeedbackKinds}
	if u := auth.UserFrom(r.Context()); req.Party && u != nil {
		d.Side = "to"
		if u.ActsFor(req.From) {
			d.Side = "from"
		}
	}
	m.site.Render(w, r, http.StatusOK, "contacts/request.html", "", d)
}

func (m *Module) filePage(w http.ResponseWriter, r *http.Request) {
	f, b, err := m.svc.FileContent(r.Context(), r.PathValue("id"), r.PathValue("file"))
	if err != nil {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			m.apiFail(w, r, err)
		} else {
			m.fail(w, r, err, "/contacts/requests")
		}
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, f.Name)))
	_, _ = w.Write(b)
}

func (m *Module) stepForm(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, rid := r.Context(), r.PathValue("id")
		var err error
		switch step {
		case "acknowledge":
			_, err = m.svc.Acknowledge(ctx, rid)
		case "answer":
			_, err = m.svc.Answer(ctx, rid, AnswerInput{Answer: r.PostFormValue("answer"), Text: r.PostFormValue("text")})
		case "close":
			_, err = m.svc.Close(ctx, rid, CloseInput{Feedback: r.PostFormValue("feedback"), Comment: r.PostFormValue("comment")})
		case "withdraw":
			_, err = m.svc.Withdraw(ctx, rid, WithdrawInput{Reason: r.PostFormValue("reason")})
		case "consent":
			_, err = m.svc.Consent(ctx, rid, ConsentInput{Share: r.PostFormValue("share") != "", Publish: r.PostFormValue("publish") != ""})
		}
		if err != nil {
			m.fail(w, r, err, "/contacts/requests/"+rid)
			return
		}
		m.site.Redirect(w, r, "/contacts/requests/"+rid, "contacts.flash.request_"+step)
	}
}

func (m *Module) messageForm(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("id")
	back := "/contacts/requests/" + rid
	var in MessageInput
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if err := r.ParseMultipartForm(MaxFile + 64<<10); err != nil {
			m.fail(w, r, api.Invalidf("file", "must be at most %d bytes", MaxFile), back)
			return
		}
		if e := web.CheckForm(r); e != nil {
			m.fail(w, r, e, back)
			return
		}
		if f, h, err := r.FormFile("file"); err == nil {
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			in.File, in.FileName, in.FileType = b, h.Filename, h.Header.Get("Content-Type")
		} else if !errors.Is(err, http.ErrMissingFile) {
			m.fail(w, r, invalid("file", "could not be read"), back)
			return
		}
	}
	in.Body = r.FormValue("body")
	if _, err := m.svc.PostMessage(r.Context(), rid, in); err != nil {
		m.fail(w, r, err, back)
		return
	}
	m.site.Redirect(w, r, back, "contacts.flash.message")
}

func (m *Module) requestAPIRoutes(r *web.Router) {
	idp := []api.Param{{Name: "id", In: "path", Description: "the request's id"}}
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/requests/statistics", Tag: "contacts", Summary: "Public statistics of requests for assistance: by year, urgency and status, shares acknowledged in time and answered, median times; States named only for requests both agreed to publish",
		Response: RequestStats{}}, web.Public, m.apiStats)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/deadlines", Tag: "contacts", Summary: "Hours to acknowledge and to answer a request, by urgency", Response: []Deadline{}}, web.Public, m.apiDeadlines)
	r.API(api.Op{Method: "PUT", Path: "/api/v1/contacts/deadlines", Tag: "contacts", Summary: "Set the deadlines by urgency (secretariat); they apply to requests sent afterwards",
		Request: []Deadline{}, Response: []Deadline{}}, web.Secretariat, m.apiSetDeadlines)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/requests", Tag: "contacts", Summary: "Requests the caller may see: its own State's (contacts and approvers), or every request's metadata (secretariat); content is not listed",
		Response: []Request{}}, signedInState, m.apiRequests)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests", Tag: "contacts", Summary: "Send a request for assistance to another State (your State's contacts and approvers); refused if that State has no point of contact",
		Request: RequestInput{}, Response: Request{}, Status: http.StatusCreated}, web.StateStaff, m.apiSend)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/requests/{id}", Tag: "contacts", Summary: "A request: with its content, messages and files for the two States' contacts and approvers; metadata only for the secretariat unless both States shared it",
		Params: idp, Response: Request{}}, signedInState, m.apiRequest)
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/acknowledge", Tag: "contacts", Summary: "Acknowledge a request (the State asked)", Params: idp, Response: Request{}}, web.StateStaff, m.apiStep("acknowledge"))
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/answer", Tag: "contacts", Summary: "Answer a request: help, or unable to help with an optional reason (the State asked; acknowledges it if not yet)",
		Params: idp, Request: AnswerInput{}, Response: Request{}}, web.StateStaff, m.apiStep("answer"))
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/close", Tag: "contacts", Summary: "Close an answered request with feedback (the requester)",
		Params: idp, Request: CloseInput{}, Response: Request{}}, web.StateStaff, m.apiStep("close"))
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/withdraw", Tag: "contacts", Summary: "Withdraw a request before it is closed (the requester)",
		Params: idp, Request: WithdrawInput{}, Response: Request{}}, web.StateStaff, m.apiStep("withdraw"))
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/consent", Tag: "contacts", Summary: "Your State's consent to share the request's content with the secretariat and to publish it with both States named (each needs both States)",
		Params: idp, Request: ConsentInput{}, Response: Request{}}, web.StateStaff, m.apiStep("consent"))
	r.API(api.Op{Method: "POST", Path: "/api/v1/contacts/requests/{id}/messages", Tag: "contacts", Summary: "Write a message and/or attach a file (base64, at most 5 MiB) on an open request (either State)",
		Params: idp, Request: MessageInput{}, Response: Request{}, Status: http.StatusCreated}, web.StateStaff, m.apiMessage)
	r.API(api.Op{Method: "GET", Path: "/api/v1/contacts/requests/{id}/files/{file}", Tag: "contacts", Summary: "Download an attachment (the two States)",
		Params: append(idp, api.Param{Name: "file", In: "path", Description: "the file's id"}), ContentType: "application/octet-stream"}, signedInState, m.filePage)
}

func (m *Module) apiStats(w http.ResponseWriter, r *http.Request) {
	st, err := m.svc.Stats(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, st)
}

func (m *Module) apiDeadlines(w http.ResponseWriter, r *http.Request) {
	d, err := m.svc.Deadlines(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, d)
}

func (m *Module) apiSetDeadlines(w http.ResponseWriter, r *http.Request) {
	var in []Deadline
	if err := api.Decode(w, r, &in, 16<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	d, err := m.svc.SetDeadlines(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, d)
}

func (m *Module) apiRequests(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.Requests(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, list)
}

func (m *Module) apiSend(w http.ResponseWriter, r *http.Request) {
	var in RequestInput
	if err := api.Decode(w, r, &in, 256<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	req, err := m.svc.SendRequest(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, req)
}

func (m *Module) apiRequest(w http.ResponseWriter, r *http.Request) {
	req, err := m.svc.Request(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusOK, req)
}

func (m *Module) apiStep(step string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, rid := r.Context(), r.PathValue("id")
		var req Request
		var err error
		decode := func(v any) bool {
			if err := api.Decode(w, r, v, 256<<10); err != nil {
				api.WriteError(w, err)
				return false
			}
			return true
		}
		switch step {
		case "acknowledge":
			req, err = m.svc.Acknowledge(ctx, rid)
		case "answer":
			var in AnswerInput
			if !decode(&in) {
				return
			}
			req, err = m.svc.Answer(ctx, rid, in)
		case "close":
			var in CloseInput
			if !decode(&in) {
				return
			}
			req, err = m.svc.Close(ctx, rid, in)
		case "withdraw":
			var in WithdrawInput
			if r.ContentLength != 0 && !decode(&in) {
				return
			}
			req, err = m.svc.Withdraw(ctx, rid, in)
		case "consent":
			var in ConsentInput
			if !decode(&in) {
				return
			}
			req, err = m.svc.Consent(ctx, rid, in)
		}
		if err != nil {
			m.apiFail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		api.WriteJSON(w, http.StatusOK, req)
	}
}

func (m *Module) apiMessage(w http.ResponseWriter, r *http.Request) {
	var in MessageInput
	if err := api.Decode(w, r, &in, MaxFile*4/3+64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	req, err := m.svc.PostMessage(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	api.WriteJSON(w, http.StatusCreated, req)
}
