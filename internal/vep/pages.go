package vep

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// mapEdges bin the number of recommendations met: 1, 2, 3–4, 5–6, 7.
var mapEdges = []float64{1, 2, 4, 6, 7}

// cardRow is a scorecard with the State's name in the page's language.
// The index's table reads Row: 195 rows of 7 cells, whose fields the
// template looked up through the embedded Scorecard and whose labels it
// translated one by one (two reflective calls a cell), was nine tenths
// of the page's time.
type cardRow struct {
	Scorecard
	Name string
	Row  cardCells
}

// cardCells is a row of the index's table, flat, its labels translated.
type cardCells struct {
	State, Name, SourceLabel string
	HasRecord                bool
	Met                      int
	Cells                    []ratingCell
}

type ratingCell struct{ Rating, Label string }

// recTally counts the ratings of one recommendation across the States
// with a published policy.
type recTally struct {
	Recommendation string
	Counts         map[string]int
}

// indexData is the index's data: Body, the part after the page's own
// links, is the template "index-body" rendered from the other fields once
// per language (indexView), in pieces (web.Pieces) that the page prints
// without copying 180 kB through fmt's buffer.
type indexData struct {
	Body      []template.HTML
	Recorded  int
	Tallies   []recTally
	Map       template.HTML
	Rows      template.HTML
	Recs      []string
	Ratings   []string
	MyState   string
	Approver  bool
	Permitted bool
}

// rowsData is the comparison table's rows (template "comparison-rows").
type rowsData struct {
	Cards []cardRow
	Recs  []string
}

// indexView is what /vep shows the same to everyone in a language:
// everything below the page's own links (the recommendations, the map,
// the tallies and the comparison table), rendered from the policies in
// force when the count of published versions was stamp. Executing the
// template for it (a reflective call per label and tally) was most of
// what a request cost once the cards were kept.
type indexView struct {
	stamp int64
	body  []template.HTML
}

// indexViews keeps the index's view per language until the next
// publication. Building it (reading and rating every policy, a card for
// each of the 195 States, the map and 195 rows of the table) was nine
// tenths of the page's time. Every request reads the stamp from the
// database, so a policy published through any instance shows on the next
// request to every instance.
type indexViews struct {
	mu     sync.Mutex
	byLang map[string]*indexView
}

func (c *indexViews) get(lang string, stamp int64) *indexView {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.byLang[lang]; v != nil && v.stamp == stamp {
		return v
	}
	return nil
}

func (c *indexViews) put(lang string, v *indexView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byLang == nil {
		c.byLang = map[string]*indexView{}
	}
	// A slower request that read an older stamp must not replace a newer view.
	if old := c.byLang[lang]; old == nil || old.stamp <= v.stamp {
		c.byLang[lang] = v
	}
}

func (m *Module) t(r *http.Request) func(string, ...any) string {
	lang := web.Lang(r)
	return func(k string, a ...any) string { return m.site.Catalog.T(lang, k, a...) }
}

// localCards returns every State's scorecard in the order of its name in lang.
func (m *Module) localCards(r *http.Request) ([]cardRow, error) {
	cards, err := m.svc.Scorecards(r.Context(), false)
	if err != nil {
		return nil, err
	}
	by := make(map[string]Scorecard, len(cards))
	for _, c := range cards {
		by[c.State] = c
	}
	lang := web.Lang(r)
	t := m.t(r)
	labels := map[string]string{}
	label := func(key string) string {
		l, ok := labels[key]
		if !ok {
			l = t(key)
			labels[key] = l
		}
		return l
	}
	out := make([]cardRow, 0, len(cards))
	for st := range states.InOrder("", lang) {
		c := cardRow{Scorecard: by[st.ISO3], Name: st.Name}
		c.Row = cardCells{State: st.ISO3, Name: c.Name, HasRecord: c.HasRecord, Met: c.Met}
		if c.HasRecord {
			c.Row.SourceLabel = label("vep.source." + c.Source)
			c.Row.Cells = make([]ratingCell, len(c.Scores))
			for i, sc := range c.Scores {
				c.Row.Cells[i] = ratingCell{sc.Rating, label("vep.rating." + sc.Rating)}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// view returns the index's view in the request's language, built anew
// when a policy has been published since it was last built.
func (m *Module) view(r *http.Request) (*indexView, error) {
	lang := web.Lang(r)
	// The stamp is read before the policies: a view built from policies
	// newer than its stamp is rebuilt on the next request, never the
	// other way round.
	stamp, err := m.svc.policiesStamp(r.Context())
	if err != nil {
		return nil, err
	}
	if v := m.views.get(lang, stamp); v != nil {
		return v, nil
	}
	cards, err := m.localCards(r)
	if err != nil {
		return nil, err
	}
	t := m.t(r)
	d := indexData{Recs: Recommendations, Ratings: Ratings}
	areas := make(map[string]chart.Area, len(cards))
	tallies := make([]recTally, len(Recommendations))
	for i, rec := range Recommendations {
		tallies[i] = recTally{Recommendation: rec, Counts: map[string]int{}}
	}
	for _, c := range cards {
		if !c.HasRecord {
			areas[c.State] = chart.Area{Class: "chart-noreport", Label: t("vep.map.none", c.Name)}
			continue
		}
		d.Recorded++
		areas[c.State] = chart.Area{Class: chart.Bin(float64(c.Met), mapEdges), Label: t("vep.map.area", c.Name, c.Met, len(Recommendations))}
		for i, s := range c.Scores {
			tallies[i].Counts[s.Rating]++
		}
	}
	d.Tallies = tallies
	legend := []chart.LegendItem{{Class: "chart-noreport", Label: t("vep.legend.none")}, {Class: "chart-b0", Label: "0"}, {Class: "chart-b1", Label: "1"},
		{Class: "chart-b2", Label: "2"}, {Class: "chart-b3", Label: "3–4"}, {Class: "chart-b4", Label: "5–6"}, {Class: "chart-b5", Label: "7"}}
	d.Map = chart.Map{Title: t("vep.map.title"), Desc: m.site.Catalog.TN(lang, "vep.map.desc", d.Recorded, d.Recorded), Base: m.base, Areas: areas, Default: chart.Area{Class: "chart-noreport"}, Legend: legend}.SVG()
	if d.Rows, err = m.site.Fragment(r, "vep/index.html", "comparison-rows", rowsData{Cards: cards, Recs: Recommendations}); err != nil {
		return nil, err
	}
	v := &indexView{stamp: stamp}
	body, err := m.site.Fragment(r, "vep/index.html", "index-body", d)
	if err != nil {
		return nil, err
	}
	v.body = web.Pieces(body)
	m.views.put(lang, v)
	return v, nil
}

func (m *Module) index(w http.ResponseWriter, r *http.Request) {
	v, err := m.view(r)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	d := indexData{Body: v.body}
	if u := auth.UserFrom(r.Context()); u != nil && u.Role.IsState() {
		d.MyState, d.Approver = u.StateISO3, u.Role == auth.RoleStateApprover
		d.Permitted = m.svc.Permitted(r.Context())
		w.Header().Set("Cache-Control", "private, no-store")
	}
	m.site.Render(w, r, http.StatusOK, "vep/index.html", m.site.Catalog.T(web.Lang(r), "vep.title"), d)
}

func (m *Module) scorecardsCSV(w http.ResponseWriter, r *http.Request) {
	cards, err := m.svc.Scorecards(r.Context(), false)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vep-scorecards.csv"`)
	cw := csv.NewWriter(w)
	head := []string{"state", "state_name", "has_record", "source", "version", "published_at"}
	head = append(head, Recommendations...)
	_ = cw.Write(append(head, "met"))
	for _, c := range cards {
		row := []string{c.State, c.StateName, strconv.FormatBool(c.HasRecord), c.Source, "", ""}
		if c.HasRecord {
			row[4] = strconv.Itoa(c.Version)
			row[5] = c.Published.UTC().Format("2006-01-02T15:04:05Z")
		}
		for _, s := range c.Scores {
			row = append(row, s.Rating)
		}
		_ = cw.Write(append(row, strconv.Itoa(c.Met)))
	}
	cw.Flush()
}

type statePageData struct {
	ISO3, Name string
	Record     *PolicyRecord
	Card       Scorecard
	// Editing: the viewer may edit a draft (DraftSource says whose).
	Editing     bool
	DraftSource string
	DraftSaved  bool
	CanPublish  bool
	Form        Form
	Failed      *Failure
	Recs        []string
	Choices     map[string][]string
	Selects     []string
	Reports     []Report
	Document    *Document
	DraftDoc    *Document
}

func (m *Module) statePage(w http.ResponseWriter, r *http.Request) {
	m.renderState(w, r, http.StatusOK, nil, nil)
}

// renderState shows a State's policy, scorecard and reports, and the
// draft form to those who may edit it (f and failed after a refusal).
func (m *Module) renderState(w http.ResponseWriter, r *http.Request, status int, f *Form, failed *Failure) {
	ctx := r.Context()
	st, err := knownState(r.PathValue("iso3"))
	if err != nil {
		m.fail(w, r, err, "/vep")
		return
	}
	lang := web.Lang(r)
	d := statePageData{ISO3: st.ISO3, Name: st.Name(lang), Recs: Recommendations, Failed: failed, Selects: []string{"default", "scope", "criteria_public", "ecosystem", "review", "secured"},
		Choices: map[string][]string{"default": Defaults, "scope": Scopes, "criteria_public": Publicities, "ecosystem": Levels, "review": ReviewKinds, "secured": Levels, "criteria_named": FourCriteria}}
	if rec, err := m.svc.Published(ctx, st.ISO3); err == nil {
		d.Record = &rec
		if doc, err := m.svc.DocumentInfo(ctx, rec.Policy.DocumentID); err == nil {
			d.Document = &doc
		}
	} else if err != ErrNotFound {
		m.site.ServerError(w, r, err)
		return
	}
	if d.Card, err = m.svc.Scorecard(ctx, st.ISO3); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if d.Reports, err = m.svc.PublishedReports(ctx, st.ISO3); err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	u := auth.UserFrom(ctx)
	if src := sourceFor(u); u != nil && canEdit(u, st.ISO3, src) {
		d.Editing, d.DraftSource = true, src
		d.CanPublish = src == SourceSecretariat || u.Role == auth.RoleStateApprover
		if f != nil {
			d.Form = *f
		} else {
			dr, err := m.svc.Draft(ctx, st.ISO3)
			if err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			d.DraftSaved = !dr.UpdatedAt.IsZero()
			d.Form = Form{Values: policyValues(dr.Policy)}
		}
		if doc, err := m.svc.DocumentInfo(ctx, d.Form.Value("document_id")); err == nil {
			d.DraftDoc = &doc
		}
		w.Header().Set("Cache-Control", "private, no-store")
	}
	m.site.Render(w, r, status, "vep/state.html", d.Name, d)
}

// policyValues fills the policy form from a policy.
func policyValues(p Policy) url.Values {
	v := url.Values{"since": {p.Since}, "document_url": {p.DocumentURL}, "document_id": {p.DocumentID}, "deciding_body": {p.DecidingBody}, "members_text": {strings.Join(p.Members, "\n")},
		"default": {p.Default}, "scope": {p.Scope}, "criteria_text": {p.Criteria}, "criteria_public": {p.CriteriaPublic}, "criteria_named": p.CriteriaNamed,
		"ecosystem": {p.Ecosystem}, "review": {p.Review}, "oversight_body": {p.OversightBody}, "secured": {p.Secured}}
	if p.HasProcess {
		v.Set("has_process", "on")
	}
	if p.PublishesStatistics {
		v.Set("publishes_statistics", "on")
	}
	if p.ReviewMonths > 0 {
		v.Set("review_months", strconv.Itoa(p.ReviewMonths))
	}
	if p.VendorNoticeDays > 0 {
		v.Set("vendor_notice_days", strconv.Itoa(p.VendorNoticeDays))
	}
	for k, s := range p.Passages {
		v.Set("passage_"+k+"_text", s)
	}
	return v
}

// policyFrom reads the policy form.
func policyFrom(r *http.Request) (Policy, error) {
	f := r.PostFormValue
	p := Policy{HasProcess: f("has_process") != "", Since: f("since"), DocumentURL: f("document_url"), DocumentID: f("document_id"), DecidingBody: f("deciding_body"),
		Default: f("default"), Scope: f("scope"), Criteria: f("criteria_text"), CriteriaPublic: f("criteria_public"), CriteriaNamed: r.PostForm["criteria_named"],
		Ecosystem: f("ecosystem"), Review: f("review"), OversightBody: f("oversight_body"), PublishesStatistics: f("publishes_statistics") != "", Secured: f("secured"),
		Passages: map[string]string{}}
	for _, l := range strings.Split(f("members_text"), "\n") {
		p.Members = append(p.Members, strings.TrimRight(l, "\r"))
	}
	for _, rec := range Recommendations {
		p.Passages[rec] = f("passage_" + rec + "_text")
	}
	var err error
	if p.ReviewMonths, err = number(r, "review_months", "review_months"); err != nil {
		return p, err
	}
	p.VendorNoticeDays, err = number(r, "vendor_notice_days", "vendor_notice_days")
	return p, err
}

// policyFields maps the service's field names to the form's elements.
var policyFields = func() fields {
	fs := fields{}
	for _, n := range []string{"since", "document_url", "document_id", "deciding_body", "members", "default", "scope", "criteria", "criteria_public", "criteria_named", "ecosystem", "review", "review_months", "oversight_body", "vendor_notice_days", "secured"} {
		fs[n] = field{ID: n, Label: "vep.field." + n}
	}
	for _, rec := range Recommendations {
		fs["passages."+rec] = field{ID: "passage_" + rec, Label: "vep.rec." + rec}
	}
	return fs
}()

func (m *Module) saveDraftForm(w http.ResponseWriter, r *http.Request) {
	iso3 := r.PathValue("iso3")
	p, err := policyFrom(r)
	if err == nil {
		_, err = m.svc.SaveDraft(r.Context(), iso3, p)
	}
	if err != nil {
		if f, failed, status, ok := m.refusal(r, err, policyFields); ok {
			m.renderState(w, r, status, &f, failed)
			return
		}
		m.fail(w, r, err, "/vep/states/"+iso3)
		return
	}
	m.site.Redirect(w, r, "/vep/states/"+strings.ToUpper(iso3)+"#draft", "vep.draft_saved")
}

func (m *Module) publishForm(w http.ResponseWriter, r *http.Request) {
	iso3 := r.PathValue("iso3")
	if _, err := m.svc.Publish(r.Context(), iso3); err != nil {
		m.fail(w, r, err, "/vep/states/"+iso3)
		return
	}
	m.site.Redirect(w, r, "/vep/states/"+strings.ToUpper(iso3), "vep.published")
}
