package incidents

import (
	"context"
	"errors"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/incidents/actors"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Choices are the vocabularies the forms and filters offer.
type Choices struct {
	Types, Sectors, AttributorKinds, Bases, Answers, ResponseKinds []string
	Impact                                                         []ImpactLevel
	Norms                                                          []NormRef
	Topics                                                         []LawTopic
	States                                                         []states.State
	ATTACK                                                         string
	Notice                                                         string
}

// choices are the lists the forms and filters offer, in the request's
// language. The law topics and the norms' names are read from the
// database; they are kept per language until something is written
// (audit.KeptBy), and shared: callers must not change them. A list the
// database cannot give is left empty, as the page can do without it.
func (s *Service) choices(ctx context.Context) Choices {
	lang := web.LangOf(ctx)
	c, _ := s.choiceLists.Get(ctx, s.DB, lang, func(ctx context.Context) (Choices, error) {
		c := Choices{Types: Types, Sectors: Sectors, AttributorKinds: AttributorKinds, Bases: Bases, Answers: Answers, ResponseKinds: ResponseKinds,
			Impact: Impact, States: states.All(), ATTACK: attack.Version(), Notice: actors.Notice()}
		var err error
		if c.Topics, err = s.lawTopics(ctx); err != nil {
			return c, err
		}
		if s.Norms != nil {
			c.Norms, err = s.Norms(ctx, lang)
		}
		return c, err
	})
	return c
}

// Norm is the norm with that id as the pages name it; a norm the framework
// does not know (or no framework) is named by its id.
func (c Choices) Norm(id string) NormRef {
	for _, n := range c.Norms {
		if n.ID == id {
			return n
		}
	}
	return NormRef{ID: id, Title: id, Lang: "en"}
}

// NormName is the norm's citation and short title, isolated in a <bdi>
// with the title's language ("(a) Coopérer…", or an English-only title
// marked lang=en on any page).
func (c Choices) NormName(id string) template.HTML {
	n := c.Norm(id)
	return web.Isolate(n.Name(), n.Lang)
}

// NormIn is a sentence of the page (already in its language) that names
// the norm where it says {norm}: the text escaped, the norm's name isolated
// in a <bdi> with its title's language (NormName), so that an English-only
// title inside a French heading is marked as English and keeps its place in
// an Arabic one.
func (c Choices) NormIn(text, id string) template.HTML {
	before, after, _ := strings.Cut(text, "{norm}")
	return template.HTML(html.EscapeString(before)) + c.NormName(id) + template.HTML(html.EscapeString(after))
}

// Name is the norm's citation and short title: "(a) Cooperate…".
func (n NormRef) Name() string {
	if n.Label == "" {
		return n.Title
	}
	return n.Label + " " + n.Title
}

// IncidentForm is the incident form's text, as typed.
type IncidentForm struct {
	Name, Summary, Start, End, Type, Receivers, Initiators, Techniques, Sources, Note string
	ZeroDay                                                                           bool
	Impact                                                                            int
}

func formOf(x IncidentInput) IncidentForm {
	f := IncidentForm{Name: x.Name, Summary: x.Summary, Start: x.Start, End: x.End, Type: x.Type, ZeroDay: x.ZeroDay, Impact: x.Impact,
		Techniques: strings.Join(x.Techniques, ", ")}
	var b strings.Builder
	for _, r := range x.Receivers {
		b.WriteString(r.State + " " + r.Sector + "\n")
	}
	f.Receivers = b.String()
	b.Reset()
	for _, a := range x.Initiators {
		name := a.Name
		if a.GroupID != "" {
			name = a.GroupID
		}
		b.WriteString(name)
		if a.State != "" {
			b.WriteString(" | " + a.State)
		}
		b.WriteString("\n")
	}
	f.Initiators = b.String()
	f.Sources = sourcesText(x.Sources)
	return f
}

func sourcesText(ss []Source) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.URL + " | " + s.Title)
		if s.Date != "" {
			b.WriteString(" | " + s.Date)
		}
		b.WriteString("\n")
	}
	return b.String()
}

var groupIDRE = regexp.MustCompile(`^[Gg][0-9]{4}$`)

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func pipes(l string, n int) []string {
	parts := strings.SplitN(l, "|", n)
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	for len(parts) < n {
		parts = append(parts, "")
	}
	return parts
}

func parseSources(s string) []Source {
	var out []Source
	for _, l := range lines(s) {
		p := pipes(l, 3)
		out = append(out, Source{URL: p[0], Title: p[1], Date: p[2]})
	}
	return out
}

func incidentFormFrom(r *http.Request) (IncidentForm, IncidentInput) {
	f := IncidentForm{Name: r.PostFormValue("name"), Summary: r.PostFormValue("summary"), Start: r.PostFormValue("start"), End: r.PostFormValue("end"),
		Type: r.PostFormValue("type"), Receivers: r.PostFormValue("receivers_text"), Initiators: r.PostFormValue("initiators_text"),
		Techniques: r.PostFormValue("techniques"), Sources: r.PostFormValue("sources_text"), Note: r.PostFormValue("note"), ZeroDay: r.PostFormValue("zero_day") != ""}
	in := IncidentInput{Name: f.Name, Summary: f.Summary, Start: f.Start, End: f.End, Type: f.Type, ZeroDay: f.ZeroDay, Techniques: ParseList(f.Techniques)}
	impact, err := strconv.Atoi(r.PostFormValue("impact"))
	if err != nil {
		impact = -1
	}
	f.Impact, in.Impact = impact, impact
	for _, l := range lines(f.Receivers) {
		parts := strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == ',' || r == '|' || r == '\t' })
		rc := Receiver{}
		if len(parts) > 0 {
			rc.State = parts[0]
		}
		if len(parts) > 1 {
			rc.Sector = parts[1]
		}
		in.Receivers = append(in.Receivers, rc)
	}
	for _, l := range lines(f.Initiators) {
		p := pipes(l, 2)
		a := Initiator{Name: p[0], State: p[1]}
		if groupIDRE.MatchString(p[0]) {
			a = Initiator{GroupID: p[0], State: p[1]}
		}
		in.Initiators = append(in.Initiators, a)
	}
	in.Sources = parseSources(f.Sources)
	return f, in
}

type formData struct {
	Form     IncidentForm
	Error    *FieldError
	Choices  Choices
	Incident *Incident
	Action   string
	Propose  bool
}

type listData struct {
	Filter  Filter
	Items   []*Incident
	Next    string
	NextURL string
	Choices Choices
	Drafts  []*Incident
	Error   *FieldError
	// ItemsHTML is the list of Items already rendered and FiltersHTML the
	// filters' form (the kept first page); the page renders them when they
	// are empty.
	ItemsHTML, FiltersHTML template.HTML
}

// firstList is the first page of the published incidents, without
// filters, in a language: the filters' choices, the filters' form (no
// value chosen) and the list rendered, and the cursor of the next page. It is the same for every reader in the language
// until something is written (Module.firstList).
type firstList struct {
	Choices                Choices
	ItemsHTML, FiltersHTML template.HTML
	Next                   string
}

// isFirstPage tells whether f is the first page of every published
// incident, newest first, in pages of the default size.
func (f Filter) isFirstPage() bool { return f == Filter{} || f == Filter{Limit: 50} }

func (m *Module) listPage(w http.ResponseWriter, r *http.Request) {
	f, err := filterFromQuery(r)
	if err == nil {
		f.After = r.URL.Query().Get("after")
	}
	var d listData
	if err == nil && f.isFirstPage() {
		var first firstList
		first, err = m.firstList.Get(r.Context(), m.svc.DB, web.Lang(r), func(ctx context.Context) (firstList, error) {
			d := listData{Choices: m.svc.choices(ctx)}
			var err error
			if d.Items, d.Next, err = m.svc.List(ctx, f); err != nil {
				return firstList{}, err
			}
			items, err := m.site.Fragment(r, "incidents/list.html", "incident-list", d)
			if err != nil {
				return firstList{}, err
			}
			filters, err := m.site.Fragment(r, "incidents/list.html", "list-filters", d)
			return firstList{Choices: d.Choices, ItemsHTML: items, FiltersHTML: filters, Next: d.Next}, err
		})
		d.Choices, d.ItemsHTML, d.FiltersHTML, d.Next = first.Choices, first.ItemsHTML, first.FiltersHTML, first.Next
	} else {
		d.Choices = m.svc.choices(r.Context())
		if err == nil {
			d.Items, d.Next, err = m.svc.List(r.Context(), f)
		}
	}
	d.Filter = f
	var fe *FieldError
	if errors.As(err, &fe) {
		d.Error = fe
		m.site.Render(w, r, http.StatusBadRequest, "incidents/list.html", "incidents.title", d)
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if d.Next != "" {
		q := r.URL.Query()
		q.Set("after", d.Next)
		d.NextURL = "/incidents?" + q.Encode()
	}
	if isSecretariat(user(r)) {
		if d.Drafts, err = m.svc.Drafts(r.Context()); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	m.site.Render(w, r, http.StatusOK, "incidents/list.html", "incidents.title", d)
}

type incidentData struct {
	*IncidentView
	Choices      Choices
	User         *auth.User
	Secretariat  bool
	CanAttribute bool
	CanRespond   bool
	CanPropose   bool
	Error        *FieldError
	ErrorFor     string
}

func (m *Module) incidentPage(w http.ResponseWriter, r *http.Request) {
	m.renderIncident(w, r, http.StatusOK, "", nil)
}

func (m *Module) renderIncident(w http.ResponseWriter, r *http.Request, status int, errFor string, fe *FieldError) {
	u := user(r)
	v, err := m.svc.view(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	d := incidentData{IncidentView: v, Choices: m.svc.choices(r.Context()), User: u, Secretariat: isSecretariat(u), Error: fe, ErrorFor: errFor}
	published := v.Status == StatusPublished
	d.CanAttribute = published && u != nil && (d.Secretariat || u.Role.IsState() && u.StateISO3 != "")
	d.CanRespond = published && u != nil && (d.Secretariat || u.Role == auth.RoleStateApprover)
	d.CanPropose = published && u != nil && u.Role == auth.RoleStakeholder && u.OrgID != ""
	m.site.Render(w, r, status, "incidents/incident.html", v.Name, d)
}

func (m *Module) newPage(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	d := formData{Choices: m.svc.choices(r.Context()), Action: "/incidents/new", Propose: !isSecretariat(u), Form: IncidentForm{Impact: 0}}
	m.site.Render(w, r, http.StatusOK, "incidents/form.html", "incidents.new", d)
}

func (m *Module) newForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	f, in := incidentFormFrom(r)
	d := formData{Form: f, Choices: m.svc.choices(r.Context()), Action: "/incidents/new", Propose: !isSecretariat(u)}
	if isSecretariat(u) {
		x, err := m.svc.CreateIncident(r.Context(), u, in)
		if m.formError(w, r, err, &d) {
			return
		}
		m.site.Redirect(w, r, "/incidents/"+x.ID, "incidents.flash.created")
		return
	}
	p, err := m.svc.Propose(r.Context(), u, ProposalInput{Incident: in, Note: f.Note})
	if m.formError(w, r, err, &d) {
		return
	}
	m.site.Redirect(w, r, "/incidents/proposals/"+p.ID, "incidents.flash.proposed")
}

// formError renders the form again with a field error and reports true,
// or handles another error; false when err is nil.
func (m *Module) formError(w http.ResponseWriter, r *http.Request, err error, d *formData) bool {
	if err == nil {
		return false
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		d.Error = fe
		title := "incidents.new"
		if d.Incident != nil {
			title = "incidents.edit"
		}
		m.site.Render(w, r, http.StatusUnprocessableEntity, "incidents/form.html", title, *d)
		return true
	}
	m.pageFail(w, r, err)
	return true
}

func (m *Module) editPage(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.Incident(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	d := formData{Form: formOf(x.input()), Choices: m.svc.choices(r.Context()), Incident: x, Action: "/incidents/edit/" + x.ID}
	m.site.Render(w, r, http.StatusOK, "incidents/form.html", "incidents.edit", d)
}

func (m *Module) editForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	x, err := m.svc.Incident(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	f, in := incidentFormFrom(r)
	d := formData{Form: f, Choices: m.svc.choices(r.Context()), Incident: x, Action: "/incidents/edit/" + x.ID}
	_, err = m.svc.UpdateIncident(r.Context(), u, x.ID, in)
	if m.formError(w, r, err, &d) {
		return
	}
	m.site.Redirect(w, r, "/incidents/"+x.ID, "incidents.flash.saved")
}

func (m *Module) publishForm(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.PublishIncident(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/"+x.ID, "incidents.flash.published")
}

func (m *Module) correctPage(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.Incident(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	d := formData{Form: formOf(x.input()), Choices: m.svc.choices(r.Context()), Incident: x, Action: "/incidents/correct/" + x.ID, Propose: true}
	m.site.Render(w, r, http.StatusOK, "incidents/form.html", "incidents.correct", d)
}

func (m *Module) correctForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	x, err := m.svc.Incident(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	f, in := incidentFormFrom(r)
	d := formData{Form: f, Choices: m.svc.choices(r.Context()), Incident: x, Action: "/incidents/correct/" + x.ID, Propose: true}
	p, err := m.svc.Propose(r.Context(), u, ProposalInput{IncidentID: x.ID, Incident: in, Note: f.Note})
	if m.formError(w, r, err, &d) {
		return
	}
	m.site.Redirect(w, r, "/incidents/proposals/"+p.ID, "incidents.flash.proposed")
}

type proposalsData struct {
	Proposals   []proposalRow
	Secretariat bool
	// After is where this page starts ("": at the newest), Next where the
	// next one does ("": none).
	After, Next string
}

// proposalsPerPage is how many proposals a page of the list shows.
const proposalsPerPage = 50

// proposalRow is a row of the list of proposals, prepared: its time
// written as the "datetime" template function writes it and its status in
// the reader's language, so that the template makes no call of its own for
// them in each of up to 200 rows (issue 20).
type proposalRow struct {
	ID, Name, IncidentName, OrgName string
	When, Status                    string
}

func (m *Module) proposalsPage(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	after := r.URL.Query().Get("after")
	ps, next, err := m.svc.ProposalItems(r.Context(), u, "", after, proposalsPerPage)
	if errors.Is(err, errBadCursor) {
		m.site.FieldError(w, r, http.StatusBadRequest, "after", err.Error())
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	t := m.site.Catalog.Labels(web.Lang(r))
	rows := make([]proposalRow, len(ps))
	for i, p := range ps {
		rows[i] = proposalRow{ID: p.ID, Name: p.Name, IncidentName: p.IncidentName, OrgName: p.OrgName,
			When: p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), Status: t("incidents.proposal." + p.Status)}
	}
	m.site.Render(w, r, http.StatusOK, "incidents/proposals.html", "incidents.proposals", proposalsData{Proposals: rows, Secretariat: isSecretariat(u), After: after, Next: next})
}

type proposalData struct {
	P           *Proposal
	Form        IncidentForm
	Choices     Choices
	Secretariat bool
	Error       *FieldError
}

func (m *Module) proposalPage(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	p, err := m.svc.Proposal(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/proposal.html", "incidents.proposal", proposalData{P: p, Form: formOf(p.Input), Choices: m.svc.choices(r.Context()), Secretariat: isSecretariat(u)})
}

func (m *Module) reviewForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	p, err := m.svc.Proposal(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	in := ReviewInput{Decision: r.PostFormValue("decision"), Reason: r.PostFormValue("reason")}
	f := formOf(p.Input)
	if in.Decision == "accept" && r.PostFormValue("name") != "" {
		var edited IncidentInput
		f, edited = incidentFormFrom(r)
		in.Incident = &edited
	}
	_, x, err := m.svc.ReviewProposal(r.Context(), u, p.ID, in)
	var fe *FieldError
	if errors.As(err, &fe) {
		m.site.Render(w, r, http.StatusUnprocessableEntity, "incidents/proposal.html", "incidents.proposal",
			proposalData{P: p, Form: f, Choices: m.svc.choices(r.Context()), Secretariat: true, Error: fe})
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	if x != nil {
		m.site.Redirect(w, r, "/incidents/"+x.ID, "incidents.flash.accepted")
		return
	}
	m.site.Redirect(w, r, "/incidents/proposals/"+p.ID, "incidents.flash.rejected")
}

func attributionFormInput(form url.Values) AttributionInput {
	in := AttributionInput{Date: form.Get("date"), AttributorKind: form.Get("attributor_kind"), States: ParseList(form.Get("attributor_states")),
		AttributorName: form.Get("attributor_name"), Basis: form.Get("basis"), NamedState: form.Get("named_state"), NamedActor: form.Get("named_actor"),
		Norms: form["norms"], Topics: form["law_topics"], Law: lines(form.Get("law_text")), StatementURL: form.Get("statement_url")}
	for _, l := range lines(form.Get("evidence_text")) {
		p := pipes(l, 3)
		in.Evidence = append(in.Evidence, Evidence{URL: p[0], Title: p[1], Kind: p[2]})
	}
	return in
}

func (m *Module) attributeForm(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	_, err := m.svc.AddAttribution(r.Context(), user(r), r.PathValue("id"), attributionFormInput(r.PostForm))
	var fe *FieldError
	if errors.As(err, &fe) {
		m.renderIncident(w, r, http.StatusUnprocessableEntity, "attribution", fe)
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/"+r.PathValue("id")+"#attributions", "incidents.flash.attributed")
}

func (m *Module) signForm(w http.ResponseWriter, r *http.Request) {
	a, err := m.svc.SignAttribution(r.Context(), user(r), r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/"+a.IncidentID+"#a-"+a.ID, "incidents.flash.signed")
}

func (m *Module) answerForm(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	a, err := m.svc.Attribution(r.Context(), u, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	_, err = m.svc.RecordAnswer(r.Context(), u, a.ID, AnswerInput{Response: r.PostFormValue("response"), Date: r.PostFormValue("date"), URL: r.PostFormValue("url")})
	var fe *FieldError
	if errors.As(err, &fe) {
		r.SetPathValue("id", a.IncidentID)
		m.renderIncident(w, r, http.StatusUnprocessableEntity, "answer-"+a.ID, fe)
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/"+a.IncidentID+"#a-"+a.ID, "incidents.flash.answered")
}

func (m *Module) respondForm(w http.ResponseWriter, r *http.Request) {
	in := ResponseInput{Kind: r.PostFormValue("kind"), Date: r.PostFormValue("date"), ByStates: ParseList(r.PostFormValue("by_states")),
		ByName: r.PostFormValue("by_name"), AgainstState: r.PostFormValue("against_state"), AgainstActor: r.PostFormValue("against_actor"),
		Description: r.PostFormValue("description"), Sources: parseSources(r.PostFormValue("sources_text"))}
	_, err := m.svc.AddResponse(r.Context(), user(r), r.PathValue("id"), in)
	var fe *FieldError
	if errors.As(err, &fe) {
		m.renderIncident(w, r, http.StatusUnprocessableEntity, "response", fe)
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/"+r.PathValue("id")+"#responses", "incidents.flash.responded")
}

// StateName is a State's name in lang, or the code.
func (c Choices) StateName(code, lang string) string {
	if st, ok := states.ByISO3(code); ok {
		return st.Name(lang)
	}
	return code
}

// TopicTitle is a topic of international law's title, or its id.
func (c Choices) TopicTitle(id string) template.HTML {
	for _, t := range c.Topics {
		if t.ID == id {
			return template.HTML(html.EscapeString(t.Title))
		}
	}
	return web.English(id) // a topic the positions module does not know
}

// GroupName is an ATT&CK group's name, or the text as given.
func (c Choices) GroupName(s string) string {
	if g, ok := actors.Lookup(s); ok {
		return g.Name + " (" + g.ID + ")"
	}
	return s
}

// Who turns a history writer ("state:FRA", "organisation:Name") into
// words.
// FieldLabelKey is the catalog key of a field's label as the incident
// form gives it, "" for a field it does not label (the history names the
// changed fields so).
func (c Choices) FieldLabelKey(field string) string { return fieldLabels[field] }

// IsAccount reports whether a history entry's author is a kind of account
// ("secretariat", "system", "user") rather than a State or an
// organisation, which are named.
func (c Choices) IsAccount(who string) bool { return !strings.Contains(who, ":") }

func (c Choices) Who(w, lang string) string {
	kind, rest, _ := strings.Cut(w, ":")
	switch kind {
	case "state":
		return c.StateName(rest, lang)
	case "organisation":
		return rest
	}
	return w
}
