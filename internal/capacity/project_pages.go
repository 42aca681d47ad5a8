package capacity

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

func (m *Module) projectRoutes(r *web.Router) {
	parties := web.Roles(auth.RoleStateEditor, auth.RoleStateApprover, auth.RoleStakeholder)
	r.Handle("GET /capacity/projects", web.Public, m.projectsPage)
	r.Handle("GET /capacity/projects/export.csv", web.Public, m.projectsCSV)
	r.Handle("GET /capacity/projects/{id}", web.Public, m.projectPage)
	r.Handle("POST /capacity/projects/{id}", parties, m.updateProjectForm)
	r.Handle("POST /capacity/projects/{id}/milestones", parties, m.addMilestoneForm)
	r.Handle("POST /capacity/projects/{id}/milestones/{mid}", parties, m.setMilestoneForm)
	r.Handle("POST /capacity/projects/{id}/updates", parties, m.postUpdateForm)
	r.Handle("POST /capacity/projects/{id}/publication", parties, m.requestPublicationForm)
	r.Handle("POST /capacity/projects/{id}/review", web.Secretariat, m.reviewProjectForm)

	tag := "capacity"
	pid := []api.Param{{Name: "id", In: "path", Required: true}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/projects", Summary: "The project directory (published projects; own=1 your own; pending=1 the secretariat's review queue); also the JSON export", Tag: tag,
		Params: []api.Param{{Name: "beneficiary", In: "query", Description: "ISO3 of a beneficiary State; several, separated by commas or repeated: projects serving any of them"}, {Name: "region", In: "query"}, {Name: "norm", In: "query"}, {Name: "topic", In: "query"},
			{Name: "funder", In: "query", Description: "name contains"}, {Name: "implementer", In: "query", Description: "name contains"}, {Name: "status", In: "query"},
			{Name: "own", In: "query"}, {Name: "pending", In: "query"}}, Response: api.List[Project]{}}, web.Public, m.apiProjects)
	r.API(api.Op{Method: "GET", Path: apiBase + "/projects/{id}", Summary: "A project with its milestones and updates", Tag: tag, Params: pid, Response: ProjectView{}}, web.Public, m.apiProject)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/projects/{id}", Summary: "Change a project's details, status, outcome and evaluation (its parties)", Tag: tag, Params: pid, Request: ProjectInput{}, Response: Project{}}, parties, m.apiUpdateProject)
	r.API(api.Op{Method: "POST", Path: apiBase + "/projects/{id}/milestones", Summary: "Add a milestone (its parties)", Tag: tag, Params: pid, Request: MilestoneInput{Title: "Training delivered", DueOn: "2027-03-31"}, Response: Milestone{}, Status: http.StatusCreated}, parties, m.apiAddMilestone)
	r.API(api.Op{Method: "PUT", Path: apiBase + "/projects/{id}/milestones/{mid}", Summary: "Change a milestone's status (its parties)", Tag: tag, Params: append(pid, api.Param{Name: "mid", In: "path", Required: true}), Request: MilestoneInput{Status: "done"}, Response: Milestone{}}, parties, m.apiSetMilestone)
	r.API(api.Op{Method: "POST", Path: apiBase + "/projects/{id}/updates", Summary: "Post a progress update (its parties)", Tag: tag, Params: pid, Request: UpdateInput{}, Response: Update{}, Status: http.StatusCreated}, parties, m.apiPostUpdate)
	r.API(api.Op{Method: "POST", Path: apiBase + "/projects/{id}/publication", Summary: "Ask the secretariat to publish the project in the directory (its parties)", Tag: tag, Params: pid, Response: Project{}}, parties, m.apiRequestPublication)
	r.API(api.Op{Method: "POST", Path: apiBase + "/projects/{id}/review", Summary: "Publish or reject a project waiting for review", Tag: tag, Params: pid, Request: ReviewInput{Publish: true}, Response: Project{}}, web.Secretariat, m.apiReviewProject)
}

func projectFilterFrom(v url.Values) (ProjectFilter, error) {
	f := ProjectFilter{Region: v.Get("region"), Norm: v.Get("norm"), Topic: v.Get("topic"), Funder: v.Get("funder"),
		Implementer: v.Get("implementer"), Status: v.Get("status"), Own: v.Get("own") != "", Pending: v.Get("pending") != ""}
	for _, b := range ParseList(v["beneficiary"]) {
		b = strings.ToUpper(b)
		if _, err := checkLine("beneficiary", b, 0, 100); err != nil {
			return f, err
		}
		if utf8.RuneCountInString(b) != 3 || regionOf(b) == "" {
			return f, invalid("beneficiary", "is not a known ISO 3166-1 alpha-3 code")
		}
		if !contains(f.Beneficiaries, b) {
			f.Beneficiaries = append(f.Beneficiaries, b)
		}
	}
	if len(f.Beneficiaries) > MaxBeneficiaries {
		return f, invalid("beneficiary", "at most %d States", MaxBeneficiaries)
	}
	if f.Region != "" && !contains(Regions, f.Region) {
		return f, invalid("region", "is not a regional group")
	}
	if f.Topic != "" && !contains(Topics, f.Topic) {
		return f, invalid("topic", "is not a topic")
	}
	if f.Status != "" && !contains([]string{ProjectRunning, ProjectFinished, ProjectCancelled}, f.Status) {
		return f, invalid("status", "must be running, finished or cancelled")
	}
	if err := identifier("norm", f.Norm); err != nil {
		return f, err
	}
	for _, x := range []struct{ field, v string }{{"funder", f.Funder}, {"implementer", f.Implementer}} {
		if _, err := checkLine(x.field, x.v, 0, 100); err != nil {
			return f, err
		}
	}
	return f, nil
}

type projectsData struct {
	Vocab
	Filter   url.Values
	Projects []Project
	Pending  []Project
	Failed   string
	CSV      string
}

func (m *Module) projectsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	voc, err := m.vocab(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := projectsData{Vocab: voc, Filter: r.URL.Query()}
	status := http.StatusOK
	f, ferr := projectFilterFrom(r.URL.Query())
	if ferr != nil {
		fv, _ := m.refused(r, ferr)
		d.Failed, status = fv.Error, http.StatusUnprocessableEntity
	} else {
		q := r.URL.Query()
		q.Del("lang")
		d.CSV = "/capacity/projects/export.csv?" + q.Encode()
		if d.Projects, err = m.svc.Projects(ctx, f); err == nil && m.svc.viewer(ctx).secretariat() {
			d.Pending, err = m.svc.Projects(ctx, ProjectFilter{Pending: true})
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	for _, list := range [][]Project{d.Projects, d.Pending} {
		for i := range list {
			localProject(&list[i], web.Lang(r))
		}
	}
	if f.Own || f.Pending {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, status, "capacity/projects.html", "", d)
}

// projectsCSV exports the directory as CSV (same filters and rules as the
// page). Cells that a spreadsheet would read as a formula are prefixed.
func (m *Module) projectsCSV(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilterFrom(r.URL.Query())
	if err != nil {
		m.fail(w, r, err)
		return
	}
	list, err := m.svc.Projects(r.Context(), f)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="capacity-projects.csv"`)
	if f.Own || f.Pending {
		w.Header().Set("Cache-Control", "no-store")
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "title", "beneficiary", "region", "beneficiaries", "implementer", "funders", "norms", "topics", "starts_on", "ends_on", "status", "outcome", "url"})
	for _, p := range list {
		_ = cw.Write(safeCells([]string{p.ID, p.Title, p.Beneficiary, p.Region, strings.Join(p.beneficiaryStates(), " "), p.Implementer, p.Funders, strings.Join(p.Norms, " "), strings.Join(p.Topics, " "),
			p.StartsOn, p.EndsOn, p.Status, p.Outcome, m.svc.P.Link("/capacity/projects/" + p.ID)}))
	}
	cw.Flush()
}

// safeCells prefixes cells a spreadsheet would take for a formula.
func safeCells(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

type projectPageData struct {
	ProjectView
	NormLabels      map[string]string
	Statuses        []string
	ProjectStatuses []string
	Form            Form
}

func (m *Module) projectPage(w http.ResponseWriter, r *http.Request) {
	m.renderProject(w, r, http.StatusOK, Form{})
}

func (m *Module) renderProject(w http.ResponseWriter, r *http.Request, status int, f Form) {
	pv, err := m.svc.ProjectByID(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	localProject(&pv.Project, web.Lang(r))
	if pv.Review != ReviewPublished {
		w.Header().Set("Cache-Control", "no-store")
	}
	m.site.Render(w, r, status, "capacity/project.html", "", projectPageData{ProjectView: pv, NormLabels: m.svc.normLabels(r.Context()), Statuses: MilestoneStatuses, ProjectStatuses: []string{ProjectRunning, ProjectFinished, ProjectCancelled}, Form: f})
}

func (m *Module) projectFormDone(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err != nil {
		if f, ok := m.refused(r, err); ok {
			m.renderProject(w, r, f.Status, f)
			return
		}
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/projects/"+r.PathValue("id"), flash)
}

func (m *Module) updateProjectForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	in := ProjectInput{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Funders: r.PostFormValue("funders"), StartsOn: r.PostFormValue("starts_on"),
		EndsOn: r.PostFormValue("ends_on"), Budget: r.PostFormValue("budget"), Status: r.PostFormValue("status"), Outcome: r.PostFormValue("outcome_text"), Evaluation: r.PostFormValue("evaluation_text")}
	if bs, ok := r.PostForm["beneficiaries"]; ok {
		if in.Beneficiaries = ParseList(bs); in.Beneficiaries == nil {
			in.Beneficiaries = []string{} // emptied: refused, the lead stays
		}
	}
	_, err := m.svc.UpdateProject(r.Context(), r.PathValue("id"), in)
	m.projectFormDone(w, r, err, "capacity.saved")
}

func (m *Module) addMilestoneForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.AddMilestone(r.Context(), r.PathValue("id"), MilestoneInput{Title: r.PostFormValue("title"), DueOn: r.PostFormValue("due_on")})
	m.projectFormDone(w, r, err, "capacity.saved")
}

func (m *Module) setMilestoneForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.SetMilestone(r.Context(), r.PathValue("id"), r.PathValue("mid"), MilestoneInput{Status: r.PostFormValue("status")})
	m.projectFormDone(w, r, err, "capacity.saved")
}

func (m *Module) postUpdateForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.PostUpdate(r.Context(), r.PathValue("id"), UpdateInput{Body: r.PostFormValue("body")})
	m.projectFormDone(w, r, err, "capacity.saved")
}

func (m *Module) requestPublicationForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.RequestPublication(r.Context(), r.PathValue("id"))
	m.projectFormDone(w, r, err, "capacity.publication_requested")
}

func (m *Module) reviewProjectForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.ReviewProject(r.Context(), r.PathValue("id"), ReviewInput{Publish: r.PostFormValue("publish") == "yes"})
	m.projectFormDone(w, r, err, "capacity.saved")
}

func (m *Module) apiProjects(w http.ResponseWriter, r *http.Request) {
	f, err := projectFilterFrom(r.URL.Query())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	list, err := m.svc.Projects(r.Context(), f)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, api.List[Project]{Items: list})
}

func (m *Module) apiProject(w http.ResponseWriter, r *http.Request) {
	pv, err := m.svc.ProjectByID(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	noStore(w, r)
	api.WriteJSON(w, http.StatusOK, pv)
}

func (m *Module) apiUpdateProject(w http.ResponseWriter, r *http.Request) {
	var in ProjectInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.UpdateProject(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiAddMilestone(w http.ResponseWriter, r *http.Request) {
	var in MilestoneInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	ms, err := m.svc.AddMilestone(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, ms)
}

func (m *Module) apiSetMilestone(w http.ResponseWriter, r *http.Request) {
	var in MilestoneInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	ms, err := m.svc.SetMilestone(r.Context(), r.PathValue("id"), r.PathValue("mid"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, ms)
}

func (m *Module) apiPostUpdate(w http.ResponseWriter, r *http.Request) {
	var in UpdateInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	u, err := m.svc.PostUpdate(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, u)
}

func (m *Module) apiRequestPublication(w http.ResponseWriter, r *http.Request) {
	p, err := m.svc.RequestPublication(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}

func (m *Module) apiReviewProject(w http.ResponseWriter, r *http.Request) {
	var in ReviewInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.svc.ReviewProject(r.Context(), r.PathValue("id"), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, p)
}
