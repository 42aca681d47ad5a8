package contacts

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// JobTick is the periodic job that sends round reminders and request
// deadline reminders, and tells the secretariat of passed deadlines.
const JobTick = "contacts.tick"

// Module serves the contacts pages and API.
type Module struct {
	svc  *Service
	site *web.Site
	base *chart.Base
	// directory is the public page's map and table per language, kept
	// until something is written.
	directory audit.KeptBy[string, directoryParts]
	// coverage is the API's answer of every State's coverage, encoded,
	// kept until something is written.
	coverage audit.Kept[api.Encoded]
}

// New registers templates, translations and jobs.
func New(ps *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("contacts", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc := NewService(ps)
	svc.registerJobs()
	if err := svc.backfillResults(context.Background()); err != nil {
		return nil, err
	}
	m := states.Map()
	return &Module{svc: svc, site: ps.Site, base: chart.NewBase(m.Width, m.Height, m.Sphere, m.Land, m.Paths, m.Points)}, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

func (s *Service) registerJobs() {
	s.Svc.Jobs.Register(JobTick, func(ctx context.Context, _ json.RawMessage) error {
		return s.Tick(ctx, s.Now())
	})
	s.Svc.Jobs.Every(JobTick, time.Minute)
	s.Svc.Jobs.Register(JobPing, s.sendPing)
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /contacts", web.Public, m.index)
	r.Handle("GET /contacts/coverage.csv", web.Public, m.coverageCSV)
	r.Handle("GET /contacts/states/{iso3}", web.Public, m.statePage)
	r.Handle("POST /contacts/states/{iso3}/contacts", web.StateStaff, m.draftForm)
	r.Handle("POST /contacts/entries/{id}/confirm", web.StateApprover, m.confirmForm)
	r.Handle("POST /contacts/entries/{id}/discard", web.StateStaff, m.discardForm)
	r.Handle("POST /contacts/entries/{id}/retire", web.StateApprover, m.retireForm)
	m.roundRoutes(r)
	m.roundAPIRoutes(r)
	m.requestRoutes(r)
	m.requestAPIRoutes(r)
	m.apiRoutes(r)
}

// problem is a refused form: the field and the reason.
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
		m.site.Render(w, r, ae.Status, "contacts/problem.html", "", problem{Field: ae.Field, Label: problemLabels[ae.Field], Reason: m.site.Catalog.ErrorText(web.Lang(r), ae), Back: back})
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "error.forbidden")
	default:
		m.site.ServerError(w, r, err)
	}
}

// apiFail answers an API request that the service refused.
func (m *Module) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		api.WriteError(w, ae)
	case errors.Is(err, ErrNotFound):
		api.WriteError(w, api.ErrNotFound)
	case errors.Is(err, ErrForbidden):
		api.WriteError(w, api.ErrForbidden)
	default:
		m.site.ServerError(w, r, err)
	}
}

// problemLabels are the label keys of the fields a refusal shown on a page
// of its own (problem.html) may name, as their forms label them; a field
// that is no input of a form ("status", "replaces") is not named.
var problemLabels = map[string]string{
	"rate_per_minute": "contacts.rounds.rate", "hours": "contacts.rounds.hours", "states": "contacts.rounds.states", "title": "contacts.rounds.round_title",
	"addresses": "contacts.rounds.bounce_addresses", "email": "contacts.email", "function": "contacts.function", "working_hours": "contacts.hours",
	"kind": "contacts.kind", "languages": "contacts.languages", "name": "contacts.name", "organisation": "contacts.organisation", "phone": "contacts.phone",
	"time_zone": "contacts.time_zone", "urgency": "contacts.requests.urgency", "sector": "contacts.requests.sector", "tlp": "contacts.requests.tlp",
	"to": "contacts.requests.to_state", "occurred_on": "contacts.requests.occurred_on", "body": "contacts.requests.message", "file": "contacts.requests.attach",
	"answer": "contacts.requests.answer_text", "feedback": "contacts.requests.comment",
}
