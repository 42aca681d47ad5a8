package reporting

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

type cycleRow struct {
	Cycle
	Phase string
	Mine  *Report // the signed-in State user's report in the cycle
}

type indexData struct {
	Cycles      []cycleRow
	Secretariat bool
	StateUser   bool
	State       string
	Input       CycleInput
	Error       *Problem
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	m.renderIndex(w, r, http.StatusOK, indexData{})
}

func (m *Module) renderIndex(w http.ResponseWriter, r *http.Request, status int, d indexData) {
	ctx := r.Context()
	cycles, err := m.Svc.Cycles(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	d.Secretariat = u != nil && u.Role == auth.RoleSecretariat
	d.StateUser = u != nil && u.Role.IsState()
	mine := map[string]Report{}
	if d.StateUser {
		d.State = u.StateISO3
		list, _, err := m.Svc.List(ctx, ListFilter{State: u.StateISO3, Limit: 500})
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, rep := range list {
			mine[rep.CycleID] = rep
		}
	}
	now := m.Svc.Now()
	for _, c := range cycles {
		row := cycleRow{Cycle: c, Phase: c.Phase(now)}
		if rep, ok := mine[c.ID]; ok {
			row.Mine = &rep
		}
		d.Cycles = append(d.Cycles, row)
	}
	m.site.Render(w, r, status, "reporting/index.html", "", d)
}

func (m *Module) createCycle(w http.ResponseWriter, r *http.Request) {
	in := CycleInput{Name: r.PostFormValue("name"), OpensOn: r.PostFormValue("opens_on"), DueOn: r.PostFormValue("due_on"), ClosesOn: r.PostFormValue("closes_on"), Notes: r.PostFormValue("notes")}
	c, err := m.Svc.CreateCycle(r.Context(), in)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		m.renderIndex(w, r, p.Status, indexData{Input: in, Error: p})
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/cycles/"+c.ID, "reporting.cycle_created")
}

type cycleData struct {
	Cycle        Cycle
	Phase        string
	Reports      []reportRow
	Confidential int // submitted confidential reports, counted only
	Submitted    int
	Late         int
	StateUser    bool
	Mine         *Report
	CanCarry     bool
	// Query is the filter typed in the list's form; Total the reports
	// listed without it.
	Query string
	Total int
}

type reportRow struct {
	Report
	StateName string
}

func stateName(iso3, lang string) string {
	if s, ok := states.ByISO3(iso3); ok {
		return s.Name(lang)
	}
	return iso3
}

func (m *Module) cyclePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := m.Svc.Cycle(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d := cycleData{Cycle: c, Phase: c.Phase(m.Svc.Now())}
	list, _, err := m.Svc.List(ctx, ListFilter{CycleID: c.ID, Limit: 500})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	d.Query = strings.TrimSpace(r.URL.Query().Get("q"))
	d.Total = len(list)
	for _, rep := range list {
		if matchState(rep.StateISO3, lang, d.Query) {
			d.Reports = append(d.Reports, reportRow{Report: rep, StateName: stateName(rep.StateISO3, lang)})
		}
	}
	byStateName(d.Reports, lang)
	if err := m.Svc.P.DB.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN visibility = 'confidential' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN late THEN 1 ELSE 0 END), 0) FROM reports WHERE cycle_id = ? AND current_version > 0`, c.ID).
		Scan(&d.Submitted, &d.Confidential, &d.Late); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	if u != nil && u.Role.IsState() {
		d.StateUser = true
		for i := range list {
			if list[i].StateISO3 == u.StateISO3 {
				d.Mine = &list[i]
			}
		}
		var n int
		_ = m.Svc.P.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE state_iso3 = ? AND cycle_year < ? AND current_version > 0`, u.StateISO3, c.Year).Scan(&n)
		d.CanCarry = n > 0
	}
	m.site.Render(w, r, http.StatusOK, "reporting/cycle.html", c.Name, d)
}

func (m *Module) start(w http.ResponseWriter, r *http.Request) {
	rep, err := m.Svc.Start(r.Context(), StartInput{CycleID: r.PostFormValue("cycle_id"), CarryForward: r.PostFormValue("carry_forward") != ""})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/reports/"+rep.ID+"/edit", "reporting.started")
}

type showData struct {
	View      View
	StateName string
	Sections  []section
	Labels    bodyLabels
	ILaw      template.HTML
	Versions  []Version
	Insider   bool
	CanEdit   bool
	CanSubmit bool
	CanReopen bool
	// GapLink offers, under each capacity gap, to turn it into a need in
	// the capacity module (the State's own users, on the version that
	// module reads: the draft while drafting, else the current version).
	GapLink  bool
	Print    bool
	Blank    bool
	Blanks   []int
	Types    []string
	Statuses []string
	// Handoff and Thread are the hand-off panel and the comment thread,
	// for the State's own users only (nil for everyone else).
	Handoff *handoffData
	Thread  *threadData
	// Paging is the page of a paged view (the report's page, not its
	// print view), nil when the report fits on one; HideILaw leaves the
	// position on international law, which ends the report, to the last
	// page.
	Paging   *paging
	HideILaw bool
}

// showData is the report's view: whole (the print view), or else the page
// ?page= of it (measuresPerPage measures at most).
func (m *Module) showData(r *http.Request, whole bool) (showData, error) {
	ctx := r.Context()
	v, err := versionParam(r)
	if err != nil {
		return showData{}, err
	}
	page := 1
	if !whole {
		if page, err = pageParam(r); err != nil {
			return showData{}, err
		}
	}
	view, err := m.Svc.open(ctx, r.PathValue("id"), v, whole)
	if err != nil {
		return showData{}, err
	}
	d := showData{View: view, StateName: stateName(view.Report.StateISO3, web.Lang(r)), Types: MeasureTypes, Statuses: MeasureStatuses}
	if d.Sections, err = m.Svc.sections(ctx, view.Content); err != nil {
		return d, err
	}
	if !whole {
		var pg *paging
		if d.Sections, pg, err = m.Svc.pageSections(ctx, r, view, d.Sections, page); err != nil {
			return d, err
		}
		if pg.Pages > 1 {
			d.Paging = pg
		}
		d.HideILaw = page < pg.Pages
	}
	if !d.HideILaw {
		d.ILaw = Markdown(view.Content.ILawSummary)
	}
	d.Labels = m.body(r, d.Sections)
	if d.Versions, err = m.Svc.Versions(ctx, view.Report.ID); err != nil {
		return d, err
	}
	u := auth.UserFrom(ctx)
	d.Insider = insider(u, view.Report.StateISO3)
	acts := u.ActsFor(view.Report.StateISO3)
	d.CanEdit = acts && view.Report.Status == StatusDraft
	d.CanSubmit = d.CanEdit && u.Role == auth.RoleStateApprover
	d.CanReopen = acts && u.Role == auth.RoleStateApprover && view.Report.Status == StatusSubmitted
	def := view.Report.CurrentVersion
	if view.Report.Status == StatusDraft {
		def = 0
	}
	d.GapLink = acts && view.Version == def
	if d.Handoff, err = m.handoff(r, view.Report); err != nil {
		return d, err
	}
	// The comment thread is the report's, not a page's: it is on the
	// first page (the pages' contents link there).
	if page == 1 {
		if d.Thread, err = m.thread(r, view.Report, "*"); err != nil {
			return d, err
		}
	}
	return d, nil
}

func (m *Module) show(w http.ResponseWriter, r *http.Request) {
	d, err := m.showData(r, false)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "reporting/show.html", d.StateName+" "+d.View.Report.CycleName, d)
}

// print is the printable report; ?blank=1 adds empty rows under every norm
// so a partial draft can be completed on paper for internal coordination.
func (m *Module) print(w http.ResponseWriter, r *http.Request) {
	d, err := m.showData(r, true)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d.Print = true
	d.Blank = r.URL.Query().Get("blank") != ""
	if d.Blank {
		d.Blanks = []int{1, 2, 3}
	}
	m.site.Render(w, r, http.StatusOK, "reporting/print.html", d.StateName+" "+d.View.Report.CycleName, d)
}

// questionnaire is the empty questionnaire, printable.
func (m *Module) questionnaire(w http.ResponseWriter, r *http.Request) {
	d := showData{Print: true, Blank: true, Blanks: []int{1, 2, 3, 4, 5}, Types: MeasureTypes, Statuses: MeasureStatuses}
	var err error
	if d.Sections, err = m.Svc.sections(r.Context(), Content{}); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Labels = m.body(r, d.Sections)
	m.site.Render(w, r, http.StatusOK, "reporting/print.html", "", d)
}

// ---- editing ----

type editData struct {
	Report    Report
	StateName string
	Sections  []section
	Content   Content
	AllNorms  []framework.Norm
	Types     []string
	Statuses  []string
	Error     *Problem
	Errors    web.FormErrors
	Stale     string
	Count     int
	// Section is the section edited on its own page ("" for the whole
	// draft at once, the fallback of a refused whole-form save); ShowILaw
	// says the international-law position is on the page.
	Section      string
	SectionLabel string
	ShowILaw     bool
	Completed    bool
	Prev, Next   *taskRow
	Handoff      *handoffData
	Thread       *threadData
	// Forms are the measures' forms by their index, written in Go
	// (editForms).
	Forms []template.HTML
}

// taskRow is one section on the draft's task list.
type taskRow struct {
	SectionState
	Label string // "(c)" or the international-law heading
	Title string
	URL   string
}

type tasksData struct {
	Report    Report
	StateName string
	Tasks     []taskRow
	Completed int
	NoMeasure int
	Approver  bool
	Handoff   *handoffData
	Comments  map[string]int // comments by section ("" the report as a whole)
}

// draftFor opens the draft for the State's own users, else refuses; with
// its measures only when whole (the task list counts them, a section's
// page reads its norm's own).
func (m *Module) draftFor(r *http.Request, whole bool) (View, error) {
	view, err := m.Svc.open(r.Context(), r.PathValue("id"), 0, whole)
	if err != nil {
		return View{}, err
	}
	if !auth.UserFrom(r.Context()).ActsFor(view.Report.StateISO3) {
		return View{}, ErrForbidden
	}
	return view, nil
}

// tasks lists the draft's sections with their status.
func (m *Module) tasks(r *http.Request, rep Report) ([]taskRow, error) {
	ctx := r.Context()
	states, err := m.Svc.SectionStates(ctx, rep.ID)
	if err != nil {
		return nil, err
	}
	norms, err := m.Svc.FW.Norms(ctx, "", web.Lang(r))
	if err != nil {
		return nil, err
	}
	titles := map[string]string{}
	for _, n := range norms {
		titles[n.ID] = n.ShortTitle
	}
	out := make([]taskRow, len(states))
	for i, st := range states {
		out[i] = taskRow{SectionState: st, URL: "/reports/" + rep.ID + "/edit/" + st.Section}
		if st.Section == SectionILaw {
			out[i].Title = m.site.Catalog.T(web.Lang(r), "reporting.ilaw")
		} else {
			out[i].Label, out[i].Title = m.Svc.normLabel(ctx, st.Section), titles[st.Section]
		}
	}
	return out, nil
}

// edit is the draft's task list: every section with its status, what is
// left, and a link to each section's own page.
func (m *Module) edit(w http.ResponseWriter, r *http.Request) {
	view, err := m.draftFor(r, false)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d := tasksData{Report: view.Report, StateName: stateName(view.Report.StateISO3, web.Lang(r)), Approver: auth.UserFrom(r.Context()).Role == auth.RoleStateApprover}
	if d.Tasks, err = m.tasks(r, view.Report); err != nil {
		m.fail(w, r, err)
		return
	}
	for _, t := range d.Tasks {
		if t.Status == SectionCompleted {
			d.Completed++
		}
		if t.Section != SectionILaw && t.Measures == 0 {
			d.NoMeasure++
		}
	}
	if d.Handoff, err = m.handoff(r, view.Report); err != nil {
		m.fail(w, r, err)
		return
	}
	cs, err := m.Svc.Comments(r.Context(), view.Report.ID, "*")
	if err != nil {
		m.fail(w, r, err)
		return
	}
	d.Comments = map[string]int{}
	for _, c := range cs {
		d.Comments[c.Section]++
	}
	m.site.Render(w, r, http.StatusOK, "reporting/tasks.html", d.StateName+" "+view.Report.CycleName, d)
}

// sectionPart is the part of c that belongs to a section.
func sectionPart(c Content, section string) Content {
	part := Content{Measures: []Measure{}, Notes: []NormNotes{}, ILawLinks: []Link{}}
	if section == SectionILaw {
		part.ILawSummary, part.ILawLinks = c.ILawSummary, c.ILawLinks
		return part
	}
	for _, ms := range c.Measures {
		if ms.NormID == section {
			part.Measures = append(part.Measures, ms)
		}
	}
	for _, n := range c.Notes {
		if n.NormID == section {
			part.Notes = append(part.Notes, n)
		}
	}
	return part
}

// editSection is one section of the draft on its own page.
func (m *Module) editSection(w http.ResponseWriter, r *http.Request) {
	view, err := m.draftFor(r, false)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	section := r.PathValue("section")
	if err := m.Svc.loadNorms(r.Context()); err != nil || !m.Svc.isSection(section) {
		m.fail(w, r, ErrNotFound)
		return
	}
	part := sectionPart(view.Content, section)
	if section != SectionILaw {
		// The norm's own measures, not the whole draft's (issue 20).
		if part.Measures, err = loadNormMeasures(r.Context(), m.Svc.P.DB, part.Measures, view.Report.ID, 0, section, 0, MaxMeasures); err != nil {
			m.fail(w, r, err)
			return
		}
	}
	m.renderEdit(w, r, http.StatusOK, view.Report, part, nil, nil, section)
}

// renderEdit shows the edit form with c: one section's page, or (section
// "") the whole draft; p is a stale-save refusal, errs the refusals of the
// content, shown at their fields.
func (m *Module) renderEdit(w http.ResponseWriter, r *http.Request, status int, rep Report, c Content, p *Problem, errs web.FormErrors, section string) {
	ctx := r.Context()
	d := editData{Report: rep, StateName: stateName(rep.StateISO3, web.Lang(r)), Content: c, Types: MeasureTypes, Statuses: MeasureStatuses, Error: p, Errors: errs,
		Section: section, ShowILaw: section == "" || section == SectionILaw}
	if p != nil && p.Code == "stale_revision" {
		d.Stale = m.problemText(r, p)
	}
	var err error
	if d.Sections, err = m.Svc.sections(ctx, c); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if section != "" {
		kept := d.Sections[:0]
		for _, sc := range d.Sections {
			if sc.Norm.ID == section {
				kept = append(kept, sc)
			}
		}
		d.Sections = kept
		tasks, err := m.tasks(r, rep)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		for i, t := range tasks {
			if t.Section != section {
				continue
			}
			d.SectionLabel = strings.TrimSpace(t.Label + " " + t.Title)
			d.Completed = t.Status == SectionCompleted
			if i > 0 {
				d.Prev = &tasks[i-1]
			}
			if i+1 < len(tasks) {
				d.Next = &tasks[i+1]
			}
		}
	}
	// Blank measures per norm, numbered after the existing ones: one, or
	// on a section's page as many as ?blanks= asks ("add another measure"
	// without JavaScript comes back with one more).
	blanks := 1
	if section != "" {
		if k, err := strconv.Atoi(r.URL.Query().Get("blanks")); err == nil && k > 1 {
			blanks = min(k, MaxBlankMeasures)
		}
	}
	n := len(c.Measures)
	for i := range d.Sections {
		for b := 1; b <= blanks; b++ {
			d.Sections[i].Measures = append(d.Sections[i].Measures, measureView{Measure: Measure{NormID: d.Sections[i].Norm.ID}, Index: n, Blank: b})
			n++
		}
	}
	d.Count = n
	if d.Handoff, err = m.handoff(r, rep); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if section != "" {
		if d.Thread, err = m.thread(r, rep, section); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		if d.Thread != nil {
			d.Thread.Return = "section"
		}
	}
	if d.AllNorms, err = m.Svc.FW.Norms(ctx, "", web.Lang(r)); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.editForms(&d, web.Lang(r))
	m.site.Render(w, r, status, "reporting/edit.html", d.StateName+" "+rep.CycleName, d)
}

// parseLinks reads one link per line: the address, then optionally a space
// and a label.
func parseLinks(s string) []Link {
	var out []Link
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		u, label, _ := strings.Cut(line, " ")
		out = append(out, Link{URL: u, Label: strings.TrimSpace(label)})
	}
	return out
}

// FormatLinks writes links one per line, as the edit form reads them.
func FormatLinks(l []Link) string {
	var b strings.Builder
	for _, x := range l {
		b.WriteString(x.URL)
		if x.Label != "" {
			b.WriteString(" " + x.Label)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// contentFromForm reads the edit form. Measures marked for removal, and the
// blank ones left empty, are dropped. at[i] is the form index (the N of
// "m.N.") of c.Measures[i].
func contentFromForm(r *http.Request) (c Content, at []int, err error) {
	c = Content{Measures: []Measure{}, Notes: []NormNotes{}}
	n, err := strconv.Atoi(r.PostFormValue("count"))
	if err != nil || n < 0 || n > MaxMeasures+100 {
		return c, nil, invalid("count", "the form is damaged; reload the page")
	}
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("m.%d.", i)
		if r.PostFormValue(p+"remove") != "" {
			continue
		}
		m := Measure{Key: r.PostFormValue(p + "key"), NormID: r.PostFormValue(p + "norm"), Title: r.PostFormValue(p + "title"), Description: r.PostFormValue(p + "description"),
			Type: r.PostFormValue(p + "type"), Status: r.PostFormValue(p + "status"), Date: r.PostFormValue(p + "date"), Links: parseLinks(r.PostFormValue(p + "links")), OtherNorms: r.PostForm[p+"other"]}
		if m.NormID == "" {
			continue
		}
		if m.Key == "" && strings.TrimSpace(m.Title) == "" && strings.TrimSpace(m.Description) == "" && len(m.Links) == 0 {
			continue // the blank measure, left blank
		}
		c.Measures = append(c.Measures, m)
		at = append(at, i)
	}
	for _, k := range r.PostForm["notes"] {
		c.Notes = append(c.Notes, NormNotes{NormID: k, Challenges: r.PostFormValue("n." + k + ".challenges"), CapacityGaps: r.PostFormValue("n." + k + ".gaps")})
	}
	c.ILawSummary = r.PostFormValue("ilaw_summary")
	c.ILawLinks = parseLinks(r.PostFormValue("ilaw_links"))
	return c, at, nil
}

// save stores the whole edit form (the fallback page of a refused
// whole-form save, and clients that post the whole draft).
func (m *Module) save(w http.ResponseWriter, r *http.Request) { m.saveForm(w, r, "") }

// saveSection stores one section's page and returns to it.
func (m *Module) saveSection(w http.ResponseWriter, r *http.Request) {
	if err := m.Svc.loadNorms(r.Context()); err != nil || !m.Svc.isSection(r.PathValue("section")) {
		m.fail(w, r, ErrNotFound)
		return
	}
	m.saveForm(w, r, r.PathValue("section"))
}

// saveForm stores the edit form of a section (or, section "", of the whole
// draft). The autosave script (static/autosave.js) posts the same form
// asking for JSON; it is answered by autosave instead of a page.
func (m *Module) saveForm(w http.ResponseWriter, r *http.Request, section string) {
	ctx := r.Context()
	asJSON := wantsJSON(r)
	r.Body = http.MaxBytesReader(w, r.Body, MaxJSONBody)
	if err := r.ParseForm(); err != nil {
		p := &Problem{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Key: "reporting.err.too_large", Message: "the form is too large"}
		if asJSON {
			m.autosaveFail(w, r, p)
			return
		}
		m.fail(w, r, p)
		return
	}
	rev, _ := strconv.Atoi(r.PostFormValue("revision"))
	c, at, err := contentFromForm(r)
	noteNorms := make([]string, len(c.Notes))
	for i, n := range c.Notes {
		noteNorms[i] = n.NormID
	}
	if err == nil {
		err = m.requireChoices(r, c)
	}
	store := func(c Content) (Report, error) {
		if section == "" {
			return m.Svc.SaveDraft(ctx, r.PathValue("id"), rev, c)
		}
		return m.Svc.SaveSection(ctx, r.PathValue("id"), rev, section, SectionInput{Part: c, Completed: r.PostFormValue("completed") != ""})
	}
	if asJSON {
		m.autosave(w, r, c, at, noteNorms, err, store)
		return
	}
	if err == nil {
		_, err = store(c)
	}
	var p *Problem
	if errors.As(err, &p) && (p.Status == http.StatusUnprocessableEntity || p.Code == "stale_revision") {
		rep, lerr := m.Svc.Report(ctx, r.PathValue("id"))
		if lerr != nil {
			m.fail(w, r, lerr)
			return
		}
		if p.Code != "stale_revision" {
			rep.Revision = rev // keep the editor's base revision: nothing was saved
		}
		// On a stale save the form keeps the editor's input and carries the
		// current revision: saving again is a deliberate overwrite.
		if p.Code == "stale_revision" {
			m.renderEdit(w, r, p.Status, rep, c, p, nil, section)
			return
		}
		m.renderEdit(w, r, p.Status, rep, c, nil, m.formErrors(r, c, noteNorms, p), section)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	back := "/reports/" + r.PathValue("id") + "/edit"
	if section != "" {
		back += "/" + section
	}
	if add := r.PostFormValue("add"); add != "" && m.Svc.isReportable(add) {
		// "Add another measure": back to the norm's page with one blank
		// more than were left blank, at the last of them.
		k := emptyBlanks(r, at) + 1
		mine := 0
		for _, ms := range c.Measures {
			if ms.NormID == add {
				mine++
			}
		}
		back = fmt.Sprintf("/reports/%s/edit/%s?blanks=%d#m.%d.fieldset", r.PathValue("id"), add, min(k, MaxBlankMeasures), mine+min(k, MaxBlankMeasures)-1)
	}
	m.site.Redirect(w, r, back, "reporting.saved")
}

// requireChoices refuses a measure posted through the form without a
// chosen type or implementation status: the form offers no default, so
// that a measure is never published as "legislation, planned" because
// nobody chose (the API keeps its documented defaults).
//
// Its refusals come with the content's own (Validate's, on a copy), so that
// the form shows every one at once.
func (m *Module) requireChoices(r *http.Request, c Content) error {
	var ps problems
	for i, ms := range c.Measures {
		f := fmt.Sprintf("measures[%d]", i)
		if ms.Type == "" {
			ps.keyed(f+".type", "reporting.err.type", nil, "choose the type of measure")
		}
		if ms.Status == "" {
			ps.keyed(f+".status", "reporting.err.status", nil, "choose the implementation status")
		}
	}
	if len(ps) == 0 {
		return nil
	}
	cp := c
	cp.Measures = append([]Measure(nil), c.Measures...)
	cp.Notes = append([]NormNotes(nil), c.Notes...)
	if err := m.Svc.loadNorms(r.Context()); err != nil {
		return err
	}
	var p *Problem
	if errors.As(m.Svc.Validate(&cp), &p) {
		ps = append(ps, p.All()...)
	}
	return ps.err()
}

// MaxBlankMeasures is the most blank measures a section's page shows.
const MaxBlankMeasures = 20

// emptyBlanks counts the blank measures of the posted form left blank (not
// among the kept form indices at).
func emptyBlanks(r *http.Request, at []int) int {
	n, _ := strconv.Atoi(r.PostFormValue("count"))
	kept := map[int]bool{}
	for _, i := range at {
		kept[i] = true
	}
	empty := 0
	for i := 0; i < n && i <= MaxMeasures+100; i++ {
		p := fmt.Sprintf("m.%d.", i)
		if !kept[i] && r.PostFormValue(p+"key") == "" && r.PostFormValue(p+"norm") != "" && r.PostFormValue(p+"remove") == "" {
			empty++
		}
	}
	return empty
}

// wantsJSON reports whether the form was posted by the autosave script.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// autosaveAnswer is the answer to a successful autosave.
type autosaveAnswer struct {
	Revision int       `json:"revision"`
	SavedAt  time.Time `json:"saved_at"`
	// Message says, in the page's language, when the draft was saved.
	Message string `json:"message"`
	// Keys are the keys given to new measures, by form index ("m.N."), for
	// the script to write back so the next save updates them rather than
	// adding them again under new keys.
	Keys map[string]string `json:"keys"`
}

// autosaveRefusal is the answer to a refused autosave.
type autosaveRefusal struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Errors are the refusals of the content, each with the id of its
	// input in the page, for the script to show beside the field.
	Errors []autosaveFieldError `json:"errors,omitempty"`
}

type autosaveFieldError struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Message string `json:"message"`
}

// autosave saves the posted form like save does, through the same service
// call, and answers JSON: the new revision, or the refusal with its message
// in the page's language. A stale save is refused (409) exactly as from the
// form; the script then stops and shows the message, and never overwrites.
func (m *Module) autosave(w http.ResponseWriter, r *http.Request, c Content, at []int, noteNorms []string, err error, store func(Content) (Report, error)) {
	keys := map[string]string{}
	if err == nil {
		for i := range c.Measures {
			if c.Measures[i].Key == "" {
				c.Measures[i].Key = id.New()
				keys[strconv.Itoa(at[i])] = c.Measures[i].Key
			}
		}
		var rep Report
		rep, err = store(c)
		if err == nil {
			saved := rep.UpdatedAt.UTC()
			api.WriteJSON(w, http.StatusOK, autosaveAnswer{Revision: rep.Revision, SavedAt: saved, Keys: keys,
				Message: m.site.Catalog.T(web.Lang(r), "reporting.autosaved", saved.Format("15:04 UTC"), rep.Revision)})
			return
		}
	}
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		// The page numbers measures by their place in the form ("m.N."),
		// which for the script is the posted index, not the saved one.
		errs := m.formErrors(r, c, noteNorms, p)
		out := autosaveRefusal{Code: p.Code, Field: p.Field, Message: m.site.Catalog.T(web.Lang(r), "reporting.autosave_refused")}
		for _, e := range errs {
			if g := strings.TrimPrefix(e.ID, "m."); g != e.ID {
				if k, rest, ok := strings.Cut(g, "."); ok {
					if i, err := strconv.Atoi(k); err == nil && i < len(at) {
						e.ID = "m." + strconv.Itoa(at[i]) + "." + rest
					}
				}
			}
			out.Errors = append(out.Errors, autosaveFieldError{ID: e.ID, Label: e.Label, Message: e.Message})
		}
		api.WriteJSON(w, p.Status, out)
		return
	}
	m.autosaveFail(w, r, err)
}

func (m *Module) autosaveFail(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if !errors.As(err, &p) {
		m.site.Log.Error("autosave", "path", r.URL.Path, "err", err)
		api.WriteJSON(w, http.StatusInternalServerError, autosaveRefusal{Code: "internal", Message: m.site.Catalog.T(web.Lang(r), "reporting.autosave_failed")})
		return
	}
	api.WriteJSON(w, p.Status, autosaveRefusal{Code: p.Code, Field: p.Field, Message: m.problemText(r, p)})
}

func (m *Module) submit(w http.ResponseWriter, r *http.Request) {
	v, err := m.Svc.Submit(r.Context(), r.PathValue("id"), SubmitInput{Visibility: r.PostFormValue("visibility"), Note: r.PostFormValue("note")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, fmt.Sprintf("/reports/%s?version=%d", v.ReportID, v.Version), "reporting.submitted")
}

func (m *Module) reopen(w http.ResponseWriter, r *http.Request) {
	rep, err := m.Svc.Reopen(r.Context(), r.PathValue("id"), ReopenInput{Note: r.PostFormValue("note")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/reports/"+rep.ID+"/edit", "reporting.reopened")
}

type diffData struct {
	Diff      Diff
	Report    Report
	StateName string
	Labels    map[string]string
	Against   string
}

func (m *Module) diff(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := versionParam(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	against := r.URL.Query().Get("against")
	d, err := m.Svc.DiffReport(ctx, r.PathValue("id"), v, against)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	rep, err := m.Svc.Report(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	labels := map[string]string{}
	for _, nd := range d.Norms {
		labels[nd.NormID] = m.Svc.normLabel(ctx, nd.NormID)
	}
	if against == "" {
		against = AgainstPreviousVersion
	}
	m.site.Render(w, r, http.StatusOK, "reporting/diff.html", "", diffData{Diff: d, Report: rep, StateName: stateName(rep.StateISO3, web.Lang(r)), Labels: labels, Against: against})
}
