package positions

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the positions pages and API.
type Module struct {
	svc  *Service
	site *web.Site
	base *chart.Base
	// adoption is the section on the monitoring trends, kept (adoptionSection).
	adoption keptSections
}

// New registers templates and translations and seeds the topics that ship
// with the product.
func New(ps *platform.Services) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("positions", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	svc := NewService(ps)
	if err := svc.SeedTopics(context.Background()); err != nil {
		return nil, err
	}
	m := states.Map()
	mod := &Module{svc: svc, site: ps.Site, base: chart.NewBase(m.Width, m.Height, m.Sphere, m.Land, m.Paths, m.Points)}
	mod.addSections()
	return mod, nil
}

// Service returns the module's service.
func (m *Module) Service() *Service { return m.svc }

// Routes registers the module's pages and API.
func (m *Module) Routes(r *web.Router) {
	m.pageRoutes(r)
	m.apiRoutes(r)
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

// fail answers a page or form request that the service refused.
func (m *Module) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *api.Error
	switch {
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.As(err, &ae):
		m.site.Render(w, r, ae.Status, "positions/problem.html", "", ae)
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "error.forbidden")
	default:
		m.site.ServerError(w, r, err)
	}
}
