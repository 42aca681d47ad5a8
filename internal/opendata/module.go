// Package opendata is the open-data module: the catalogue of every public
// dataset of the platform (/data), each with its codebook, its files as CSV
// and JSON Lines, the whole as a Frictionless Data Package, dated releases
// kept for citation, and change feeds. The datasets themselves are declared
// by the modules that own the tables (their datasets.go) and collected in
// the registry of internal/platform/opendata. See docs/modules/opendata.md.
package opendata

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the catalogue, files, data package, releases and feeds.
type Module struct {
	svc  *Service
	site *web.Site
}

// New registers the templates and translations.
func New(ps *platform.Services, reg *od.Registry) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := ps.Site.AddTemplates("opendata", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := ps.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{svc: NewService(ps, reg), site: ps.Site}, nil
}

// Service returns the module's service (the CLI builds releases with it).
func (m *Module) Service() *Service { return m.svc }

// Routes registers every route with its access rule. Everything here is
// public data; only making a release on demand is the secretariat's.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /data", web.Public, m.cataloguePage)
	r.Handle("GET /data/datasets/{name}", web.Public, m.codebookPage)
	r.Handle("GET /data/files/{file}", web.Public, m.file)
	r.Handle("GET /data/datapackage.json", web.Public, m.dataPackage)
	r.Handle("GET /data/catalog.jsonld", web.Public, m.dcatCatalog)
	r.Handle("GET /data/feeds/{file}", web.Public, m.feed)
	r.Handle("GET /data/releases", web.Public, m.releasesPage)
	r.Handle("POST /data/releases", web.Secretariat, m.releaseForm)
	r.Handle("GET /data/releases/{version}", web.Public, m.releasePage)
	r.Handle("GET /data/releases/{version}/download", web.Public, m.releaseDownload)

	errs := "Errors: 400 bad parameter, 404 no such dataset."
	r.API(api.Op{Method: "GET", Path: "/api/v1/datasets", Summary: "Every open dataset with its row count, last change, files and codebook", Tag: "open data", Description: errs,
		Response: api.List[DatasetInfo]{}}, web.Public, m.apiDatasets)
	r.API(api.Op{Method: "GET", Path: "/api/v1/datasets/{name}", Summary: "One open dataset with its Table Schema", Tag: "open data", Description: errs,
		Params: []api.Param{{Name: "name", In: "path"}}, Response: DatasetInfo{}}, web.Public, m.apiDataset)
	r.API(api.Op{Method: "GET", Path: "/api/v1/data-releases", Summary: "The dated releases of the open data, newest first, with files, checksums and what changed", Tag: "open data", Description: errs,
		Response: api.List[Release]{}}, web.Public, m.apiReleases)
	r.API(api.Op{Method: "GET", Path: "/api/v1/data-releases/{version}", Summary: "One release (latest: the newest)", Tag: "open data", Description: errs,
		Params: []api.Param{{Name: "version", In: "path", Description: "YYYY-MM-DD[.n] or latest"}}, Response: Release{}}, web.Public, m.apiRelease)
	r.API(api.Op{Method: "POST", Path: "/api/v1/data-releases", Summary: "Make a release of every dataset now (secretariat)", Tag: "open data", Description: "Errors: 401 not signed in, 403 not the secretariat.",
		Response: Release{}, Status: http.StatusCreated}, web.Secretariat, m.apiCreateRelease)
}

func (m *Module) notFound(w http.ResponseWriter, r *http.Request) {
	m.site.Error(w, r, http.StatusNotFound, "error.notfound")
}
