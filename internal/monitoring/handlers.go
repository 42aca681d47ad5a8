// Package monitoring is the monitoring dashboards: a world map per norm,
// a State's profile, participation per cycle, and trends, each an SVG chart
// drawn on the server with the same figures in an accessible table, a CSV
// download and JSON under /api/v1/statistics. Figures come from public
// reports; confidential reports count only in the participation totals,
// which say so. See docs/modules/monitoring.md.
package monitoring

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the dashboards.
type Module struct {
	Svc  *Service
	site *web.Site
	// stateLinks is the index's list of State profiles in each language,
	// rendered once (fixed reference data).
	stateLinks web.Memo
}

// New registers templates and translations.
func New(svc *platform.Services, fw *framework.Store) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := svc.Site.AddTemplates("monitoring", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := svc.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{Svc: NewService(svc, fw), site: svc.Site}, nil
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /monitoring", web.Public, m.index)
	r.Handle("GET /monitoring/map", web.Public, m.page(m.world, "monitoring/map.html"))
	r.Handle("GET /monitoring/map.csv", web.Public, m.csv(m.world, "map"))
	r.Handle("GET /monitoring/states/{iso3}", web.Public, m.page(m.profile, "monitoring/state.html"))
	r.Handle("GET /monitoring/states/{iso3}/profile.csv", web.Public, m.csv(m.profile, "profile"))
	r.Handle("GET /monitoring/participation", web.Public, m.page(m.participation, "monitoring/participation.html"))
	r.Handle("GET /monitoring/participation.csv", web.Public, m.csv(m.participation, "participation"))
	r.Handle("GET /monitoring/trends", web.Public, m.page(m.trends, "monitoring/trends.html"))
	r.Handle("GET /monitoring/trends.csv", web.Public, m.csv(m.trends, "trends"))

	const tag = "statistics"
	pNorm := api.Param{Name: "norm", In: "query", Description: "norm id, e.g. gge2015-c"}
	lang := api.Param{Name: "lang", In: "query", Description: "language of the labels (default en)"}
	r.API(api.Op{Method: "GET", Path: "/api/v1/statistics/map", Summary: "Implemented measures per State under one norm in one cycle (public reports); States without a public report have no number", Tag: tag,
		Params: []api.Param{pNorm, {Name: "cycle", In: "query", Description: "cycle id (default the latest)"}, {Name: "group", In: "query", Description: "regional group"}, lang}, Response: View{}}, web.Public, m.json(m.world))
	r.API(api.Op{Method: "GET", Path: "/api/v1/statistics/states/{iso3}", Summary: "A State's public measures per norm and cycle, and its participation history", Tag: tag,
		Params: []api.Param{{Name: "iso3", In: "path", Required: true}, lang}, Response: View{}}, web.Public, m.json(m.profile))
	r.API(api.Op{Method: "GET", Path: "/api/v1/statistics/participation", Summary: "States that reported in each cycle (public and confidential, counted, never named), on time or late, by regional group", Tag: tag,
		Params: []api.Param{lang}, Response: View{}}, web.Public, m.json(m.participation))
	r.API(api.Op{Method: "GET", Path: "/api/v1/statistics/trends", Summary: "Measures by type and status over cycles, for one norm or all (public reports)", Tag: tag,
		Params: []api.Param{pNorm, lang}, Response: View{}}, web.Public, m.json(m.trends))
}

// builder builds a view for a request; an *api.Error is bad input.
type builder func(r *http.Request, lang string) (View, error)

func lang(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if l := r.URL.Query().Get("lang"); l != "" && web.KnownLanguage(l) {
			return l
		}
		return "en"
	}
	return web.Lang(r)
}

func (m *Module) world(r *http.Request, lang string) (View, error) {
	q := r.URL.Query()
	p := MapParams{Norm: q.Get("norm"), Cycle: q.Get("cycle"), Group: q.Get("group"), Lang: lang}
	if p.Norm == "" {
		p.Norm = framework.GGE2015 + "-a"
	}
	if _, err := m.Svc.FW.Norm(r.Context(), p.Norm, lang); err != nil {
		if errors.Is(err, framework.ErrNotFound) {
			return View{}, api.Invalid("norm", "is not a known norm")
		}
		return View{}, err
	}
	if p.Group != "" && !states.Group(p.Group).Valid() {
		return View{}, api.Invalid("group", "is not a regional group")
	}
	if p.Cycle != "" {
		cs, err := cycles(r.Context(), m.Svc.P.DB)
		if err != nil {
			return View{}, err
		}
		found := false
		for _, c := range cs {
			found = found || c.ID == p.Cycle
		}
		if !found {
			return View{}, api.Invalid("cycle", "is not a reporting cycle")
		}
	}
	return m.Svc.World(r.Context(), p)
}

func (m *Module) profile(r *http.Request, lang string) (View, error) {
	iso3 := strings.ToUpper(r.PathValue("iso3"))
	if _, ok := states.ByISO3(iso3); !ok {
		return View{}, api.Errorf(http.StatusNotFound, "not_found", "iso3", "no State %q", r.PathValue("iso3"))
	}
	return m.Svc.Profile(r.Context(), iso3, lang)
}

func (m *Module) participation(r *http.Request, lang string) (View, error) {
	return m.Svc.Participation(r.Context(), lang)
}

func (m *Module) trends(r *http.Request, lang string) (View, error) {
	norm := r.URL.Query().Get("norm")
	if norm != "" {
		if _, err := m.Svc.FW.Norm(r.Context(), norm, lang); err != nil {
			if errors.Is(err, framework.ErrNotFound) {
				return View{}, api.Invalid("norm", "is not a known norm")
			}
			return View{}, err
		}
	}
	return m.Svc.Trends(r.Context(), norm, lang)
}

// pageData is what every dashboard template gets.
type pageData struct {
	View   View
	Norms  []framework.Norm
	Cycles []Cycle
	Groups []states.GroupInfo
	CSV    string
	JSON   string
	Error  *api.Error
}

func (m *Module) page(b builder, tmpl string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		l := web.Lang(r)
		v, err := b(r, l)
		var ae *api.Error
		status := http.StatusOK
		if errors.As(err, &ae) {
			if ae.Status == http.StatusNotFound {
				m.site.Error(w, r, http.StatusNotFound, "monitoring.no_state")
				return
			}
			status = http.StatusBadRequest
		} else if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		d := pageData{View: v, Groups: states.Groups, Error: ae}
		if d.Norms, err = m.Svc.FW.Norms(ctx, framework.GGE2015, l); err == nil {
			d.Cycles, err = m.Svc.CycleOptions(ctx)
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		qs := ""
		if r.URL.RawQuery != "" {
			qs = "?" + r.URL.RawQuery
		}
		switch tmpl {
		case "monitoring/state.html":
			d.CSV = r.URL.Path + "/profile.csv" + qs
			d.JSON = "/api/v1/statistics/states/" + strings.ToUpper(r.PathValue("iso3"))
		default:
			d.CSV = r.URL.Path + ".csv" + qs
			d.JSON = "/api/v1/statistics/" + strings.TrimPrefix(r.URL.Path, "/monitoring/") + qs
		}
		m.site.Render(w, r, status, tmpl, v.Title, d)
	}
}

func (m *Module) csv(b builder, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := b(r, web.Lang(r))
		var ae *api.Error
		if errors.As(err, &ae) {
			http.Error(w, ae.Error(), ae.Status)
			return
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-`+name+`.csv"`)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if err := v.Figures.WriteCSV(w); err != nil {
			m.site.Log.Warn("write csv", "err", err)
		}
	}
}

func (m *Module) json(b builder) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := b(r, lang(r))
		if err != nil {
			var ae *api.Error
			if !errors.As(err, &ae) {
				m.site.Log.Error("statistics", "path", r.URL.Path, "err", err)
			}
			api.WriteError(w, err)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		api.WriteJSON(w, http.StatusOK, v)
	}
}

type indexData struct {
	Norms      []framework.Norm
	StateLinks template.HTML
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	norms, err := m.Svc.FW.Norms(r.Context(), framework.GGE2015, web.Lang(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	links, err := m.stateLinks.Fragment(m.site, r, "", "monitoring/index.html", "state-links", func() any { return slices.Collect(states.InOrder("", web.Lang(r))) })
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "monitoring/index.html", "", indexData{Norms: norms, StateLinks: links})
}
