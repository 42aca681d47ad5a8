package compendium

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// MeasureTypes and MeasureStatuses mirror the values of report_measures
// (migration 0200_reporting.sql), for the search filters.
var (
	MeasureTypes    = []string{"legislation", "strategy", "policy", "institution", "practice", "cbm", "capacity_building", "other"}
	MeasureStatuses = []string{"planned", "in_progress", "implemented"}
	Kinds           = []string{KindRecommendation, KindMeasure, KindPractice}
)

// Module serves the compendium's pages and API.
type Module struct {
	Svc  *Service
	site *web.Site
}

// New registers templates, translations and the search sync job, and runs
// the idempotent Tech Accord import so a fresh site has its first source.
func New(svc *platform.Services, fw *framework.Store) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := svc.Site.AddTemplates("compendium", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := svc.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	s := &Service{P: svc, FW: fw}
	s.registerJobs()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.ImportTechAccord(ctx); err != nil {
		return nil, err
	}
	return &Module{Svc: s, site: svc.Site}, nil
}

// curators may mark good practices: the secretariat, and State staff for
// their own State (checked in the service).
var curators = web.Roles(auth.RoleSecretariat, auth.RoleStateEditor, auth.RoleStateApprover)

// Routes registers the module's routes.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /compendium", web.Public, m.index)
	r.Handle("GET /compendium/norms/{id}", web.Public, m.normPage)
	r.Handle("POST /compendium/norms/{id}/recommendations", web.Secretariat, m.addRecommendation)
	r.Handle("POST /compendium/import", web.Secretariat, m.runImport)
	r.Handle("GET /compendium/search", web.Public, m.searchPage)
	r.Handle("GET /compendium/practices/mark", curators, m.markPage)
	r.Handle("POST /compendium/practices", curators, m.markForm)
	r.Handle("POST /compendium/practices/{key}/unmark", curators, m.unmarkForm)

	const tag = "compendium"
	pNorm := api.Param{Name: "norm", In: "query", Description: "norm id, e.g. gge2015-i"}
	r.API(api.Op{Method: "GET", Path: "/api/v1/recommendations", Summary: "Curated recommendations per norm, each with its source and attribution", Tag: tag,
		Params: []api.Param{pNorm}, Response: api.List[Recommendation]{}}, web.Public, m.apiRecommendations)
	r.API(api.Op{Method: "POST", Path: "/api/v1/recommendations", Summary: "Add a recommendation from another source (secretariat)", Tag: tag,
		Request: RecommendationInput{}, Response: Recommendation{}, Status: http.StatusCreated}, web.Secretariat, m.apiAddRecommendation)
	r.API(api.Op{Method: "POST", Path: "/api/v1/recommendations/import", Summary: "Re-run the idempotent import of the Tech Accord's recommendations table (secretariat)", Tag: tag,
		Response: ImportResult{}}, web.Secretariat, m.apiImport)
	r.API(api.Op{Method: "GET", Path: "/api/v1/practices", Summary: "Good practices: published measures marked by the secretariat or their State", Tag: tag,
		Params:   []api.Param{pNorm, {Name: "state", In: "query", Description: "ISO 3166-1 alpha-3"}, {Name: "updated_since", In: "query", Description: "only the practices marked after this instant (RFC 3339, or a date for its start in UTC)"}, {Name: "limit", In: "query", Schema: "integer", Description: "1–200, default 50"}, {Name: "cursor", In: "query", Description: "the next_cursor of the previous page"}},
		Response: api.List[Practice]{}}, web.Public, m.apiPractices)
	r.API(api.Op{Method: "POST", Path: "/api/v1/practices", Summary: "Mark a published measure as a good practice (secretariat, or staff of its State)", Tag: tag,
		Request: PracticeInput{}, Response: Practice{}, Status: http.StatusCreated}, curators, m.apiMark)
	r.API(api.Op{Method: "DELETE", Path: "/api/v1/practices/{key}", Summary: "Remove a good-practice mark (secretariat, or staff of its State)", Tag: tag,
		Params: []api.Param{{Name: "key", In: "path", Required: true, Description: "the measure's stable key"}}, Status: http.StatusNoContent}, curators, m.apiUnmark)
	r.API(api.Op{Method: "GET", Path: "/api/v1/search", Summary: "Full-text search across recommendations, published measures and good practices, with highlighted snippets (State codes with their English names)", Tag: tag,
		Params: searchParams, Response: SearchResults{}}, web.Public, m.apiSearch)
}

var searchParams = []api.Param{
	{Name: "q", In: "query", Description: "words; \"quoted phrase\" for exact phrases; operators are not interpreted. Without words, the documents the filters select, newest first"},
	{Name: "kind", In: "query", Description: "recommendation, measure or practice (repeatable)"},
	{Name: "norm", In: "query", Description: "norm id, e.g. gge2015-c"},
	{Name: "type", In: "query", Description: "measure type"},
	{Name: "status", In: "query", Description: "planned, in_progress or implemented"},
	{Name: "region", In: "query", Description: "regional group, e.g. weog"},
	{Name: "year", In: "query", Schema: "integer", Description: "reporting cycle year"},
	{Name: "state", In: "query", Description: "ISO 3166-1 alpha-3"},
	{Name: "limit", In: "query", Schema: "integer", Description: fmt.Sprintf("1–%d, default 20", search.MaxLimit)},
	{Name: "offset", In: "query", Schema: "integer", Description: fmt.Sprintf("0–%d (a search counts and pages through its first %d matches)", search.MaxCount, search.MaxCount)},
}

// parseSearch reads a search from URL parameters; errors name the field.
func parseSearch(v url.Values) (search.Query, error) {
	q := search.Query{Text: v.Get("q"), Norm: v.Get("norm"), Type: v.Get("type"), Status: v.Get("status"), Region: v.Get("region"), State: strings.ToUpper(v.Get("state"))}
	for _, k := range v["kind"] {
		if k == "" {
			continue
		}
		ok := false
		for _, known := range Kinds {
			ok = ok || k == known
		}
		if !ok {
			return q, &FieldError{"kind", "must be recommendation, measure or practice"}
		}
		q.Kinds = append(q.Kinds, k)
	}
	if q.State != "" {
		if _, ok := states.ByISO3(q.State); !ok {
			return q, &FieldError{"state", "is not a known ISO 3166-1 alpha-3 code"}
		}
	}
	if q.Region != "" && !states.Group(q.Region).Valid() {
		return q, &FieldError{"region", "is not a regional group"}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"year", &q.Year}, {"limit", &q.Limit}, {"offset", &q.Offset}} {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return q, &FieldError{f.name, "must be a whole number"}
			}
			*f.dst = n
		}
	}
	if err := q.Validate(); err != nil {
		var fe *search.FieldError
		if errors.As(err, &fe) {
			return q, &FieldError{fe.Field, fe.Reason}
		}
		return q, err
	}
	return q, nil
}

type indexData struct {
	Norms    []framework.Norm
	Counts   map[string]int
	Practice map[string]int
	IsSec    bool
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	norms, err := m.Svc.Norms(ctx, web.Lang(r))
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	counts, err := m.Svc.RecommendationCounts(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	pc, err := m.Svc.PracticeCounts(ctx)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	m.site.Render(w, r, http.StatusOK, "compendium/index.html", "", indexData{Norms: norms, Counts: counts, Practice: pc, IsSec: u != nil && u.Role == auth.RoleSecretariat})
}

type normData struct {
	Norm            framework.Norm
	Recommendations []Recommendation
	Practices       []Practice
	// Rows are Practices as the page lists them (practiceRows), with
	// Serves and Why, the labels each row repeats, translated once.
	Rows          []practiceRow
	Serves, Why   string
	PracticeCount int
	// After is the practice this page starts after ("" on the first page);
	// Next the one to start the next page after ("" on the last).
	After, Next string
	IsSec       bool
	Error       *FieldError
	Input       RecommendationInput
}

// normPagePractices is how many good practices a norm's page shows at a time.
const normPagePractices = 20

func (m *Module) renderNorm(w http.ResponseWriter, r *http.Request, status int, fe *FieldError, in RecommendationInput) {
	ctx := r.Context()
	n, err := m.Svc.FW.Norm(ctx, r.PathValue("id"), web.Lang(r))
	if errors.Is(err, framework.ErrNotFound) {
		m.site.Error(w, r, http.StatusNotFound, "framework.not_found")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := normData{Norm: n, Error: fe, Input: in}
	var norms normIndex
	d.After = r.URL.Query().Get("after")
	if d.Recommendations, err = m.Svc.Recommendations(ctx, n.ID); err == nil {
		d.Practices, d.Next, err = m.Svc.Practices(ctx, PracticeFilter{Norm: n.ID, After: d.After, Limit: normPagePractices}, web.Lang(r))
	}
	var counts map[string]int
	if err == nil {
		counts, err = m.Svc.PracticeCounts(ctx)
		d.PracticeCount = counts[n.ID]
	}
	if err == nil {
		norms, err = m.Svc.normIndex(ctx, web.Lang(r))
	}
	var bad *FieldError
	if errors.As(err, &bad) {
		m.site.Error(w, r, http.StatusBadRequest, "compendium.bad_page")
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	namePractices(d.Practices, web.Lang(r), norms)
	d.Rows = m.practiceRows(web.Lang(r), d.Practices)
	d.Serves, d.Why = m.site.Catalog.T(web.Lang(r), "compendium.serves"), m.site.Catalog.T(web.Lang(r), "compendium.why")
	u := auth.UserFrom(ctx)
	d.IsSec = u != nil && u.Role == auth.RoleSecretariat
	m.site.Render(w, r, status, "compendium/norm.html", n.Label()+" "+n.ShortTitle, d)
}

func (m *Module) normPage(w http.ResponseWriter, r *http.Request) {
	m.renderNorm(w, r, http.StatusOK, nil, RecommendationInput{})
}

func (m *Module) addRecommendation(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.PostFormValue("source_year"))
	in := RecommendationInput{NormID: r.PathValue("id"), Text: r.PostFormValue("text"), SourceAuthor: r.PostFormValue("source_author"),
		SourceTitle: r.PostFormValue("source_title"), SourceDocument: r.PostFormValue("source_document"), SourceYear: year, SourceURL: r.PostFormValue("source_url")}
	if s := r.PostFormValue("source_year"); s != "" && year == 0 {
		m.renderNorm(w, r, http.StatusUnprocessableEntity, &FieldError{"source_year", "must be a year"}, in)
		return
	}
	_, err := m.Svc.AddRecommendation(r.Context(), in)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		if fe.Field == "norm_id" {
			m.site.Error(w, r, http.StatusNotFound, "framework.not_found")
			return
		}
		m.renderNorm(w, r, http.StatusUnprocessableEntity, fe, in)
	case err != nil:
		m.site.ServerError(w, r, err)
	default:
		m.site.Redirect(w, r, "/compendium/norms/"+in.NormID, "compendium.recommendation_added")
	}
}

func (m *Module) runImport(w http.ResponseWriter, r *http.Request) {
	if _, err := m.Svc.ImportTechAccord(r.Context()); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if _, err := m.Svc.SyncSearch(r.Context()); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/compendium", "compendium.imported")
}

// pageKinds are what the search page finds when no kind is chosen: the
// compendium's and the capacity-building documents it can name and show.
// Incidents and positions' passages, in the same index, have their own
// pages (their topics are no norms, and the page has no words for them).
var pageKinds = append(slices.Clip(Kinds), "capacity-need", "capacity-offer", "capacity-project", "capacity-event")

// Option is a value and its label for a select.
type Option struct{ Value, Label string }

type searchData struct {
	Query    search.Query
	Kinds    []string
	Results  SearchResults
	Error    *FieldError
	Norms    []framework.Norm
	Types    []string
	Statuses []string
	Groups   []states.GroupInfo
	// Rows are Results' hits as the page shows them (searchRows).
	Rows []searchRow
	// StateOptions are the State filter's options, the selected one marked
	// (stateOptions).
	StateOptions template.HTML
	Prev         string
	Next         string
	From         int
	To           int
}

// searchRow is a hit as the search page shows it: flat, its labels
// translated. The template read each field of the hits through two
// embedded structs (reflection looks such a field up by a breadth-first
// walk on every use) and translated three labels a hit: together half the
// page's rendering.
type searchRow struct {
	URL, Title, State, StateName      string
	KindLabel, TypeLabel, StatusLabel string
	Year                              int
	NormRefs                          []NormRef
	Snippet                           []search.Fragment
}

func (m *Module) searchRows(lang string, hits []SearchHit) []searchRow {
	rows := make([]searchRow, len(hits))
	c := m.site.Catalog
	for i, h := range hits {
		r := searchRow{URL: h.URL, Title: h.Title, State: h.State, StateName: h.StateName, Year: h.Year, NormRefs: h.NormRefs, Snippet: h.Snippet,
			KindLabel: c.T(lang, "compendium.kind."+h.Kind)}
		if h.Type != "" {
			r.TypeLabel = c.T(lang, "compendium.type."+h.Type)
		}
		if h.Status != "" {
			r.StatusLabel = c.T(lang, "compendium.status."+h.Status)
		}
		rows[i] = r
	}
	return rows
}

// stateOptionsByLang holds, per language, the State filter's options as
// HTML, in the language's order. The template ranged over the 195 States
// on every search page; that was a fifth of an uncached search's time.
var stateOptionsByLang sync.Map // lang → []string, each `<option value="ISO">Name</option>`

// stateOptions renders the State filter's options in lang with selected
// (an ISO 3166-1 alpha-3 code, or "") marked.
func stateOptions(lang, selected string) template.HTML {
	v, ok := stateOptionsByLang.Load(lang)
	if !ok {
		var opts []string
		for st := range states.InOrder("", lang) {
			opts = append(opts, `<option value="`+html.EscapeString(st.ISO3)+`">`+html.EscapeString(st.Name)+`</option>`)
		}
		v, _ = stateOptionsByLang.LoadOrStore(lang, opts)
	}
	var b strings.Builder
	mark := `<option value="` + html.EscapeString(selected) + `">`
	for _, o := range v.([]string) {
		if selected != "" && strings.HasPrefix(o, mark) {
			o = `<option value="` + html.EscapeString(selected) + `" selected>` + o[len(mark):]
		}
		b.WriteString(o)
	}
	return template.HTML(b.String()) // every value is escaped above
}

func (m *Module) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := web.Lang(r)
	d := searchData{Types: MeasureTypes, Statuses: MeasureStatuses, Groups: states.Groups, Kinds: Kinds}
	var err error
	if d.Norms, err = m.Svc.Norms(ctx, lang); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	status := http.StatusOK
	q, err := parseSearch(r.URL.Query())
	d.Query = q
	d.StateOptions = stateOptions(lang, q.State)
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		d.Error, status = fe, http.StatusBadRequest
	case err != nil:
		m.site.ServerError(w, r, err)
		return
	default:
		norms, err := m.Svc.normIndex(ctx, lang)
		if err == nil {
			sq := q
			if len(sq.Kinds) == 0 {
				sq.Kinds = pageKinds
			}
			d.Results, err = m.Svc.Search(ctx, sq, lang, norms)
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		d.From, d.To = q.Offset+1, q.Offset+len(d.Results.Hits)
		d.Rows = m.searchRows(lang, d.Results.Hits)
		page := func(off int) string {
			v := r.URL.Query()
			v.Set("offset", strconv.Itoa(off))
			return "/compendium/search?" + v.Encode()
		}
		if q.Offset > 0 {
			d.Prev = page(max(0, q.Offset-q.Limit))
		}
		if q.Offset+len(d.Results.Hits) < d.Results.Total && q.Offset+q.Limit <= search.MaxCount {
			d.Next = page(q.Offset + q.Limit)
		}
	}
	m.site.Render(w, r, status, "compendium/search.html", "", d)
}

type markData struct {
	State     string
	StateName string
	Measures  []PublishedMeasure
	IsSec     bool
	States    []Option
	Error     *FieldError
}

func (m *Module) markPage(w http.ResponseWriter, r *http.Request) {
	m.renderMark(w, r, http.StatusOK, nil)
}

func (m *Module) renderMark(w http.ResponseWriter, r *http.Request, status int, fe *FieldError) {
	u := auth.UserFrom(r.Context())
	d := markData{IsSec: u.Role == auth.RoleSecretariat, Error: fe}
	d.State = strings.ToUpper(u.StateISO3)
	if d.IsSec {
		d.State = strings.ToUpper(r.URL.Query().Get("state"))
		if d.State == "" {
			d.State = strings.ToUpper(r.PostFormValue("state"))
		}
		for st := range states.InOrder("", web.Lang(r)) {
			d.States = append(d.States, Option{st.ISO3, st.Name})
		}
	}
	if d.State != "" {
		if _, ok := states.ByISO3(d.State); !ok {
			d.Error, status, d.State = &FieldError{"state", "is not a known ISO 3166-1 alpha-3 code"}, http.StatusBadRequest, ""
		}
	}
	if d.State != "" {
		lang := web.Lang(r)
		d.StateName = stateName(d.State, lang)
		norms, err := m.Svc.normIndex(r.Context(), lang)
		if err == nil {
			d.Measures, err = m.Svc.CandidateMeasures(r.Context(), d.State, 500)
		}
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for i := range d.Measures {
			d.Measures[i].NormRef = norms.ref(d.Measures[i].NormID)
		}
	}
	m.site.Render(w, r, status, "compendium/mark.html", "", d)
}

func (m *Module) markForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.Svc.MarkPractice(r.Context(), PracticeInput{MeasureID: r.PostFormValue("measure_id"), Note: r.PostFormValue("note")})
	m.afterCuration(w, r, err, "compendium.practice_marked")
}

func (m *Module) unmarkForm(w http.ResponseWriter, r *http.Request) {
	err := m.Svc.UnmarkPractice(r.Context(), r.PathValue("key"))
	m.afterCuration(w, r, err, "compendium.practice_unmarked")
}

func (m *Module) afterCuration(w http.ResponseWriter, r *http.Request, err error, flash string) {
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		m.renderMark(w, r, http.StatusUnprocessableEntity, fe)
	case errors.Is(err, ErrNotFound):
		m.site.Error(w, r, http.StatusNotFound, "compendium.measure_not_found")
	case errors.Is(err, ErrForbidden):
		m.site.Error(w, r, http.StatusForbidden, "compendium.not_your_state")
	case err != nil:
		m.site.ServerError(w, r, err)
	default:
		target := "/compendium/practices/mark"
		if st := r.PostFormValue("state"); st != "" {
			target += "?state=" + url.QueryEscape(st)
		}
		m.site.Redirect(w, r, target, flash)
	}
}

// apiError maps service errors to the API's error shape.
func apiError(w http.ResponseWriter, err error) {
	var fe *FieldError
	switch {
	case errors.As(err, &fe):
		api.WriteError(w, api.Invalid(fe.Field, fe.Reason))
	case errors.Is(err, ErrNotFound):
		api.WriteError(w, api.ErrNotFound)
	case errors.Is(err, ErrForbidden):
		api.WriteError(w, api.ErrForbidden)
	default:
		api.WriteError(w, err)
	}
}

func (m *Module) apiRecommendations(w http.ResponseWriter, r *http.Request) {
	norm := r.URL.Query().Get("norm")
	if norm != "" {
		if _, err := m.Svc.FW.Norm(r.Context(), norm, "en"); err != nil {
			api.WriteError(w, api.Invalid("norm", "is not a known norm"))
			return
		}
	}
	recs, err := m.Svc.Recommendations(r.Context(), norm)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Recommendation]{Items: recs})
}

func (m *Module) apiAddRecommendation(w http.ResponseWriter, r *http.Request) {
	var in RecommendationInput
	if err := api.Decode(w, r, &in, 64<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	rec, err := m.Svc.AddRecommendation(r.Context(), in)
	if err != nil {
		m.logIfInternal(r, err)
		apiError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, rec)
}

func (m *Module) apiImport(w http.ResponseWriter, r *http.Request) {
	res, err := m.Svc.ImportTechAccord(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, res)
}

func (m *Module) apiPractices(w http.ResponseWriter, r *http.Request) {
	f := PracticeFilter{Norm: r.URL.Query().Get("norm"), State: strings.ToUpper(r.URL.Query().Get("state"))}
	if f.Norm != "" {
		if _, err := m.Svc.FW.Norm(r.Context(), f.Norm, "en"); err != nil {
			api.WriteError(w, api.Invalid("norm", "is not a known norm"))
			return
		}
	}
	if f.State != "" {
		if _, ok := states.ByISO3(f.State); !ok {
			api.WriteError(w, api.Invalid("state", "is not a known ISO 3166-1 alpha-3 code"))
			return
		}
	}
	limit, after, err := api.PageParams(r, 50, MaxPracticePage)
	if err != nil {
		api.WriteError(w, err)
		return
	}
	if f.UpdatedSince, err = api.UpdatedSince(r); err != nil {
		api.WriteError(w, err)
		return
	}
	f.After, f.Limit = after, limit
	ps, next, err := m.Svc.Practices(r.Context(), f, "en")
	var bad *FieldError
	if errors.As(err, &bad) { // a cursor naming no practice: a bad parameter, as PageParams says
		api.WriteError(w, api.Errorf(http.StatusBadRequest, "invalid_parameter", bad.Field, "%s", bad.Reason))
		return
	}
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Practice]{Items: ps, NextCursor: api.Cursor(next)})
}

func (m *Module) apiMark(w http.ResponseWriter, r *http.Request) {
	var in PracticeInput
	if err := api.Decode(w, r, &in, 16<<10); err != nil {
		api.WriteError(w, err)
		return
	}
	p, err := m.Svc.MarkPractice(r.Context(), in)
	if err != nil {
		m.logIfInternal(r, err)
		apiError(w, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, p)
}

func (m *Module) apiUnmark(w http.ResponseWriter, r *http.Request) {
	if err := m.Svc.UnmarkPractice(r.Context(), r.PathValue("key")); err != nil {
		m.logIfInternal(r, err)
		apiError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (m *Module) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, err := parseSearch(r.URL.Query())
	if err != nil {
		apiError(w, err)
		return
	}
	res, err := m.Svc.Search(r.Context(), q, "en", nil)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	api.WriteJSON(w, http.StatusOK, res)
}

func (m *Module) logIfInternal(r *http.Request, err error) {
	var fe *FieldError
	if errors.As(err, &fe) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		return
	}
	m.site.Log.Error("request failed", "path", r.URL.Path, "err", err)
}

// practiceRow is a good practice as a norm's page lists it: flat, its
// type, status and marker in the reader's language. With each label
// translated by the template (a print and a translation, two reflective
// calls each), the list was half the page's time (issue 20).
type practiceRow struct {
	ReportID, Title, State, StateName string
	CycleYear                         int
	Type, Status, MarkedBy            string
	NormRefs                          []NormRef
	Desc, Note                        string
}

// practiceRows prepares ps for a norm's page in lang.
func (m *Module) practiceRows(lang string, ps []Practice) []practiceRow {
	t := m.site.Catalog.Labels(lang)
	out := make([]practiceRow, len(ps))
	for i, p := range ps {
		out[i] = practiceRow{ReportID: p.ReportID, Title: p.Title, State: p.State, StateName: p.StateName, CycleYear: p.CycleYear,
			Type: t("compendium.type." + p.Type), Status: t("compendium.status." + p.Status), MarkedBy: t("compendium.marked_by." + p.MarkedRole),
			NormRefs: p.NormRefs, Desc: p.Desc, Note: p.Note}
	}
	return out
}
