package reporting

import (
	"net/http"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func writeJSON(w http.ResponseWriter, v any) { api.WriteJSON(w, http.StatusOK, v) }

// SaveInput is the body of a draft save.
type SaveInput struct {
	// Revision is the revision the content was based on.
	Revision int     `json:"revision" api:"required"`
	Content  Content `json:"content" api:"required"`
}

var (
	pID      = api.Param{Name: "id", In: "path", Required: true, Description: "report id"}
	pVersion = api.Param{Name: "version", In: "query", Schema: "integer", Description: "version number; 0 is the draft; absent: the draft for the State's users while drafting, else the newest version you may read"}
	pLimit   = api.Param{Name: "limit", In: "query", Schema: "integer"}
	pCursor  = api.Param{Name: "cursor", In: "query"}
)

func (m *Module) apiRoutes(r *web.Router) {
	const tag = "reporting"
	r.API(api.Op{Method: "GET", Path: "/api/v1/reporting/cycles", Summary: "List reporting cycles, newest first", Tag: tag, Response: api.List[Cycle]{}}, web.Public, m.apiCycles)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reporting/cycles", Summary: "Open a reporting cycle (States are e-mailed when it opens and reminded before it is due)", Tag: tag, Request: CycleInput{}, Response: Cycle{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateCycle)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reporting/cycles/{id}", Summary: "One reporting cycle (by id or name)", Tag: tag, Params: []api.Param{{Name: "id", In: "path", Required: true}}, Response: Cycle{}}, web.Public, m.apiCycle)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports", Summary: "List the reports you may see (public: those with a public version)", Tag: tag,
		Params: []api.Param{{Name: "cycle", In: "query", Description: "cycle id or name"}, {Name: "state", In: "query", Description: "ISO 3166-1 alpha-3"}, api.UpdatedSinceParam, pLimit, pCursor}, Response: api.List[Report]{}}, web.Public, m.apiList)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports", Summary: "Start your State's report in an open cycle, optionally carried forward from its previous report", Tag: tag, Request: StartInput{}, Response: Report{}, Status: http.StatusCreated}, web.StateStaff, m.apiStart)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}", Summary: "A report with its content at a version", Tag: tag, Params: []api.Param{pID, pVersion}, Response: View{}}, web.Public, m.apiGet)
	r.API(api.Op{Method: "PUT", Path: "/api/v1/reports/{id}/draft", Summary: "Save the draft (refused with 409 if someone saved after the revision you send)", Tag: tag, Params: []api.Param{pID}, Request: SaveInput{}, Response: Report{}}, web.StateStaff, m.apiSave)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports/{id}/submit", Summary: "Submit the draft as the next immutable version, public or confidential (approvers)", Tag: tag, Params: []api.Param{pID}, Request: SubmitInput{}, Response: Version{}, Status: http.StatusCreated}, web.StateApprover, m.apiSubmit)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports/{id}/reopen", Summary: "Reopen a submitted report for a correction (approvers)", Tag: tag, Params: []api.Param{pID}, Request: ReopenInput{}, Response: Report{}}, web.StateApprover, m.apiReopen)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports/{id}/send-for-approval", Summary: "Send the draft for approval: the State's approvers are e-mailed a link (the State's editors and approvers; an optional comment goes into the thread, never into the e-mail)", Tag: tag, Params: []api.Param{pID}, Request: SendInput{}, Response: Report{}}, web.StateStaff, m.apiSend)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports/{id}/return", Summary: "Return a draft waiting for approval to the editors with a comment (approvers; the editors are e-mailed a link, without the comment)", Tag: tag, Params: []api.Param{pID}, Request: ReturnInput{}, Response: Report{}}, web.StateApprover, m.apiReturn)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/comments", Summary: "The comment thread of a report, oldest first (the State's own editors and approvers only)", Tag: tag,
		Params: []api.Param{pID, {Name: "section", In: "query", Description: "only the comments on the report as a whole (empty), on a norm (its id) or on international-law; absent: all"}}, Response: api.List[Comment]{}}, web.StateStaff, m.apiComments)
	r.API(api.Op{Method: "POST", Path: "/api/v1/reports/{id}/comments", Summary: "Comment on the report or one of its sections (the State's own editors and approvers)", Tag: tag, Params: []api.Param{pID}, Request: CommentInput{}, Response: Comment{}, Status: http.StatusCreated}, web.StateStaff, m.apiAddComment)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/versions", Summary: "The versions of a report you may read, newest first", Tag: tag, Params: []api.Param{pID}, Response: api.List[Version]{}}, web.Public, m.apiVersions)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/versions/{version}", Summary: "A report at one version", Tag: tag, Params: []api.Param{pID, {Name: "version", In: "path", Required: true, Schema: "integer"}}, Response: View{}}, web.Public, m.apiVersion)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/measures", Summary: "The measures of a report at a version, paginated", Tag: tag, Params: []api.Param{pID, pVersion, {Name: "norm", In: "query", Description: "norm id, e.g. gge2015-c"}, pLimit, pCursor}, Response: api.List[Measure]{}}, web.Public, m.apiMeasures)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/diff", Summary: "Compare a version with the previous version or the previous cycle, norm by norm", Tag: tag,
		Params: []api.Param{pID, pVersion, {Name: "against", In: "query", Description: "previous-version (default) or previous-cycle"}}, Response: Diff{}}, web.Public, m.apiDiff)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/export.csv", Summary: "A report version as CSV", Tag: tag, Params: []api.Param{pID, pVersion}, ContentType: "text/csv"}, web.Public, m.exportCSV)
	r.API(api.Op{Method: "GET", Path: "/api/v1/reports/{id}/export.pdf", Summary: "A report version as a tagged PDF with a contents page and bookmarks (503 with the reason when the server cannot make PDFs)", Tag: tag, Params: []api.Param{pID, pVersion}, ContentType: "application/pdf", Errors: []int{http.StatusServiceUnavailable}}, web.Public, m.exportPDF)
}

func (m *Module) apiCycles(w http.ResponseWriter, r *http.Request) {
	cs, err := m.Svc.Cycles(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if cs == nil {
		cs = []Cycle{}
	}
	writeJSON(w, api.List[Cycle]{Items: cs})
}

func (m *Module) apiCreateCycle(w http.ResponseWriter, r *http.Request) {
	var in CycleInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	c, err := m.Svc.CreateCycle(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, c)
}

func (m *Module) apiCycle(w http.ResponseWriter, r *http.Request) {
	c, err := m.Svc.Cycle(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, c)
}

func (m *Module) apiList(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 50, 500)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	since, err := api.UpdatedSince(r)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	q := r.URL.Query()
	list, next, err := m.Svc.List(r.Context(), ListFilter{CycleID: q.Get("cycle"), State: q.Get("state"), Limit: limit, After: after, UpdatedSince: since})
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []Report{}
	}
	writeJSON(w, api.List[Report]{Items: list, NextCursor: api.Cursor(next)})
}

func (m *Module) apiStart(w http.ResponseWriter, r *http.Request) {
	var in StartInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	rep, err := m.Svc.Start(r.Context(), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, rep)
}

func (m *Module) apiGet(w http.ResponseWriter, r *http.Request) {
	v, ok := m.openForExport(w, r, false)
	if ok {
		m.writeWhole(w, r, v)
	}
}

func (m *Module) apiVersion(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 0 {
		api.WriteError(w, api.Invalid("version", "must be a whole number (0 is the draft)"))
		return
	}
	v, err := m.Svc.open(r.Context(), r.PathValue("id"), n, false)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	m.writeWhole(w, r, v)
}

func (m *Module) apiSave(w http.ResponseWriter, r *http.Request) {
	var in SaveInput
	if err := api.Decode(w, r, &in, MaxJSONBody); err != nil {
		api.WriteError(w, err)
		return
	}
	rep, err := m.Svc.SaveDraft(r.Context(), r.PathValue("id"), in.Revision, in.Content)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, rep)
}

func (m *Module) apiSubmit(w http.ResponseWriter, r *http.Request) {
	var in SubmitInput
	if err := api.Decode(w, r, &in, 16<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	v, err := m.Svc.Submit(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, v)
}

func (m *Module) apiReopen(w http.ResponseWriter, r *http.Request) {
	var in ReopenInput
	if r.ContentLength != 0 {
		if err := api.Decode(w, r, &in, 16<<10); err != nil {
			api.WriteError(w, err)
			return
		}
	}
	rep, err := m.Svc.Reopen(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, rep)
}

func (m *Module) apiVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := m.Svc.Versions(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if vs == nil {
		vs = []Version{}
	}
	writeJSON(w, api.List[Version]{Items: vs})
}

func (m *Module) apiMeasures(w http.ResponseWriter, r *http.Request) {
	limit, after, err := api.PageParams(r, 100, 1000)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	ver, err := versionParam(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	ms, next, err := m.Svc.MeasuresPage(r.Context(), r.PathValue("id"), ver, r.URL.Query().Get("norm"), after, limit)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, api.List[Measure]{Items: ms, NextCursor: api.Cursor(next)})
}

func (m *Module) apiDiff(w http.ResponseWriter, r *http.Request) {
	v, err := versionParam(r)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	d, err := m.Svc.DiffReport(r.Context(), r.PathValue("id"), v, r.URL.Query().Get("against"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	writeJSON(w, d)
}
