// Package home serves the front page, /healthz and /robots.txt.
package home

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the front page. Its cards follow the site's navigation:
// each section's text is the translation key "home.card" + its path.
type Module struct {
	site *web.Site
	db   *db.DB
}

// New registers templates and translations.
func New(site *web.Site, d *db.DB) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := site.AddTemplates("home", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{site: site, db: d}, nil
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /{$}", web.Public, m.home)
	r.Handle("GET /healthz", web.Public, m.health)
	r.Handle("GET /robots.txt", web.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("User-agent: *\nDisallow: /account\nDisallow: /admin\n"))
	})
}

func (m *Module) home(w http.ResponseWriter, r *http.Request) {
	m.site.Render(w, r, http.StatusOK, "home/home.html", m.site.Catalog.T(web.Lang(r), "home.title"), nil)
}

// health answers 200 when the database answers, 503 otherwise, with the
// software version and revision (what a rolling upgrade checks).
func (m *Module) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	b := platform.Build()
	out := map[string]string{"status": "ok", "database": string(m.db.Dialect), "version": b.Version}
	if b.Revision != "" {
		out["revision"] = b.Revision
	}
	status := http.StatusOK
	if err := m.db.SQL.PingContext(r.Context()); err != nil {
		status = http.StatusServiceUnavailable
		out["status"], out["database"] = "unavailable", "down"
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}
