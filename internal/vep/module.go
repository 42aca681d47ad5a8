package vep

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
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the vulnerability equities pages and API.
type Module struct {
	svc  *Service
	site *web.Site
	base *chart.Base
	// views keeps /vep's view per language until the next publication.
	views indexViews
	// scorecards keeps the API's answer of every State's scorecard, per
	// value of recorded, encoded, until something is written (audit.KeptBy):
	// encoding 195 scorecards was most of the request's time.
	scorecards audit.KeptBy[bool, api.Encoded]
	// reportViews keeps /vep/reports' rows and charts per language and year
	// until something is written.
	reportViews audit.KeptBy[reportsKey, *reportsView]
}

// New registers the module's templates and translations.
func New(ps *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("vep", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	wm := states.Map()
	m := &Module{svc: NewService(ps), site: ps.Site, base: chart.NewBase(wm.Width, wm.Height, wm.Sphere, wm.Land, wm.Paths, wm.Points)}
	ps.Jobs.Register(JobReminders, func(ctx context.Context, payload json.RawMessage) error {
		// A payload {"at": "RFC 3339 time"} runs the job as of that time
		// (tests move the clock through review periods this way).
		at := m.svc.Now()
		var p struct {
			At time.Time `json:"at"`
		}
		if json.Unmarshal(payload, &p) == nil && !p.At.IsZero() {
			at = p.At
		}
		_, err := m.svc.SendReminders(ctx, at)
		return err
	})
	ps.Jobs.Every(JobReminders, time.Hour)
	return m, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

// policyEditors may save a draft: a State's staff for their State, the
// secretariat from the public source; the service checks which State.
var policyEditors = web.Roles(auth.RoleStateEditor, auth.RoleStateApprover, auth.RoleSecretariat)

// policyPublishers may publish: a State's approver, or the secretariat
// its own entry.
var policyPublishers = web.Roles(auth.RoleStateApprover, auth.RoleSecretariat)

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /vep", web.Public, m.index)
	r.Handle("GET /vep/scorecards.csv", web.Public, m.scorecardsCSV)
	r.Handle("GET /vep/states/{iso3}", web.Public, m.statePage)
	r.Handle("POST /vep/states/{iso3}/policy", policyEditors, m.saveDraftForm)
	r.Handle("POST /vep/states/{iso3}/policy/publish", policyPublishers, m.publishForm)
	r.Handle("POST /vep/states/{iso3}/policy/document", policyEditors, m.uploadForm)
	r.Handle("GET /vep/documents/{id}", web.Public, m.documentFile)
	r.Handle("GET /vep/permissions", web.StateApprover, m.permissionsPage)
	r.Handle("POST /vep/permissions", web.StateApprover, m.grantForm)
	r.Handle("POST /vep/permissions/{user}/withdraw", web.StateApprover, m.withdrawForm)
	// The register answers every signed-in account alike: 404 unless the
	// account holds its State's VEP permission (the secretariat included).
	r.Handle("GET /vep/register", web.SignedIn, m.registerPage)
	r.Handle("POST /vep/register", web.SignedIn, m.recordForm)
	r.Handle("GET /vep/register/export.csv", web.SignedIn, m.registerCSV)
	r.Handle("GET /vep/register/{id}", web.SignedIn, m.entryPage)
	r.Handle("POST /vep/register/{id}", web.SignedIn, m.updateForm)
	r.Handle("POST /vep/register/{id}/reviews", web.SignedIn, m.reviewForm)
	m.apiRoutes(r)
	m.apiRegisterRoutes(r)
	m.reportRoutes(r)
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
		m.site.Render(w, r, ae.Status, "vep/problem.html", "", problem{Field: ae.Field, Label: problemLabels[ae.Field], Reason: m.site.Catalog.ErrorText(web.Lang(r), ae), Back: back})
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "error.forbidden")
	default:
		m.site.ServerError(w, r, err)
	}
}

// apiFail writes a service error in the API's error shape.
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
// that is no input of a form ("policy", "status") is not named.
var problemLabels = map[string]string{
	"criteria_named": "vep.field.criteria_named", "document": "vep.field.document", "document_id": "vep.field.document_id",
	"document_url": "vep.field.document_url", "members": "vep.field.members", "review_months": "vep.field.review_months",
	"since": "vep.field.since", "vendor_notice_days": "vep.field.vendor_notice_days", "cve": "vep.entry.cve",
	"cvss_vector": "vep.entry.cvss_vector", "decided_on": "vep.entry.decided_on", "patched_on": "vep.entry.patched_on",
	"vendor_notified_on": "vep.entry.vendor_notified_on", "found_on": "vep.entry.found_on", "found_how": "vep.entry.found_how",
	"product": "vep.entry.product", "vendor": "vep.entry.vendor", "reviewed_on": "vep.review.reviewed_on", "year": "vep.report.year",
}
