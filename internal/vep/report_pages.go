package vep

import (
	"context"
	"encoding/csv"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// FigureKeys are a report's figures in display and CSV order.
var FigureKeys = []string{"evaluated", "disclosed", "mitigations_only", "partners_informed", "retained", "released_after_review", "reviews", "reviews_on_time", "median_days_to_vendor_notification", "median_days_to_patch"}

// reportsPart is one table of the list of reports: the figures
// FigureKeys[From:To] under a caption.
type reportsPart struct {
	Caption  string
	Keys     []string
	From, To int
}

// reportsParts: the decisions on vulnerabilities, then the reviews and the
// times taken. All ten in one table scrolled sideways at 1280 px.
var reportsParts = []reportsPart{
	{"vep.reports.caption_decisions", FigureKeys[:6], 0, 6},
	{"vep.reports.caption_reviews", FigureKeys[6:], 6, len(FigureKeys)},
}

// Values returns the figures in FigureKeys order.
func (f Figures) Values() []int {
	return []int{f.Evaluated, f.Disclosed, f.MitigationsOnly, f.PartnersInformed, f.Retained, f.Released, f.Reviews, f.ReviewsOnTime, f.MedianDaysNotify, f.MedianDaysToPatch}
}

// csvValue is a figure as the CSV writes it: the number, "<5" or "withheld".
func csvValue(v int) string {
	switch v {
	case Fewer:
		return "<5"
	case Withheld:
		return "withheld"
	}
	return strconv.Itoa(v)
}

// reportRow is a report with its figures in words, for a table row.
type reportRow struct {
	Report
	Name  string
	Cells []string
}

func (m *Module) rowOf(r *http.Request, rp Report) reportRow {
	t := m.t(r)
	row := reportRow{Report: rp, Name: rp.StateName}
	if st, ok := states.ByISO3(rp.State); ok {
		row.Name = st.Name(web.Lang(r))
	}
	for _, v := range rp.Figures.Values() {
		switch v {
		case Fewer:
			row.Cells = append(row.Cells, t("vep.fewer"))
		case Withheld:
			row.Cells = append(row.Cells, t("vep.withheld"))
		default:
			row.Cells = append(row.Cells, web.FormatNumber(web.Lang(r), v))
		}
	}
	return row
}

type reportsData struct {
	Rows  []reportRow
	Years []int
	Year  int
	Chart template.HTML
	Trend template.HTML
	Keys  []string
	// Parts split the figures into tables that fit the page.
	Parts    []reportsPart
	Drafts   []reportRow
	Approver bool
	Form     Form
	Failed   *Failure
}

func (m *Module) reportsPage(w http.ResponseWriter, r *http.Request) {
	m.renderReports(w, r, http.StatusOK, Form{}, nil)
}

// reportsView is what /vep/reports shows everyone in a language for a
// year: the published reports' rows, their years, the year's chart and
// the trend. Reading and decoding every report and drawing the charts was
// most of the page's time: the view is kept per language and year until
// something is written (audit.KeptBy).
type reportsView struct {
	rows  []reportRow
	years []int // newest first
	seen  map[int]bool
	// year is the year shown: the key's, or the latest for year 0; 0 when
	// there is no report, or none of the key's year.
	year         int
	chart, trend template.HTML
}

// reportsKey keys a view: the language and the year asked for (0: the
// latest). Only years that have published reports are asked for.
type reportsKey struct {
	lang string
	year int
}

// reportsView returns the view of year (0: the latest) in the request's
// language, kept or built anew.
func (m *Module) reportsView(r *http.Request, year int) (*reportsView, error) {
	return m.reportViews.Get(r.Context(), m.svc.DB, reportsKey{web.Lang(r), year}, func(ctx context.Context) (*reportsView, error) {
		list, err := m.svc.PublishedReports(ctx, "")
		if err != nil {
			return nil, err
		}
		return m.buildReportsView(r, list, year), nil
	})
}

func (m *Module) buildReportsView(r *http.Request, list []Report, year int) *reportsView {
	t := m.t(r)
	v := &reportsView{seen: map[int]bool{}}
	for _, rp := range list {
		v.rows = append(v.rows, m.rowOf(r, rp))
		if !v.seen[rp.Year] {
			v.seen[rp.Year] = true
			v.years = append(v.years, rp.Year)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(v.years)))
	switch {
	case year != 0 && v.seen[year]:
		v.year = year
	case year == 0 && len(v.years) > 0:
		v.year = v.years[0]
	}
	if v.year != 0 {
		var cats []string
		series := []chart.Series{{Name: t("vep.figure.disclosed")}, {Name: t("vep.figure.retained")}, {Name: t("vep.figure.released_after_review")}}
		plot := func(v int) float64 {
			if v < 0 {
				return 0
			}
			return float64(v)
		}
		for _, row := range v.rows {
			if row.Year != v.year {
				continue
			}
			cats = append(cats, row.Name)
			series[0].Values = append(series[0].Values, plot(row.Figures.Disclosed))
			series[1].Values = append(series[1].Values, plot(row.Figures.Retained))
			series[2].Values = append(series[2].Values, plot(row.Figures.Released))
		}
		v.chart = chart.Bars{Title: t("vep.reports.chart", v.year), Desc: t("vep.reports.chart_desc"), Categories: cats, Series: series, RTL: web.IsRTL(web.Lang(r)), Lang: web.Lang(r)}.SVG()
	}
	if v.year != 0 && len(v.years) > 1 {
		// Retained by year, one line per State (suppressed drawn as zero).
		years := append([]int(nil), v.years...)
		sort.Ints(years)
		var x []string
		pos := map[int]int{}
		for i, y := range years {
			x = append(x, strconv.Itoa(y))
			pos[y] = i
		}
		byState := map[string]*chart.Series{}
		var order []string
		for _, row := range v.rows {
			s, ok := byState[row.State]
			if !ok {
				s = &chart.Series{Name: row.Name, Values: make([]float64, len(years))}
				byState[row.State] = s
				order = append(order, row.State)
			}
			if v := row.Figures.Retained; v > 0 {
				s.Values[pos[row.Year]] = float64(v)
			}
		}
		sort.Strings(order)
		var series []chart.Series
		for _, st := range order {
			series = append(series, *byState[st])
		}
		v.trend = chart.Lines{Title: t("vep.reports.trend"), Desc: t("vep.reports.chart_desc"), X: x, Series: series, RTL: web.IsRTL(web.Lang(r)), Lang: web.Lang(r)}.SVG()
	}
	return v
}

func (m *Module) renderReports(w http.ResponseWriter, r *http.Request, status int, f Form, failed *Failure) {
	ctx := r.Context()
	v, err := m.reportsView(r, 0)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	if y := r.URL.Query().Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || !v.seen[n] {
			m.site.Error(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		if n != v.year {
			if v, err = m.reportsView(r, n); err != nil {
				m.site.ServerError(w, r, err)
				return
			}
			if v.year != n { // no longer published
				m.site.Error(w, r, http.StatusNotFound, "error.notfound")
				return
			}
		}
	}
	t := m.t(r)
	d := reportsData{Rows: v.rows, Years: v.years, Year: v.year, Chart: v.chart, Trend: v.trend, Keys: FigureKeys, Form: f, Failed: failed, Parts: reportsParts}
	if u := auth.UserFrom(ctx); u != nil && u.Role.IsState() {
		drafts, err := m.svc.DraftReports(ctx)
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		for _, rp := range drafts {
			d.Drafts = append(d.Drafts, m.rowOf(r, rp))
		}
		d.Approver = u.Role == auth.RoleStateApprover
		w.Header().Set("Cache-Control", "private, no-store")
	}
	m.site.Render(w, r, status, "vep/reports.html", t("vep.reports.title"), d)
}

func (m *Module) reportsCSV(w http.ResponseWriter, r *http.Request) {
	list, err := m.svc.PublishedReports(r.Context(), "")
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vep-transparency-reports.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(append([]string{"state", "state_name", "year", "published_at"}, FigureKeys...))
	for _, rp := range list {
		row := []string{rp.State, rp.StateName, strconv.Itoa(rp.Year), rp.PublishedAt.Format("2006-01-02")}
		for _, v := range rp.Figures.Values() {
			row = append(row, csvValue(v))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
}

type reportData struct {
	Row      reportRow
	Keys     []string
	Approver bool
}

func (m *Module) reportPage(w http.ResponseWriter, r *http.Request) {
	rp, err := m.svc.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err, "/vep/reports")
		return
	}
	d := reportData{Row: m.rowOf(r, rp), Keys: FigureKeys}
	if rp.Status != "published" {
		private(w)
		u := auth.UserFrom(r.Context())
		d.Approver = u.Role == auth.RoleStateApprover
	}
	m.site.Render(w, r, http.StatusOK, "vep/report.html", m.t(r)("vep.report.of", rp.Year), d)
}

func (m *Module) generateForm(w http.ResponseWriter, r *http.Request) {
	year, err := number(r, "year", "year")
	if err == nil {
		var rp Report
		rp, err = m.svc.GenerateReport(r.Context(), year)
		if err == nil {
			m.site.Redirect(w, r, "/vep/reports/"+rp.ID, "vep.flash.generated")
			return
		}
	}
	if f, failed, status, ok := m.refusal(r, err, fields{"year": {ID: "year", Label: "vep.report.year"}}); ok {
		m.renderReports(w, r, status, f, failed)
		return
	}
	m.fail(w, r, err, "/vep/reports")
}

func (m *Module) publishReportForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := m.svc.PublishReport(r.Context(), id); err != nil {
		m.fail(w, r, err, "/vep/reports/"+id)
		return
	}
	m.site.Redirect(w, r, "/vep/reports/"+id, "vep.flash.report_published")
}

// ReportInput asks for a year's report.
type ReportInput struct {
	Year int `json:"year"`
}

func (m *Module) apiReports(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := m.svc.PublishedReports(r.Context(), "")
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	state := strings.ToUpper(q.Get("state"))
	if state != "" {
		if _, err := knownState(state); err != nil {
			api.WriteError(w, api.Invalid("state", "must be a State's ISO 3166-1 alpha-3 code"))
			return
		}
	}
	year := 0
	if y := q.Get("year"); y != "" {
		if year, err = strconv.Atoi(y); err != nil || year < 1990 || year > 2100 {
			api.WriteError(w, api.Invalid("year", "must be a year"))
			return
		}
	}
	out := []Report{}
	for _, rp := range list {
		if (state == "" || rp.State == state) && (year == 0 || rp.Year == year) {
			out = append(out, rp)
		}
	}
	api.WriteJSON(w, http.StatusOK, api.List[Report]{Items: out})
}

func (m *Module) apiReport(w http.ResponseWriter, r *http.Request) {
	rp, err := m.svc.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	if rp.Status != "published" {
		private(w)
	}
	api.WriteJSON(w, http.StatusOK, rp)
}

func (m *Module) apiGenerate(w http.ResponseWriter, r *http.Request) {
	var in ReportInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	rp, err := m.svc.GenerateReport(r.Context(), in.Year)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	private(w)
	api.WriteJSON(w, http.StatusCreated, rp)
}

func (m *Module) apiPublishReport(w http.ResponseWriter, r *http.Request) {
	rp, err := m.svc.PublishReport(r.Context(), r.PathValue("id"))
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, rp)
}

func (m *Module) reportRoutes(r *web.Router) {
	r.Handle("GET /vep/reports", web.Public, m.reportsPage)
	r.Handle("GET /vep/reports.csv", web.Public, m.reportsCSV)
	r.Handle("POST /vep/reports", web.StateApprover, m.generateForm)
	r.Handle("GET /vep/reports/{id}", web.Public, m.reportPage)
	r.Handle("POST /vep/reports/{id}/publish", web.StateApprover, m.publishReportForm)
	tag := "vep"
	pid := []api.Param{{Name: "id", In: "path", Required: true, Description: "report id"}}
	r.API(api.Op{Method: "GET", Path: apiBase + "/reports", Summary: "Published transparency reports of every State and year (counts of 1–4 are -1, fewer than 5)", Tag: tag,
		Params: []api.Param{{Name: "state", In: "query", Description: "ISO3"}, {Name: "year", In: "query", Schema: "integer"}}, Response: api.List[Report]{}}, web.Public, m.apiReports)
	r.API(api.Op{Method: "GET", Path: apiBase + "/reports/{id}", Summary: "One transparency report (a draft only to its State's staff)", Tag: tag, Params: pid, Response: Report{}}, web.Public, m.apiReport)
	r.API(api.Op{Method: "POST", Path: apiBase + "/reports", Summary: "Generate (or generate again) your State's draft report for a year from its register (State approvers)", Tag: tag, Request: ReportInput{Year: 2025}, Response: Report{}, Status: http.StatusCreated}, web.StateApprover, m.apiGenerate)
	r.API(api.Op{Method: "POST", Path: apiBase + "/reports/{id}/publish", Summary: "Publish your State's draft report (State approvers)", Tag: tag, Params: pid, Response: Report{}}, web.StateApprover, m.apiPublishReport)
}
