package participation

import (
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// JobDeadlines is the periodic job that closes objection, voting and
// consultation periods.
const JobDeadlines = "participation.deadlines"

// Module serves the participation pages and API.
type Module struct {
	svc  *Service
	site *web.Site
}

// New registers templates, translations and the deadline job.
func New(ps *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("participation", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc := NewService(ps)
	ps.Jobs.Register(JobDeadlines, func(ctx context.Context, _ json.RawMessage) error {
		at := svc.now()
		if _, err := svc.CloseDue(ctx, at); err != nil {
			return err
		}
		_, err := svc.CloseDueConsultations(ctx, at)
		return err
	})
	ps.Jobs.Every(JobDeadlines, time.Minute)
	return &Module{svc: svc, site: ps.Site}, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /participation", web.Public, m.index)
	r.Handle("GET /participation/calendar.ics", web.Public, m.calendar)
	r.Handle("POST /participation/bodies", web.Secretariat, m.createBodyForm)
	r.Handle("GET /participation/bodies/{slug}", web.Public, m.body)
	r.Handle("POST /participation/bodies/{slug}", web.Secretariat, m.updateBodyForm)
	r.Handle("POST /participation/bodies/{slug}/circulate", web.Secretariat, m.circulateForm)
	r.Handle("POST /participation/bodies/{slug}/sessions", web.Secretariat, m.createSessionForm)
	r.Handle("GET /participation/sessions/{slug}", web.Public, m.session)
	r.Handle("POST /participation/sessions/{slug}", web.Secretariat, m.updateSessionForm)
	r.Handle("POST /participation/sessions/{slug}/apply", web.Stakeholder, m.applyForm)
	r.Handle("POST /participation/sessions/{slug}/statements", web.Roles(auth.RoleStakeholder, auth.RoleStateEditor, auth.RoleStateApprover), m.statementForm)
	r.Handle("GET /participation/statements/{id}", web.Public, m.statement)
	r.Handle("GET /participation/statements/{id}/file", web.Public, m.statementFile)
	r.Handle("POST /participation/statements/{id}/review", web.Secretariat, m.reviewForm)
	r.Handle("GET /participation/applications/{id}", web.Public, m.application)
	r.Handle("POST /participation/applications/{id}/submit", web.Stakeholder, m.submitForm)
	r.Handle("POST /participation/applications/{id}/object", web.StateApprover, m.objectForm)
	r.Handle("POST /participation/applications/{id}/withdraw", web.StateApprover, m.withdrawForm)
	r.Handle("POST /participation/applications/{id}/vote", web.StateApprover, m.voteForm)
	r.Handle("GET /participation/organisations", web.Public, m.organisations)
	r.Handle("GET /participation/organisations/{slug}", web.Public, m.organisation)
	r.Handle("POST /participation/organisations/{slug}", web.Roles(auth.RoleStakeholder, auth.RoleSecretariat), m.profileForm)
	r.Handle("GET /participation/states", web.Public, m.statesPage)
	r.Handle("GET /participation/states/{iso3}", web.Public, m.statePage)
	r.Handle("GET /participation/consultations", web.Public, m.consultations)
	r.Handle("POST /participation/consultations", web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover), m.openConsultationForm)
	r.Handle("GET /participation/consultations/{slug}", web.Public, m.consultation)
	r.Handle("POST /participation/consultations/{slug}/answers", web.Stakeholder, m.answersForm)
	r.Handle("GET /participation/consultations/{slug}/export.csv", web.Public, m.exportCSV)
	m.apiRoutes(r)
}

// problem renders a refused form: status 4xx naming the field and reason.
type problem struct {
	Field, Reason, Back string
	// Label is the catalog key of the field's label as its form gives it
	// (problemLabels), "" for a field that is no input of a form.
	Label string
}

// fail answers a page or form request that the service refused.
func (m *Module) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		m.site.Render(w, r, ae.Status, "participation/problem.html", "", problem{Field: ae.Field, Label: problemLabels[ae.Field], Reason: m.site.Catalog.ErrorText(web.Lang(r), ae), Back: back})
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "error.forbidden")
	default:
		m.site.ServerError(w, r, err)
	}
}

type indexData struct {
	Bodies        []Body
	Upcoming      []Session
	Consultations []Consultation
	Modalities    []Modality
	Majorities    []Majority
	BodyForm      Form
	Failed        *Failure
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	m.renderIndex(w, r, http.StatusOK, Form{Values: url.Values{"objection_days": {"10"}, "voting_days": {"10"}}}, nil)
}

// renderIndex shows the participation home page with the new-body form.
func (m *Module) renderIndex(w http.ResponseWriter, r *http.Request, status int, f Form, failed *Failure) {
	ctx := r.Context()
	d := indexData{BodyForm: f, Failed: failed, Modalities: Modalities, Majorities: Majorities}
	var err error
	if d.Bodies, err = m.svc.Bodies(ctx); err == nil {
		if d.Upcoming, err = m.svc.UpcomingSessions(ctx, m.svc.now()); err == nil {
			d.Consultations, err = m.svc.Consultations(ctx)
		}
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "participation/index.html", "", d)
}

func bodyInputFrom(r *http.Request) (BodyInput, error) {
	in := BodyInput{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Modality: Modality(r.PostFormValue("modality")),
		Majority: Majority(r.PostFormValue("majority")), Votes: r.PostFormValue("votes"), NameObjectors: r.PostFormValue("name_objectors") != "", ReasonRequired: r.PostFormValue("reason_required") != ""}
	var err error
	if in.ObjectionDays, err = number(r, "objection_days", "objection_days"); err != nil {
		return in, err
	}
	in.VotingDays, err = number(r, "voting_days", "voting_days")
	return in, err
}

// bodyValues fills the body form from a body.
func bodyValues(b Body) url.Values {
	v := url.Values{"slug": {b.Slug}, "name": {b.Name}, "description": {b.Description}, "modality": {string(b.Modality)},
		"objection_days": {strconv.Itoa(b.ObjectionDays)}, "voting_days": {strconv.Itoa(b.VotingDays)}, "majority": {string(b.Majority)}, "votes": {b.Votes}}
	if b.NameObjectors {
		v.Set("name_objectors", "on")
	}
	if b.ReasonRequired {
		v.Set("reason_required", "on")
	}
	return v
}

func (m *Module) createBodyForm(w http.ResponseWriter, r *http.Request) {
	in, err := bodyInputFrom(r)
	var b Body
	if err == nil {
		b, err = m.svc.CreateBody(r.Context(), in)
	}
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, bodyFields); ok {
			m.renderIndex(w, r, status, f, failed)
			return
		}
		m.fail(w, r, err, "/participation")
		return
	}
	m.site.Redirect(w, r, "/participation/bodies/"+b.Slug, "participation.saved")
}

func (m *Module) updateBodyForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	in, err := bodyInputFrom(r)
	if err == nil {
		_, err = m.svc.UpdateBody(r.Context(), slug, in)
	}
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, bodyFields); ok {
			m.renderBody(w, r, slug, status, bodyForms{Body: &f}, failed)
			return
		}
		m.fail(w, r, err, "/participation/bodies/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/bodies/"+slug, "participation.saved")
}

func (m *Module) circulateForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if _, err := m.svc.Circulate(r.Context(), slug); err != nil {
		if _, failed, status, ok := m.refusal(r, err, nil); ok {
			m.renderBody(w, r, slug, status, bodyForms{}, failed)
			return
		}
		m.fail(w, r, err, "/participation/bodies/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/bodies/"+slug, "participation.circulated")
}

func (m *Module) createSessionForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	x, err := m.svc.CreateSession(r.Context(), slug, sessionInputFrom(r))
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, sessionFields); ok {
			m.renderBody(w, r, slug, status, bodyForms{Session: &f}, failed)
			return
		}
		m.fail(w, r, err, "/participation/bodies/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/sessions/"+x.Slug, "participation.saved")
}

func (m *Module) updateSessionForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if _, err := m.svc.UpdateSession(r.Context(), slug, sessionInputFrom(r)); err != nil {
		if f, failed, status, ok := m.refusal(r, err, sessionFields); ok {
			m.renderSession(w, r, slug, status, sessionForms{Session: &f}, failed)
			return
		}
		m.fail(w, r, err, "/participation/sessions/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/sessions/"+slug, "participation.saved")
}

func sessionInputFrom(r *http.Request) SessionInput {
	f := r.PostFormValue
	return SessionInput{Slug: f("slug"), Title: f("title"), Kind: f("kind"), StartsOn: f("starts_on"), EndsOn: f("ends_on"), ApplyBy: f("apply_by"),
		Place: f("place"), Format: f("format"), Programme: f("programme"), Outcomes: f("outcomes"), Documents: f("documents")}
}

// sessionValues fills the session form from a session.
func sessionValues(x Session) url.Values {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	return url.Values{"slug": {x.Slug}, "title": {x.Title}, "kind": {x.Kind}, "format": {x.Format}, "starts_on": {day(x.StartsAt)}, "ends_on": {day(x.EndsAt)},
		"apply_by": {day(x.ApplyBy)}, "place": {x.Place}, "programme": {x.Programme}, "outcomes": {x.Outcomes}, "documents": {x.Documents}}
}

type bodyData struct {
	bodyView
	Modalities     []Modality
	Majorities     []Majority
	SessionKinds   []string
	SessionFormats []string
	BodyForm       Form
	SessionForm    Form
	Failed         *Failure
}

// bodyForms are the forms of a body page shown again after an error; nil
// ones are shown fresh.
type bodyForms struct{ Body, Session *Form }

func (m *Module) body(w http.ResponseWriter, r *http.Request) {
	m.renderBody(w, r, r.PathValue("slug"), http.StatusOK, bodyForms{}, nil)
}

func (m *Module) renderBody(w http.ResponseWriter, r *http.Request, slug string, status int, forms bodyForms, failed *Failure) {
	v, err := m.bodyView(r, slug)
	if err != nil {
		m.fail(w, r, err, "/participation")
		return
	}
	d := bodyData{bodyView: v, Modalities: Modalities, Majorities: Majorities, SessionKinds: SessionKinds, SessionFormats: SessionFormats,
		BodyForm: Form{Values: bodyValues(v.Body)}, Failed: failed}
	if forms.Body != nil {
		d.BodyForm = *forms.Body
	}
	if forms.Session != nil {
		d.SessionForm = *forms.Session
	}
	m.site.Render(w, r, status, "participation/body.html", v.Body.Name, d)
}

type sessionData struct {
	SessionReport
	Statements []Statement
	Accredited []Application
	// Recorded are the applications whose recorded vote is published.
	Recorded       []Application
	Choices        []string
	Objected       map[string]bool
	Voted          map[string]string
	Languages      []string
	SessionKinds   []string
	SessionFormats []string
	ApplyForm      Form
	StatementForm  Form
	SessionForm    Form
	Failed         *Failure
}

// sessionForms are the forms of a session page shown again after an error;
// nil ones are shown fresh.
type sessionForms struct{ Apply, Statement, Session *Form }

func (m *Module) session(w http.ResponseWriter, r *http.Request) {
	m.renderSession(w, r, r.PathValue("slug"), http.StatusOK, sessionForms{}, nil)
}

func (m *Module) renderSession(w http.ResponseWriter, r *http.Request, slug string, status int, forms sessionForms, failed *Failure) {
	ctx := r.Context()
	rep, err := m.svc.SessionReport(ctx, slug)
	if err != nil {
		m.fail(w, r, err, "/participation")
		return
	}
	u := auth.UserFrom(ctx)
	d := sessionData{SessionReport: rep, Choices: VoteChoices, Languages: []string{"en", "fr", "es", "ar", "zh", "ru"}, SessionKinds: SessionKinds, SessionFormats: SessionFormats,
		StatementForm: Form{Values: url.Values{"lang": {web.Lang(r)}}}, SessionForm: Form{Values: sessionValues(rep.Session)}, Failed: failed}
	for _, f := range []struct{ from, to *Form }{{forms.Apply, &d.ApplyForm}, {forms.Statement, &d.StatementForm}, {forms.Session, &d.SessionForm}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if d.Statements, err = m.svc.Statements(ctx, rep.Session.ID, u.Has(auth.RoleSecretariat)); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	for _, a := range rep.Applications {
		if a.Status == StatusAccredited {
			d.Accredited = append(d.Accredited, a)
		}
		if len(a.Votes) > 0 {
			d.Recorded = append(d.Recorded, a)
		}
	}
	if u.Has(auth.RoleStateApprover) {
		if d.Objected, d.Voted, err = m.svc.StateActs(ctx, m.svc.DB, u.StateISO3); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	m.site.Render(w, r, status, "participation/session.html", rep.Session.Title, d)
}

func (m *Module) applyForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	in := ApplicationInput{Justification: r.PostFormValue("justification"), Draft: r.PostFormValue("draft") != ""}
	if r.PostFormValue("standing") != "" {
		x, err := m.svc.SessionBySlug(r.Context(), slug)
		if err != nil {
			m.fail(w, r, err, "/participation")
			return
		}
		in.Body = x.BodySlug
	} else {
		in.Session = slug
	}
	a, err := m.svc.Apply(r.Context(), in)
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, applyFields); ok {
			m.renderSession(w, r, slug, status, sessionForms{Apply: &f}, failed)
			return
		}
		m.fail(w, r, err, "/participation/sessions/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/applications/"+a.ID, "participation.applied")
}

func (m *Module) statementForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	limit := m.svc.MaxUpload
	refused := func(err error) {
		if f, failed, status, ok := m.refusal(r, err, statementFields); ok {
			// A browser never keeps a chosen file; say so next to the field.
			if len(r.MultipartForm.File["file"]) > 0 && f.Errors["st-file"] == "" {
				f.Errors["st-file"] = "choose the file again: a browser does not keep it when a form is shown again"
			}
			m.renderSession(w, r, slug, status, sessionForms{Statement: &f}, failed)
			return
		}
		m.fail(w, r, err, "/participation/sessions/"+slug)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			// The body was cut short: nothing typed can be shown again.
			reason := m.site.Catalog.T(web.Lang(r), "reason:is larger than %d bytes", limit)
			m.renderSession(w, r, slug, http.StatusRequestEntityTooLarge, sessionForms{Statement: &Form{Errors: map[string]string{"st-file": reason}}},
				&Failure{Items: []FailureItem{{ID: "st-file", Label: "participation.statement_file", Message: reason}}})
			return
		}
		m.renderSession(w, r, slug, http.StatusBadRequest, sessionForms{}, &Failure{Items: []FailureItem{{ID: "st-file", Label: "participation.statement_file", Message: m.site.Catalog.T(web.Lang(r), "reason:the upload could not be read")}}})
		return
	}
	if r.MultipartForm == nil {
		r.MultipartForm = &multipart.Form{}
	}
	if e := web.CheckForm(r); e != nil {
		refused(e)
		return
	}
	var pdf []byte
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		pdf, err = io.ReadAll(io.LimitReader(f, limit+1))
		if err != nil {
			refused(invalid("file", "the upload could not be read"))
			return
		}
	}
	in := StatementInput{Title: r.FormValue("title"), Lang: r.FormValue("lang"), Delivery: r.FormValue("delivery"), Body: r.FormValue("body")}
	if _, err := m.svc.SubmitStatement(r.Context(), slug, in, pdf); err != nil {
		refused(err)
		return
	}
	m.site.Redirect(w, r, "/participation/sessions/"+slug, "participation.statement_submitted")
}

func (m *Module) statement(w http.ResponseWriter, r *http.Request) {
	st, err := m.svc.Statement(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/participation")
		return
	}
	m.site.Render(w, r, http.StatusOK, "participation/statement.html", st.Title, st)
}

func (m *Module) statementFile(w http.ResponseWriter, r *http.Request) {
	f, st, err := m.svc.StatementFile(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/participation")
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="statement-`+st.ID+`.pdf"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.FormatInt(st.FileSize, 10))
	_, _ = io.Copy(w, f)
}

func (m *Module) reviewForm(w http.ResponseWriter, r *http.Request) {
	st, err := m.svc.ReviewStatement(r.Context(), r.PathValue("id"), r.PostFormValue("decision") == "publish")
	if err != nil {
		if _, failed, status, ok := m.refusal(r, err, nil); ok && st.SessionSlug != "" {
			m.renderSession(w, r, st.SessionSlug, status, sessionForms{}, failed)
			return
		}
		m.fail(w, r, err, "/participation")
		return
	}
	m.site.Redirect(w, r, "/participation/sessions/"+st.SessionSlug, "participation.saved")
}

type applicationData struct {
	App        Application
	Body       Body
	Choices    []string
	Objected   map[string]bool
	Voted      map[string]string
	OwnDraft   bool
	ObjectForm Form
	VoteForm   Form
	Failed     *Failure
}

// applicationForms are the forms of an application page shown again after
// an error; nil ones are shown fresh.
type applicationForms struct{ Object, Vote *Form }

func (m *Module) application(w http.ResponseWriter, r *http.Request) {
	m.renderApplication(w, r, http.StatusOK, applicationForms{}, nil)
}

func (m *Module) renderApplication(w http.ResponseWriter, r *http.Request, status int, forms applicationForms, failed *Failure) {
	ctx := r.Context()
	a, err := m.svc.Application(ctx, r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/participation")
		return
	}
	b, err := m.svc.bodyByID(ctx, m.svc.DB, a.BodyID)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := applicationData{App: a, Body: b, Choices: VoteChoices, OwnDraft: a.Status == StatusDraft, Failed: failed}
	if forms.Object != nil {
		d.ObjectForm = *forms.Object
	}
	if forms.Vote != nil {
		d.VoteForm = *forms.Vote
	}
	if u := auth.UserFrom(ctx); u.Has(auth.RoleStateApprover) {
		if d.Objected, d.Voted, err = m.svc.StateActs(ctx, m.svc.DB, u.StateISO3); err != nil {
			m.site.ServerError(w, r, err)
			return
		}
	}
	m.site.Render(w, r, status, "participation/application.html", a.OrgName, d)
}

// appAct answers an act on an application: back to its page, or the page
// again with the refusal (and the form as typed, for fs's form).
func (m *Module) appAct(w http.ResponseWriter, r *http.Request, err error, flash string, fs fields, which func(*Form) applicationForms) {
	back := "/participation/applications/" + r.PathValue("id")
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, fs); ok {
			forms := applicationForms{}
			if which != nil {
				forms = which(&f)
			}
			m.renderApplication(w, r, status, forms, failed)
			return
		}
		m.fail(w, r, err, back)
		return
	}
	m.site.Redirect(w, r, back, flash)
}

func (m *Module) submitForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.Submit(r.Context(), r.PathValue("id"))
	m.appAct(w, r, err, "participation.applied", nil, nil)
}

func (m *Module) objectForm(w http.ResponseWriter, r *http.Request) {
	m.appAct(w, r, m.svc.Object(r.Context(), r.PathValue("id"), r.PostFormValue("reason")), "participation.objected",
		objectFields, func(f *Form) applicationForms { return applicationForms{Object: f} })
}

func (m *Module) withdrawForm(w http.ResponseWriter, r *http.Request) {
	m.appAct(w, r, m.svc.WithdrawObjection(r.Context(), r.PathValue("id")), "participation.withdrawn", nil, nil)
}

func (m *Module) voteForm(w http.ResponseWriter, r *http.Request) {
	m.appAct(w, r, m.svc.Vote(r.Context(), r.PathValue("id"), r.PostFormValue("choice")), "participation.voted",
		voteFields, func(f *Form) applicationForms { return applicationForms{Vote: f} })
}

type orgsData struct {
	Orgs []Organisation
	// Rows are Orgs as the list shows them, their type and status in
	// the page's language (labels looked up once a page).
	Rows     []orgRow
	Filter   OrgFilter
	Next     string
	Types    []string
	Statuses []string
	Search   Form
	Failed   *Failure
}

// orgRow is one organisation in the list.
type orgRow struct{ Slug, Name, Type, ECOSOC, HQ string }

func (m *Module) organisations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := OrgFilter{Query: q.Get("q"), Type: q.Get("type"), ECOSOC: q.Get("ecosoc"), After: q.Get("after"), Limit: 100}
	d := orgsData{Filter: f, Types: OrgTypes, Statuses: ECOSOCStatuses}
	if len(f.Query) > 200 || len(f.After) > 200 {
		// Shown again with the query kept and no results.
		msg := m.site.Catalog.T(web.Lang(r), "reason:is at most %d characters", 200)
		d.Search = Form{Errors: map[string]string{"q": msg}}
		d.Failed = &Failure{Items: []FailureItem{{ID: "q", Label: "participation.search", Message: msg}}}
		m.site.Render(w, r, http.StatusUnprocessableEntity, "participation/organisations.html", "", d)
		return
	}
	list, err := m.svc.Organisations(r.Context(), f)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d.Orgs = list
	label := m.site.Catalog.Labels(web.Lang(r))
	d.Rows = make([]orgRow, len(list))
	for i, o := range list {
		d.Rows[i] = orgRow{Slug: o.Slug, Name: o.Name, Type: label("participation.type." + o.Type), ECOSOC: label("participation.ecosoc." + o.ECOSOC), HQ: o.HQ}
	}
	if len(list) == f.Limit {
		d.Next = list[len(list)-1].Slug
	}
	m.site.Render(w, r, http.StatusOK, "participation/organisations.html", "", d)
}

type orgData struct {
	History
	CanEdit     bool
	Types       []string
	Statuses    []string
	ProfileForm Form
	Failed      *Failure
}

func (m *Module) organisation(w http.ResponseWriter, r *http.Request) {
	m.renderOrganisation(w, r, http.StatusOK, nil, nil)
}

// profileValues fills the profile form from an organisation.
func profileValues(o Organisation) url.Values {
	return url.Values{"type": {o.Type}, "ecosoc": {o.ECOSOC}, "hq": {o.HQ}, "website": {o.Website}, "members": {strconv.Itoa(o.Members)}, "description": {o.Description}}
}

func (m *Module) renderOrganisation(w http.ResponseWriter, r *http.Request, status int, profile *Form, failed *Failure) {
	h, err := m.svc.OrganisationHistory(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.fail(w, r, err, "/participation/organisations")
		return
	}
	u := auth.UserFrom(r.Context())
	d := orgData{History: h, CanEdit: u.Has(auth.RoleSecretariat) || (u.Has(auth.RoleStakeholder) && u.OrgID == h.Organisation.ID), Types: OrgTypes, Statuses: ECOSOCStatuses,
		ProfileForm: Form{Values: profileValues(h.Organisation)}, Failed: failed}
	if profile != nil {
		d.ProfileForm = *profile
	}
	m.site.Render(w, r, status, "participation/organisation.html", h.Organisation.Name, d)
}

func (m *Module) profileForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	members, err := number(r, "members", "membership_size")
	if err == nil {
		in := ProfileInput{Type: r.PostFormValue("type"), ECOSOC: r.PostFormValue("ecosoc"), HQ: r.PostFormValue("hq"), Website: r.PostFormValue("website"), Description: r.PostFormValue("description"), Members: members}
		_, err = m.svc.UpdateProfile(r.Context(), slug, in)
	}
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, profileFields); ok {
			m.renderOrganisation(w, r, status, &f, failed)
			return
		}
		m.fail(w, r, err, "/participation/organisations/"+slug)
		return
	}
	m.site.Redirect(w, r, "/participation/organisations/"+slug, "participation.saved")
}

type stateCount struct {
	ObjectionCount
	Name string
	// Shown is the count written in the page's language.
	Shown string
}

func (m *Module) statesPage(w http.ResponseWriter, r *http.Request) {
	counts, err := m.svc.ObjectionCounts(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	out := make([]stateCount, 0, len(counts))
	for _, c := range counts {
		name, ok := states.NameOf(c.StateISO3, lang)
		if !ok {
			name = c.StateISO3
		}
		out = append(out, stateCount{c, name, web.FormatNumber(lang, c.Count)})
	}
	m.site.Render(w, r, http.StatusOK, "participation/states.html", "", out)
}

// statePageRows is how many objections, and how many votes, a State's
// page shows at a time (a variable so that a test can page a short list).
var statePageRows = 50

func (m *Module) statePage(w http.ResponseWriter, r *http.Request) {
	iso3 := strings.ToUpper(r.PathValue("iso3"))
	st, ok := states.ByISO3(iso3)
	if !ok {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	q := r.URL.Query()
	after, votesAfter := q.Get("after"), q.Get("votes_after")
	list, next, err := m.svc.StateObjectionsPage(r.Context(), iso3, after, statePageRows)
	if errors.Is(err, ErrBadCursor) {
		m.site.FieldError(w, r, http.StatusBadRequest, "after", "names no objection of this list")
		return
	}
	var votes []StateVoteRecord
	var nextVotes string
	if err == nil {
		votes, nextVotes, err = m.svc.StateVotesPage(r.Context(), iso3, votesAfter, statePageRows)
		if errors.Is(err, ErrBadCursor) {
			m.site.FieldError(w, r, http.StatusBadRequest, "votes_after", "names no vote of this list")
			return
		}
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "participation/state.html", st.Name(web.Lang(r)), struct {
		Name       string
		ISO3       string
		Objections []StateObjection
		Votes      []StateVoteRecord
		// After and VotesAfter are where this page's lists start ("": at
		// the first row); Next and NextVotes where the next pages do ("":
		// none).
		After, VotesAfter, Next, NextVotes string
	}{st.Name(web.Lang(r)), iso3, list, votes, after, votesAfter, next, nextVotes})
}

type consultationsData struct {
	Consultations []Consultation
	Bodies        []Body
	OpenForm      Form
	Failed        *Failure
}

func (m *Module) consultations(w http.ResponseWriter, r *http.Request) {
	m.renderConsultations(w, r, http.StatusOK, Form{}, nil)
}

func (m *Module) renderConsultations(w http.ResponseWriter, r *http.Request, status int, f Form, failed *Failure) {
	list, err := m.svc.Consultations(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	bodies, err := m.svc.Bodies(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "participation/consultations.html", "", consultationsData{list, bodies, f, failed})
}

func (m *Module) openConsultationForm(w http.ResponseWriter, r *http.Request) {
	var qs []string
	for _, q := range strings.Split(strings.ReplaceAll(r.PostFormValue("questions"), "\r\n", "\n"), "\n\n") {
		if q = strings.TrimSpace(q); q != "" {
			qs = append(qs, q)
		}
	}
	in := ConsultationInput{Slug: r.PostFormValue("slug"), Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Audience: r.PostFormValue("audience"),
		AllowUnpublished: r.PostFormValue("allow_unpublished") != "", ClosesOn: r.PostFormValue("closes_on"), Questions: qs}
	c, err := m.svc.OpenConsultation(r.Context(), in)
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, consultationFields); ok {
			m.renderConsultations(w, r, status, f, failed)
			return
		}
		m.fail(w, r, err, "/participation/consultations")
		return
	}
	m.site.Redirect(w, r, "/participation/consultations/"+c.Slug, "participation.saved")
}

// QuestionView is one question with its published answers.
type QuestionView struct {
	N       int
	Text    string
	Answers []OrgAnswer
}

// OrgAnswer is one organisation's answer to one question.
type OrgAnswer struct {
	OrgSlug, OrgName, Text string
}

type consultationData struct {
	Consultation Consultation
	Questions    []QuestionView
	Mine         *Submission
	MyAnswers    []QuestionAnswer
	Query        string
	Only         int
	Count        int
	// AnswerForm holds the errors of the answers form (and whether the
	// organisation asked not to be published) when it is shown again.
	AnswerForm Form
	Search     Form
	Failed     *Failure
}

// QuestionAnswer pairs a question with the caller's own answer.
type QuestionAnswer struct {
	N            int
	Text, Answer string
}

func (m *Module) consultation(w http.ResponseWriter, r *http.Request) {
	m.renderConsultation(w, r, http.StatusOK, nil, nil)
}

// renderConsultation shows a consultation; answers, when not nil, is the
// answers form as the organisation posted it.
func (m *Module) renderConsultation(w http.ResponseWriter, r *http.Request, status int, answers *Form, failed *Failure) {
	ctx := r.Context()
	c, err := m.svc.ConsultationBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		m.fail(w, r, err, "/participation/consultations")
		return
	}
	q := r.URL.Query().Get("q")
	d := consultationData{Consultation: c, Query: q, Failed: failed}
	if len(q) > 200 && r.Method == http.MethodGet {
		msg := m.site.Catalog.T(web.Lang(r), "reason:is at most %d characters", 200)
		d.Search = Form{Errors: map[string]string{"q": msg}}
		d.Failed = &Failure{Items: []FailureItem{{ID: "q", Label: "participation.search", Message: msg}}}
		status, q = http.StatusUnprocessableEntity, ""
	}
	d.Only, _ = strconv.Atoi(r.URL.Query().Get("question"))
	subs, err := m.svc.PublishedSubmissions(ctx, c, q)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if d.Search.Errors != nil {
		subs = nil
	}
	d.Count = len(subs)
	for i, text := range c.Questions {
		if d.Only != 0 && d.Only != i+1 {
			continue
		}
		qv := QuestionView{N: i + 1, Text: text}
		for _, s := range subs {
			if s.Answers[i] != "" {
				qv.Answers = append(qv.Answers, OrgAnswer{s.OrgSlug, s.OrgName, s.Answers[i]})
			}
		}
		d.Questions = append(d.Questions, qv)
	}
	if u := auth.UserFrom(ctx); u.Has(auth.RoleStakeholder) {
		if sub, err := m.svc.MySubmission(ctx, c); err == nil {
			d.Mine = &sub
		} else if !errors.Is(err, ErrNotFound) {
			m.site.ServerError(w, r, err)
			return
		}
		for i, text := range c.Questions {
			qa := QuestionAnswer{N: i + 1, Text: text}
			switch {
			case answers != nil:
				qa.Answer = answers.Value(fmt.Sprintf("answer_%d", i+1))
			case d.Mine != nil:
				qa.Answer = d.Mine.Answers[i]
			}
			d.MyAnswers = append(d.MyAnswers, qa)
		}
		if answers != nil {
			d.AnswerForm = *answers
		}
	}
	m.site.Render(w, r, status, "participation/consultation.html", c.Title, d)
}

func (m *Module) answersForm(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	c, err := m.svc.ConsultationBySlug(r.Context(), slug)
	if err != nil {
		m.fail(w, r, err, "/participation/consultations")
		return
	}
	in := AnswerInput{Answers: map[int]string{}, Submit: r.PostFormValue("action") == "submit"}
	for i := range c.Questions {
		k := fmt.Sprintf("answer_%d", i+1)
		if _, ok := r.PostForm[k]; ok {
			in.Answers[i+1] = r.PostFormValue(k)
		}
	}
	publish := r.PostFormValue("withhold") == ""
	in.Publish = &publish
	if _, err := m.svc.SaveAnswers(r.Context(), slug, in); err != nil {
		// "answers" concerns the first answer that is too long, else the first.
		target := "answer_1"
		for i := range c.Questions {
			if k := fmt.Sprintf("answer_%d", i+1); len(in.Answers[i+1]) > maxAnswer {
				target = k
				break
			}
		}
		fs := fields{"answers": {target, "participation.your_answers"}, "publish": {"withhold", "participation.withhold"}}
		if f, failed, status, ok := m.refusal(r, err, fs); ok {
			m.renderConsultation(w, r, status, &f, failed)
			return
		}
		m.fail(w, r, err, "/participation/consultations/"+slug)
		return
	}
	flash := "participation.draft_saved"
	if in.Submit {
		flash = "participation.answers_submitted"
	}
	m.site.Redirect(w, r, "/participation/consultations/"+slug, flash)
}

func (m *Module) exportCSV(w http.ResponseWriter, r *http.Request) {
	c, err := m.svc.ConsultationBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		m.fail(w, r, err, "/participation/consultations")
		return
	}
	subs, err := m.svc.PublishedSubmissions(r.Context(), c, "")
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.Slug+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"organisation", "organisation_name", "question", "question_text", "answer"})
	for _, s := range subs {
		for i, a := range s.Answers {
			if a != "" {
				_ = cw.Write([]string{s.OrgSlug, csvSafe(s.OrgName), strconv.Itoa(i + 1), csvSafe(c.Questions[i]), csvSafe(a)})
			}
		}
	}
	cw.Flush()
}

// csvSafe defuses spreadsheet formulas in exported cells.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (m *Module) calendar(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	at := m.svc.now()
	sessions, err := m.svc.UpcomingSessions(ctx, at)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	cons, err := m.svc.Consultations(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	host := strings.TrimPrefix(strings.TrimPrefix(m.svc.Svc.BaseURL, "https://"), "http://")
	if host == "" {
		host = "cybernorms.invalid"
	}
	var ev []CalendarEvent
	for _, s := range sessions {
		link := m.svc.Svc.Link("/participation/sessions/" + s.Slug)
		ev = append(ev, CalendarEvent{UID: "session-" + s.ID + "@" + host, Start: s.StartsAt, End: s.EndsAt, AllDay: true, Summary: s.BodyName + ": " + s.Title,
			Description: s.Kind + ", " + s.Format, Location: s.Place, URL: link})
		if s.ApplyBy.After(at) {
			ev = append(ev, CalendarEvent{UID: "apply-by-" + s.ID + "@" + host, Start: s.ApplyBy, End: s.ApplyBy, Summary: "Deadline for accreditation: " + s.Title, URL: link})
		}
	}
	for _, c := range cons {
		if c.Status == ConsultationOpen && c.ClosesAt.After(at) {
			ev = append(ev, CalendarEvent{UID: "consultation-" + c.ID + "@" + host, Start: c.ClosesAt, End: c.ClosesAt, Summary: "Consultation closes: " + c.Title,
				URL: m.svc.Svc.Link("/participation/consultations/" + c.Slug)})
		}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	_, _ = io.WriteString(w, Calendar("cybernorms participation", ev, at))
}
