package framework

import (
	"embed"
	"errors"
	"io/fs"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the framework's pages and API.
type Module struct {
	Store *Store
	site  *web.Site
}

// New registers templates and translations.
func New(site *web.Site, store *Store) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := site.AddTemplates("framework", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{Store: store, site: site}, nil
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /norms", web.Public, m.list)
	r.Handle("GET /norms/{id}", web.Public, m.show)
	r.Handle("POST /norms/{id}/texts", web.Secretariat, m.addTextForm)
	r.API(api.Op{Method: "GET", Path: "/api/v1/norms", Summary: "List the norms with their current text", Tag: "framework",
		Params:   []api.Param{{Name: "set", In: "query", Description: "norm set: gge2015, paris-call, proposed"}, {Name: "lang", In: "query", Description: "text language (falls back to English)"}},
		Response: api.List[Norm]{}}, web.Public, m.apiList)
	r.API(api.Op{Method: "GET", Path: "/api/v1/norms/{id}", Summary: "One norm with every version and translation of its text", Tag: "framework",
		Params: []api.Param{{Name: "id", In: "path", Description: "stable norm identifier, e.g. gge2015-h"}}, Response: Norm{}}, web.Public, m.apiShow)
	r.API(api.Op{Method: "POST", Path: "/api/v1/norms/{id}/texts", Summary: "Add a translation or a new version of a norm's text", Tag: "framework",
		Request: TextInput{}, Response: Text{}, Status: http.StatusCreated}, web.Secretariat, m.apiAddText)
	r.API(api.Op{Method: "GET", Path: "/api/v1/norm-sets", Summary: "List the norm sets", Tag: "framework", Response: api.List[NormSet]{}}, web.Public, m.apiSets)
	r.API(api.Op{Method: "GET", Path: "/api/v1/pillars", Summary: "The four pillars of the framework", Tag: "framework", Response: api.List[Pillar]{}}, web.Public, m.apiPillars)
}

type listData struct {
	Sets    []localSet
	BySet   map[string][]Norm
	Pillars []Pillar
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	lang := web.Lang(r)
	sets, err := m.Store.Sets(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	norms, err := m.Store.Norms(r.Context(), "", lang)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	local := make([]localSet, len(sets))
	for i, s := range sets {
		local[i].NormSet = s
		local[i].Title, local[i].TitleLang = SetTitle(s, lang)
	}
	by := map[string][]Norm{}
	for _, n := range norms {
		by[n.Set] = append(by[n.Set], n)
	}
	m.site.Render(w, r, http.StatusOK, "framework/norms.html", m.site.Catalog.T(lang, "framework.title"), listData{Sets: local, BySet: by, Pillars: Pillars})
}

// localSet is a norm set with its title in the page's language.
type localSet struct {
	NormSet
	TitleLang string
}

type showData struct {
	Norm  Norm
	Error *FieldError
	Input TextInput
}

func (m *Module) show(w http.ResponseWriter, r *http.Request) {
	m.renderNorm(w, r, http.StatusOK, nil, TextInput{})
}

func (m *Module) renderNorm(w http.ResponseWriter, r *http.Request, status int, fe *FieldError, in TextInput) {
	n, err := m.Store.Norm(r.Context(), r.PathValue("id"), web.Lang(r))
	if errors.Is(err, ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "framework.not_found")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, status, "framework/norm.html", strings.TrimSpace(n.Label()+" "+n.ShortTitle), showData{Norm: n, Error: fe, Input: in})
}

func (m *Module) addTextForm(w http.ResponseWriter, r *http.Request) {
	in := TextInput{Lang: r.PostFormValue("lang"), Text: r.PostFormValue("text"), Source: r.PostFormValue("source"), NewVersion: r.PostFormValue("new_version") == "on"}
	_, err := m.Store.AddText(r.Context(), r.PathValue("id"), in, web.KnownLanguage)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		m.renderNorm(w, r, http.StatusUnprocessableEntity, fe, in)
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "framework.not_found")
	case err != nil:
		m.site.ServerError(w, r, err)
	default:
		m.site.Redirect(w, r, "/norms/"+r.PathValue("id"), "framework.text_saved")
	}
}

func (m *Module) apiList(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	} else if !web.KnownLanguage(lang) {
		api.WriteError(w, api.Invalid("lang", "must be one of ar, zh, en, fr, ru, es"))
		return
	}
	set := r.URL.Query().Get("set")
	if set != "" && set != GGE2015 && set != ParisCall && set != Proposed {
		sets, _ := m.Store.Sets(r.Context())
		found := false
		for _, s := range sets {
			found = found || s.ID == set
		}
		if !found {
			api.WriteError(w, api.Invalid("set", "is not a known norm set"))
			return
		}
	}
	norms, err := m.Store.Norms(r.Context(), set, lang)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if norms == nil {
		norms = []Norm{}
	}
	api.WriteJSON(w, http.StatusOK, api.List[Norm]{Items: norms})
}

func (m *Module) apiShow(w http.ResponseWriter, r *http.Request) {
	n, err := m.Store.Norm(r.Context(), r.PathValue("id"), "en")
	if errors.Is(err, ErrNotFound) {
		api.WriteError(w, api.Errorf(http.StatusNotFound, "not_found", "id", "no norm %q", r.PathValue("id")))
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, n)
}

func (m *Module) apiAddText(w http.ResponseWriter, r *http.Request) {
	var in TextInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	t, err := m.Store.AddText(r.Context(), r.PathValue("id"), in, web.KnownLanguage)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		api.WriteError(w, api.Invalid(fe.Field, fe.Reason))
	case errors.Is(err, ErrNotFound):
		api.WriteError(w, api.ErrNotFound)
	case err != nil:
		m.site.ServerError(w, r, err)
	default:
		api.WriteJSON(w, http.StatusCreated, t)
	}
}

func (m *Module) apiSets(w http.ResponseWriter, r *http.Request) {
	sets, err := m.Store.Sets(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[NormSet]{Items: sets})
}

func (m *Module) apiPillars(w http.ResponseWriter, r *http.Request) {
	api.WriteJSON(w, http.StatusOK, api.List[Pillar]{Items: Pillars})
}
