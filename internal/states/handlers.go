package states

import (
	"cmp"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the States pages and API.
type Module struct {
	site *web.Site
	// rows holds the table body of /states for each language and group,
	// rendered once: the States are fixed reference data.
	rows web.Memo
	// apiLists holds the JSON of /api/v1/states for each language and
	// group, encoded once.
	apiLists sync.Map // "lang/group" → []byte
}

// New registers the module's templates and translations on the site.
func New(site *web.Site) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := site.AddTemplates("states", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	return &Module{site: site}, nil
}

// StateView is a State as the API shows it.
type StateView struct {
	ISO3      string            `json:"iso3"`
	ISO2      string            `json:"iso2"`
	Numeric   string            `json:"numeric"`
	Name      string            `json:"name"`
	Names     map[string]string `json:"names"`
	Group     string            `json:"group"`
	GroupName string            `json:"group_name"`
	GroupNote string            `json:"group_note,omitempty"`
	Observer  bool              `json:"observer"`
}

func view(s State, lang string) StateView {
	return StateView{ISO3: s.ISO3, ISO2: s.ISO2, Numeric: s.Numeric, Name: s.Name(lang), Names: s.Names,
		Group: string(s.Group), GroupName: s.Group.Label(), GroupNote: s.GroupNote, Observer: s.Observer}
}

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /states", web.Public, m.list)
	r.Handle("GET /states/{iso3}", web.Public, m.show)
	r.API(api.Op{Method: "GET", Path: "/api/v1/states", Summary: "List the 193 Member States and 2 observer States", Tag: "states",
		Params:   []api.Param{{Name: "group", In: "query", Description: "UN regional group: african, asia-pacific, eastern-european, latin-american-caribbean, weog, none"}, {Name: "lang", In: "query", Description: "language of the name field: ar, zh, en, fr, ru, es"}},
		Response: api.List[StateView]{}}, web.Public, m.apiList)
	r.API(api.Op{Method: "GET", Path: "/api/v1/states/{iso3}", Summary: "One State by ISO 3166-1 alpha-3 code", Tag: "states",
		Params:   []api.Param{{Name: "iso3", In: "path", Description: "ISO 3166-1 alpha-3 code, e.g. FRA"}},
		Response: StateView{}}, web.Public, m.apiShow)
}

func parseGroup(s string) (Group, error) {
	g := Group(s)
	if s == "" || g.Valid() {
		return g, nil
	}
	return "", api.Invalid("group", "must be one of african, asia-pacific, eastern-european, latin-american-caribbean, weog, none")
}

type listData struct {
	Group  string
	Groups []GroupInfo
	Count  int
	Rows   template.HTML
}

type rowsData struct {
	States []State
	Lang   string
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) {
	g, err := parseGroup(r.URL.Query().Get("group"))
	if err != nil {
		m.site.Error(w, r, http.StatusBadRequest, "states.bad_group")
		return
	}
	lang := web.Lang(r)
	// The rows are rendered once per language and group (Memo); the States
	// are copied out for them only then, and counted from the kept order.
	rows, err := m.rows.Fragment(m.site, r, string(g), "states/list.html", "state-rows", func() any { return rowsData{States: Filter(g, lang), Lang: lang} })
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	count := 0
	for range InOrder(g, lang) {
		count++
	}
	m.site.Render(w, r, http.StatusOK, "states/list.html", m.site.Catalog.T(lang, "states.title"),
		listData{Group: string(g), Groups: Groups, Count: count, Rows: rows})
}

func (m *Module) show(w http.ResponseWriter, r *http.Request) {
	s, ok := ByISO3(r.PathValue("iso3"))
	if !ok {
		m.site.Error(w, r, http.StatusNotFound, "states.not_found")
		return
	}
	if s.ISO3 != r.PathValue("iso3") {
		http.Redirect(w, r, "/states/"+s.ISO3, http.StatusMovedPermanently)
		return
	}
	lang := web.Lang(r)
	m.site.Render(w, r, http.StatusOK, "states/show.html", s.Name(lang), struct {
		State State
		Lang  string
	}{s, lang})
}

func (m *Module) apiList(w http.ResponseWriter, r *http.Request) {
	g, err := parseGroup(r.URL.Query().Get("group"))
	if err != nil {
		api.WriteError(w, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "en"
	} else if !web.KnownLanguage(lang) {
		api.WriteError(w, api.Invalid("lang", "must be one of ar, zh, en, fr, ru, es"))
		return
	}
	key := lang + "/" + string(g)
	body, ok := m.apiLists.Load(key)
	if !ok {
		list := Filter(g, lang)
		out := api.List[StateView]{Items: make([]StateView, len(list))}
		for i, s := range list {
			out.Items[i] = view(s, lang)
		}
		b, err := api.EncodeJSON(out)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		body, _ = m.apiLists.LoadOrStore(key, b)
	}
	api.WriteEncoded(w, http.StatusOK, body.([]byte))
}

func (m *Module) apiShow(w http.ResponseWriter, r *http.Request) {
	s, ok := ByISO3(r.PathValue("iso3"))
	if !ok {
		api.WriteError(w, api.Errorf(http.StatusNotFound, "not_found", "iso3", "no State with ISO 3166-1 alpha-3 code %q", r.PathValue("iso3")))
		return
	}
	api.WriteJSON(w, http.StatusOK, view(s, "en"))
}

func sortByName(list []State, lang string) {
	rank := nameRanks(lang)
	slices.SortStableFunc(list, func(a, b State) int {
		ra, oka := rank[a.ISO3]
		rb, okb := rank[b.ISO3]
		if oka && okb {
			return cmp.Compare(ra, rb)
		}
		return collator(lang).CompareString(a.Name(lang), b.Name(lang))
	})
}

func collator(lang string) *collate.Collator {
	tag, err := language.Parse(lang)
	if err != nil {
		tag = language.English
	}
	return collate.New(tag)
}

// ranksByLang holds, per language, each State's place in the order of
// the names in that language. The States and their names are fixed
// (refdata), so the order is computed once per language: building a
// collator and sorting 195 names on every request was most of the time of
// /states, /api/v1/states and every page listing the States.
var ranksByLang sync.Map // lang → map[string]int

// maxRankLangs bounds the languages kept (the site has six).
const maxRankLangs = 32

var rankLangs atomic.Int32

func nameRanks(lang string) map[string]int {
	if r, ok := ranksByLang.Load(lang); ok {
		return r.(map[string]int)
	}
	all := registry()
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	c := collator(lang)
	slices.SortStableFunc(order, func(a, b int) int { return c.CompareString(all[a].Name(lang), all[b].Name(lang)) })
	rank := make(map[string]int, len(all))
	for i, j := range order {
		rank[all[j].ISO3] = i
	}
	if rankLangs.Add(1) <= maxRankLangs {
		r, _ := ranksByLang.LoadOrStore(lang, rank)
		return r.(map[string]int)
	}
	return rank
}

// GroupLabelKey is the translation key of a group's label.
func GroupLabelKey(g Group) string { return "states.group." + strings.ReplaceAll(string(g), "-", "_") }
