package incidents

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/incidents/actors"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// attributionsWhereQuery is attributionsWhere's statement.
func attributionsWhereQuery(cond string) string {
	return `SELECT ` + attributionCols + attributionFrom + ` WHERE a.status = 'published' AND i.status = 'published' AND ` + cond +
		` ORDER BY a.made_on DESC, a.id DESC LIMIT ?`
}

// attributionsWhere lists published statements meeting a condition over
// incident_attributions a, newest first, at most limit.
func (s *Service) attributionsWhere(ctx context.Context, cond string, args []any, limit int) ([]*Attribution, error) {
	rows, err := s.DB.QueryContext(ctx, attributionsWhereQuery(cond), append(args, limit)...)
	return collect(rows, err, scanAttribution)
}

// StateView is what a State did and met: statements it made alone or
// joined, statements naming it (with its answers), incidents affecting
// it, and responses it took or that were taken against it. Each list is
// read a page at a time, newest first: the State's page shows the newest
// stateFirst of each; one list alone (List) shows statePage of it after
// a cursor. Next holds the cursor of the next page of each list that has
// more, by the list's name. The lists' items carry what their rows show
// (rowCols, attributionRowCols, responseRowCols), their other fields empty.
type StateView struct {
	State    states.State
	List     string // the one list shown, or "" for all of them
	Made     []*Attribution
	Joined   []*Attribution
	Received []*Attribution
	Affected []*Incident
	Took     []*Response
	Targeted []*Response
	Next     map[string]string
}

// stateLists are the lists of a State's page, by the names its links use.
var stateLists = []string{"made", "joined", "named", "affected", "took", "targeted"}

const (
	stateFirst = 20 // each list's newest on a State's page
	statePage  = 50 // a page of one list
)

// StateView gathers a State's page: every list's newest stateFirst when
// list is "", else statePage of that list after the cursor after (the
// Next of the page before).
func (s *Service) StateView(ctx context.Context, iso3, list, after string) (*StateView, error) {
	st, ok := states.ByISO3(strings.ToUpper(iso3))
	if !ok {
		return nil, ErrNotFound
	}
	limit := statePage
	switch {
	case list == "" && after != "":
		return nil, invalid("after", "is not a cursor of this list")
	case list == "":
		limit = stateFirst
	case !slices.Contains(stateLists, list):
		return nil, invalid("list", "%q is not one of %s", list, strings.Join(stateLists, ", "))
	}
	v := &StateView{State: st, List: list, Next: map[string]string{}}
	for _, l := range stateLists {
		if list != "" && l != list {
			continue
		}
		var next string
		var err error
		switch l {
		case "made":
			v.Made, next, err = s.stateAttributions(ctx, st.ISO3, "made", after, limit)
		case "joined":
			v.Joined, next, err = s.stateAttributions(ctx, st.ISO3, "joined", after, limit)
		case "named":
			v.Received, next, err = s.stateAttributions(ctx, st.ISO3, "named", after, limit)
		case "affected":
			v.Affected, next, err = s.List(ctx, Filter{Receiver: st.ISO3, After: after, Limit: limit, rows: true})
		case "took":
			v.Took, next, err = s.stateResponses(ctx, st.ISO3, "took", after, limit)
		case "targeted":
			v.Targeted, next, err = s.stateResponses(ctx, st.ISO3, "targeted", after, limit)
		}
		if err != nil {
			return nil, err
		}
		if next != "" {
			v.Next[l] = next
		}
	}
	return v, nil
}

type stateData struct {
	*StateView
	Choices Choices
	Name    string
}

func (m *Module) statePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v, err := m.svc.StateView(r.Context(), r.PathValue("iso3"), q.Get("list"), q.Get("after"))
	var fe *FieldError
	if errors.As(err, &fe) {
		m.site.FieldError(w, r, http.StatusBadRequest, fe.Field, m.site.Catalog.ErrorText(web.Lang(r), fe))
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	name := v.State.Name(langOf(r))
	m.site.Render(w, r, http.StatusOK, "incidents/state.html", name, stateData{StateView: v, Choices: m.svc.choices(r.Context()), Name: name})
}

type normData struct {
	Norm         string
	Attributions []*Attribution
	Choices      Choices
}

func (m *Module) normPage(w http.ResponseWriter, r *http.Request) {
	norm := strings.ToLower(r.PathValue("id"))
	var one int
	if err := m.svc.DB.QueryRowContext(r.Context(), `SELECT 1 FROM norms WHERE id = ?`, norm).Scan(&one); err != nil {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	atts, err := m.svc.attributionsWhere(r.Context(), `a.norms LIKE ?`, []any{"%," + norm + ",%"}, 500)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	c := m.svc.choices(r.Context())
	m.site.Render(w, r, http.StatusOK, "incidents/norm.html", c.Norm(norm).Name(), normData{Norm: norm, Attributions: atts, Choices: c})
}

type actorData struct {
	Group     actors.Group
	Incidents []*Incident
	Named     []*Attribution
	Groups    []actors.Group
	Rows      template.HTML // the groups' rows, rendered once per language
	Notice    string
	Version   string
	Choices   Choices
}

func (m *Module) actorsPage(w http.ResponseWriter, r *http.Request) {
	// The groups are the bundled ATT&CK release's: fixed while the server
	// runs, so their rows are rendered once per language (web.Memo).
	rows, err := m.actorRows.Fragment(m.site, r, "all", "incidents/actors.html", "actor-rows", func() any { return actorData{Groups: actors.All()} })
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/actors.html", "incidents.actors", actorData{Rows: rows, Notice: actors.Notice(), Version: actors.Version()})
}

func (m *Module) actorPage(w http.ResponseWriter, r *http.Request) {
	g, ok := actors.Lookup(r.PathValue("id"))
	if !ok || g.ID != strings.ToUpper(r.PathValue("id")) {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	incs, _, err := m.svc.List(r.Context(), Filter{Actor: g.ID, Limit: 500})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	named, err := m.svc.attributionsWhere(r.Context(), `a.named_actor = ?`, []any{g.ID}, 500)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/actor.html", g.Name, actorData{Group: g, Incidents: incs, Named: named, Notice: actors.Notice(), Version: actors.Version(), Choices: m.svc.choices(r.Context())})
}

// YearCount is one year's figures.
type YearCount struct {
	Year         int
	Incidents    int
	Attributions int
	Joint        int
	Responses    int
}

// Counts returns, per year, the published incidents (by start), statements
// (by date, joint ones apart) and responses (by date). Counting reads every
// published statement and response, and the counts change only when
// something is published, changed or withdrawn: they are kept under the
// audit log's tail (audit.Kept, one read of the log's last entry), which
// every write of every instance moves, and counted again once it has moved.
func (s *Service) Counts(ctx context.Context) ([]YearCount, error) {
	counts, err := s.years.Get(ctx, s.DB, s.countYears)
	return slices.Clone(counts), err
}

// countYears counts what Counts returns.
func (s *Service) countYears(ctx context.Context) ([]YearCount, error) {
	by := map[int]*YearCount{}
	get := func(y int) *YearCount {
		if by[y] == nil {
			by[y] = &YearCount{Year: y}
		}
		return by[y]
	}
	q := func(query string, set func(c *YearCount, n int)) error {
		rows, err := s.DB.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var y string
			var n int
			if err := rows.Scan(&y, &n); err != nil {
				return err
			}
			yy, _ := strconv.Atoi(y)
			set(get(yy), n)
		}
		return rows.Err()
	}
	if err := q(`SELECT CAST(start_year AS TEXT), COUNT(*) FROM incidents WHERE status = 'published' GROUP BY start_year`, func(c *YearCount, n int) { c.Incidents = n }); err != nil {
		return nil, err
	}
	if err := q(`SELECT SUBSTR(made_on, 1, 4), COUNT(*) FROM incident_attributions WHERE status = 'published' GROUP BY SUBSTR(made_on, 1, 4)`, func(c *YearCount, n int) { c.Attributions = n }); err != nil {
		return nil, err
	}
	if err := q(`SELECT SUBSTR(made_on, 1, 4), COUNT(*) FROM incident_attributions WHERE status = 'published' AND attributor_states LIKE '%,%,%,%' GROUP BY SUBSTR(made_on, 1, 4)`, func(c *YearCount, n int) { c.Joint = n }); err != nil {
		return nil, err
	}
	if err := q(`SELECT SUBSTR(r.taken_on, 1, 4), COUNT(*) FROM incident_responses r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'published' GROUP BY SUBSTR(r.taken_on, 1, 4)`, func(c *YearCount, n int) { c.Responses = n }); err != nil {
		return nil, err
	}
	out := []YearCount{}
	if len(by) == 0 {
		return out, nil
	}
	lo, hi := 3000, 0
	for y := range by {
		lo, hi = min(lo, y), max(hi, y)
	}
	for y := lo; y <= hi; y++ {
		out = append(out, *get(y))
	}
	return out, nil
}

type statsData struct {
	Counts []YearCount
	Chart  template.HTML
}

// statsPage: the counts by year, as a chart and a table. They are the same
// for every reader in a language until something is written: the chart and
// the table are rendered once per language and kept (audit.KeptBy), as the
// timeline's years are.
func (m *Module) statsPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	body, err := m.stats.Get(r.Context(), m.svc.DB, lang, func(ctx context.Context) (template.HTML, error) {
		counts, err := m.svc.Counts(ctx)
		if err != nil {
			return "", err
		}
		return m.site.Fragment(r, "incidents/stats.html", "stats-body", statsData{Counts: counts, Chart: m.statsChart(lang, counts)})
	})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/stats.html", "incidents.stats", body)
}

// statsChart draws the counts by year in lang: one line per count; none
// when there are no counts.
func (m *Module) statsChart(lang string, counts []YearCount) template.HTML {
	if len(counts) == 0 {
		return ""
	}
	t := func(k string) string { return m.site.Catalog.T(lang, k) }
	c := chart.Lines{Title: t("incidents.stats"), Desc: t("incidents.stats_desc"), RTL: web.IsRTL(lang), Lang: lang}
	s := []chart.Series{{Name: t("incidents.published")}, {Name: t("incidents.attributions")}, {Name: t("incidents.joint_statements")}, {Name: t("incidents.responses")}}
	for _, y := range counts {
		c.X = append(c.X, strconv.Itoa(y.Year))
		s[0].Values = append(s[0].Values, float64(y.Incidents))
		s[1].Values = append(s[1].Values, float64(y.Attributions))
		s[2].Values = append(s[2].Values, float64(y.Joint))
		s[3].Values = append(s[3].Values, float64(y.Responses))
	}
	c.Series = s
	return c.SVG()
}

func (m *Module) statsCSV(w http.ResponseWriter, r *http.Request) {
	counts, err := m.svc.Counts(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incidents-per-year.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"year", "incidents", "attributions", "joint_attributions", "responses"})
	for _, y := range counts {
		_ = cw.Write([]string{strconv.Itoa(y.Year), strconv.Itoa(y.Incidents), strconv.Itoa(y.Attributions), strconv.Itoa(y.Joint), strconv.Itoa(y.Responses)})
	}
	cw.Flush()
}

// timeline: each year's incidents, newest year first, linked to the list.
// The years are the same for every reader in a language until something
// is written: they are rendered once per language and kept (audit.KeptBy).
func (m *Module) timelinePage(w http.ResponseWriter, r *http.Request) {
	years, err := m.timeline.Get(r.Context(), m.svc.DB, web.Lang(r), func(ctx context.Context) (template.HTML, error) {
		years, err := m.timelineYears(ctx)
		if err != nil {
			return "", err
		}
		return m.site.Fragment(r, "incidents/timeline.html", "timeline-years", years)
	})
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	m.site.Render(w, r, http.StatusOK, "incidents/timeline.html", "incidents.timeline", years)
}

// yearItems are a year's figures and its newest incidents.
type yearItems struct {
	YearCount
	Items []*Incident
}

// timelineYears reads each year's figures and ten newest incidents,
// newest year first.
func (m *Module) timelineYears(ctx context.Context) ([]yearItems, error) {
	counts, err := m.svc.Counts(ctx)
	if err != nil {
		return nil, err
	}
	var years []yearItems
	for i := len(counts) - 1; i >= 0; i-- {
		y := counts[i]
		if y.Incidents == 0 {
			continue
		}
		items, _, err := m.svc.List(ctx, Filter{Year: y.Year, Limit: 10})
		if err != nil {
			return nil, err
		}
		years = append(years, yearItems{YearCount: y, Items: items})
	}
	return years, nil
}

func langOf(r *http.Request) string {
	return web.Lang(r)
}

var _ = fmt.Sprintf
