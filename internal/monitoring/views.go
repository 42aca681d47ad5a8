package monitoring

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// MeasureTypes and MeasureStatuses mirror report_measures (migration
// 0200_reporting.sql), in display order.
var (
	MeasureTypes    = []string{"legislation", "strategy", "policy", "institution", "practice", "cbm", "capacity_building", "other"}
	MeasureStatuses = []string{"planned", "in_progress", "implemented"}
)

// Service builds the dashboards.
type Service struct {
	P     *platform.Services
	FW    *framework.Store
	cache cache
	base  *chart.Base
}

// NewService prepares the service and the world map's base drawing.
func NewService(p *platform.Services, fw *framework.Store) *Service {
	m := states.Map()
	return &Service{P: p, FW: fw, base: chart.NewBase(m.Width, m.Height, m.Sphere, m.Land, m.Paths, m.Points)}
}

type translator func(key string, args ...any) string

func (s *Service) tr(lang string) translator {
	return func(key string, args ...any) string { return s.P.Site.Catalog.T(lang, key, args...) }
}

func groupLabel(t translator, g states.Group) string {
	return t("states.group." + strings.ReplaceAll(string(g), "-", "_"))
}

// View is a built dashboard: its chart, the figures behind it, and what
// was chosen.
type View struct {
	Title   string        `json:"title"`
	Note    string        `json:"note"`
	Chart   template.HTML `json:"-"`
	Chart2  template.HTML `json:"-"`
	Figures Figures       `json:"figures"`
	Extra   *Figures      `json:"extra,omitempty"`
	// Table and ExtraTable are the figures rendered as HTML tables.
	Table      template.HTML  `json:"-"`
	ExtraTable template.HTML  `json:"-"`
	Params     map[string]any `json:"params"`
}

// finish renders the tables of a built view.
func finish(v View) View {
	v.Table = v.Figures.HTML()
	if v.Extra != nil {
		v.ExtraTable = v.Extra.HTML()
	}
	return v
}

// MapParams choose the world map.
type MapParams struct {
	Norm  string
	Cycle string // cycle id; empty for the latest
	Group string // regional group; empty for all
	Lang  string
}

// World builds the world map of implemented measures under one norm in
// one cycle, from public reports only.
func (s *Service) World(ctx context.Context, p MapParams) (View, error) {
	v, err := s.cache.get(ctx, s.P.DB, fmt.Sprintf("map|%s|%s|%s|%s", p.Norm, p.Cycle, p.Group, p.Lang), func(ctx context.Context) (any, error) {
		return s.buildWorld(ctx, p)
	})
	if err != nil {
		return View{}, err
	}
	return v.(View), nil
}

func (s *Service) buildWorld(ctx context.Context, p MapParams) (View, error) {
	t := s.tr(p.Lang)
	norm, err := s.FW.Norm(ctx, p.Norm, p.Lang)
	if err != nil {
		return View{}, err
	}
	cs, err := cycles(ctx, s.P.DB)
	if err != nil {
		return View{}, err
	}
	var cyc Cycle
	for _, c := range cs {
		if c.ID == p.Cycle || p.Cycle == "" {
			cyc = c
		}
	}
	counts := map[string]int{}
	public := map[string]bool{}
	if cyc.ID != "" {
		st, err := stats(ctx, s.P.DB, "state_iso3", " AND cycle_id = ? AND norm_id = ? AND status = ?", cyc.ID, norm.ID, "implemented")
		if err != nil {
			return View{}, err
		}
		for _, r := range st {
			counts[r.State] = r.Measures
		}
		subs, err := submissions(ctx, s.P.DB, " AND cycle_id = ?", cyc.ID)
		if err != nil {
			return View{}, err
		}
		for _, sub := range subs {
			if sub.Public {
				public[sub.State] = true
			}
		}
	}
	f := Figures{Lang: p.Lang,
		Caption:  t("monitoring.map.caption", norm.Label(), cyc.Name),
		RowLabel: t("monitoring.state"),
		Columns:  []Column{{"group", t("monitoring.group")}, {"public_report", t("monitoring.public_report")}, {"implemented", t("monitoring.implemented_measures")}},
	}
	// The map's classes come from the data: quantiles of the counts of the
	// States shown that have a public report with at least one measure.
	all := states.InOrder("", p.Lang)
	var shown []float64
	for st := range all {
		if public[st.ISO3] && (p.Group == "" || string(st.Group) == p.Group) {
			shown = append(shown, float64(counts[st.ISO3]))
		}
	}
	edges := chart.CountBreaks(shown, 5)
	areas := map[string]chart.Area{}
	for st := range all {
		name := st.Name
		in := p.Group == "" || string(st.Group) == p.Group
		var a chart.Area
		row := Row{Key: st.ISO3, Label: name}
		if public[st.ISO3] {
			n := counts[st.ISO3]
			a = chart.Area{Class: chart.Bin(float64(n), edges), Label: s.P.Site.Catalog.TN(p.Lang, "monitoring.map.area", n, name, n)}
			row.Cells = []Cell{Text(groupLabel(t, st.Group)), Text(t("common.yes")), Count(n)}
		} else {
			a = chart.Area{Class: "chart-noreport", Label: t("monitoring.map.area_none", name)}
			row.Cells = []Cell{Text(groupLabel(t, st.Group)), Text(t("common.no")), Text("")}
		}
		if !in {
			a.Class = "chart-out"
		} else {
			f.Rows = append(f.Rows, row)
		}
		areas[st.ISO3] = a
	}
	legend := []chart.LegendItem{{Class: "chart-noreport", Label: t("monitoring.legend.none")}, {Class: "chart-b0", Label: t("monitoring.legend.zero")}}
	for i, l := range chart.BreakLabels(edges, p.Lang) {
		legend = append(legend, chart.LegendItem{Class: fmt.Sprintf("chart-b%d", i+1), Label: l})
	}
	if p.Group != "" {
		legend = append(legend, chart.LegendItem{Class: "chart-out", Label: t("monitoring.legend.out")})
	}
	reported, total := 0, 0
	for _, r := range f.Rows {
		if r.Cells[2].Num {
			reported++
			total += r.Cells[2].N
		}
	}
	title := t("monitoring.map.title", norm.Label(), norm.ShortTitle)
	desc := s.P.Site.Catalog.TN(p.Lang, "monitoring.map.desc", len(f.Rows), cyc.Name, reported, len(f.Rows), total)
	m := chart.Map{Title: title, Desc: desc, Base: s.base, Areas: areas, Default: chart.Area{Class: "chart-noreport"}, Legend: legend,
		LegendTitle: t("monitoring.implemented_measures")}
	return finish(View{Title: title, Note: desc, Chart: m.SVG(), Figures: f,
		Params: map[string]any{"norm": norm.ID, "cycle": cyc.ID, "cycle_name": cyc.Name, "group": p.Group}}), nil
}

// Profile builds a State's profile: its public measures per norm and
// cycle by status, and its participation history. Confidential reports
// are shown as "no public report", never by their content.
func (s *Service) Profile(ctx context.Context, iso3, lang string) (View, error) {
	v, err := s.cache.get(ctx, s.P.DB, "profile|"+iso3+"|"+lang, func(ctx context.Context) (any, error) {
		return s.buildProfile(ctx, iso3, lang)
	})
	if err != nil {
		return View{}, err
	}
	return v.(View), nil
}

func (s *Service) buildProfile(ctx context.Context, iso3, lang string) (View, error) {
	t := s.tr(lang)
	st, _ := states.ByISO3(iso3)
	name := st.Name(lang)
	norms, err := s.FW.Norms(ctx, framework.GGE2015, lang)
	if err != nil {
		return View{}, err
	}
	cs, err := cycles(ctx, s.P.DB)
	if err != nil {
		return View{}, err
	}
	rows, err := stats(ctx, s.P.DB, "cycle_id, norm_id, status", " AND state_iso3 = ?", iso3)
	if err != nil {
		return View{}, err
	}
	subs, err := submissions(ctx, s.P.DB, " AND state_iso3 = ?", iso3)
	if err != nil {
		return View{}, err
	}
	pub := map[string]submission{}
	for _, sub := range subs {
		if sub.Public {
			pub[sub.Cycle] = sub
		}
	}
	type key struct{ cycle, norm, status string }
	n := map[key]int{}
	for _, r := range rows {
		n[key{r.Cycle, r.Norm, r.Status}] += r.Measures
		n[key{r.Cycle, r.Norm, ""}] += r.Measures
		n[key{r.Cycle, "", r.Status}] += r.Measures
	}
	// Norms × cycles: total measures and how many implemented, per cell.
	f := Figures{Lang: lang, Caption: t("monitoring.profile.caption", name), RowLabel: t("monitoring.norm")}
	for _, c := range cs {
		f.Columns = append(f.Columns, Column{c.Name + "_measures", t("monitoring.profile.col_measures", c.Name)}, Column{c.Name + "_implemented", t("monitoring.profile.col_implemented", c.Name)})
	}
	for _, nm := range norms {
		row := Row{Key: nm.ID, Label: nm.Label() + " " + nm.ShortTitle}
		for _, c := range cs {
			if _, ok := pub[c.ID]; !ok {
				row.Cells = append(row.Cells, Text(""), Text(""))
				continue
			}
			row.Cells = append(row.Cells, Count(n[key{c.ID, nm.ID, ""}]), Count(n[key{c.ID, nm.ID, "implemented"}]))
		}
		f.Rows = append(f.Rows, row)
	}
	// Participation history, and measures by status per cycle for the chart.
	hist := Figures{Lang: lang, Caption: t("monitoring.profile.history_caption", name), RowLabel: t("monitoring.cycle"),
		Columns: []Column{{"public_report", t("monitoring.public_report")}, {"on_time", t("monitoring.on_time")}}}
	for _, s := range MeasureStatuses {
		hist.Columns = append(hist.Columns, Column{s, t("monitoring.status." + s)})
	}
	var series []chart.Series
	for _, s := range MeasureStatuses {
		series = append(series, chart.Series{Name: t("monitoring.status." + s)})
	}
	var cats []string
	for _, c := range cs {
		sub, ok := pub[c.ID]
		row := Row{Key: c.Name, Label: c.Name}
		if !ok {
			row.Cells = []Cell{Text(t("common.no")), Text("")}
		} else {
			onTime := t("common.yes")
			if sub.Late {
				onTime = t("common.no")
			}
			row.Cells = []Cell{Text(t("common.yes")), Text(onTime)}
		}
		cats = append(cats, c.Name)
		for i, status := range MeasureStatuses {
			v := n[key{c.ID, "", status}]
			if ok {
				row.Cells = append(row.Cells, Count(v))
			} else {
				row.Cells = append(row.Cells, Text(""))
			}
			series[i].Values = append(series[i].Values, float64(v))
		}
		hist.Rows = append(hist.Rows, row)
	}
	title := t("monitoring.profile.title", name)
	desc := s.P.Site.Catalog.TN(lang, "monitoring.profile.desc", len(cs), name, len(pub), len(cs))
	bars := chart.Bars{Title: title, Desc: desc, Categories: cats, Series: series, Stacked: true, RTL: web.IsRTL(lang), Lang: lang}
	v := finish(View{Title: title, Note: desc, Chart: bars.SVG(), Figures: f, Extra: &hist, Params: map[string]any{"state": iso3, "group": string(st.Group)}})
	// Norms as rows, cycles as columns, each norm's total and implemented
	// measures on two lines: 12 columns that fit the page, not 21.
	v.Table = f.MatrixHTML(cats, []string{t("monitoring.total"), t("monitoring.status.implemented")})
	return v, nil
}

// Participation builds the participation per cycle: how many States
// submitted a report (public or confidential — a count of States, never
// which), on time or late, by regional group.
func (s *Service) Participation(ctx context.Context, lang string) (View, error) {
	v, err := s.cache.get(ctx, s.P.DB, "participation|"+lang, func(ctx context.Context) (any, error) {
		return s.buildParticipation(ctx, lang)
	})
	if err != nil {
		return View{}, err
	}
	return v.(View), nil
}

func (s *Service) buildParticipation(ctx context.Context, lang string) (View, error) {
	t := s.tr(lang)
	cs, err := cycles(ctx, s.P.DB)
	if err != nil {
		return View{}, err
	}
	subs, err := submissions(ctx, s.P.DB, "")
	if err != nil {
		return View{}, err
	}
	type agg struct{ reported, onTime, late, public, confidential int }
	byCycle := map[string]*agg{}
	byGroup := map[string]map[states.Group]int{}
	for _, c := range cs {
		byCycle[c.ID] = &agg{}
		byGroup[c.ID] = map[states.Group]int{}
	}
	for _, sub := range subs {
		a := byCycle[sub.Cycle]
		if a == nil {
			continue
		}
		a.reported++
		if sub.Late {
			a.late++
		} else {
			a.onTime++
		}
		if sub.Public {
			a.public++
		} else {
			a.confidential++
		}
		if st, ok := states.ByISO3(sub.State); ok {
			byGroup[sub.Cycle][st.Group]++
		}
	}
	f := Figures{Lang: lang, Caption: t("monitoring.participation.caption"), RowLabel: t("monitoring.cycle"),
		Columns: []Column{{"reported", t("monitoring.reported")}, {"on_time", t("monitoring.on_time")}, {"late", t("monitoring.late")}, {"public", t("monitoring.public")}, {"confidential", t("monitoring.confidential")}, {"not_reported", t("monitoring.not_reported")}}}
	g := Figures{Lang: lang, Caption: t("monitoring.participation.group_caption"), RowLabel: t("monitoring.group")}
	for _, c := range cs {
		a := byCycle[c.ID]
		f.Rows = append(f.Rows, Row{Key: c.Name, Label: c.Name, Cells: []Cell{Count(a.reported), Count(a.onTime), Count(a.late), Count(a.public), Count(a.confidential), Count(len(states.All()) - a.reported)}})
		g.Columns = append(g.Columns, Column{c.Name, c.Name})
	}
	for _, gi := range states.Groups {
		members := 0
		for range states.InOrder(gi.Group, "en") {
			members++
		}
		if members == 0 {
			continue
		}
		row := Row{Key: string(gi.Group), Label: s.P.Site.Catalog.TN(lang, "monitoring.group_of", members, groupLabel(t, gi.Group), members)}
		for _, c := range cs {
			row.Cells = append(row.Cells, Count(byGroup[c.ID][gi.Group]))
		}
		g.Rows = append(g.Rows, row)
	}
	title := t("monitoring.participation.title")
	desc := t("monitoring.participation.desc")
	bars := chart.Bars{Title: title, Desc: desc, Categories: f.Labels(), Stacked: true, RTL: web.IsRTL(lang), Lang: lang,
		Series: []chart.Series{{Name: t("monitoring.on_time"), Values: f.Column("on_time")}, {Name: t("monitoring.late"), Values: f.Column("late")}}}
	var gs []chart.Series
	for _, r := range g.Rows {
		var vals []float64
		for _, c := range r.Cells {
			vals = append(vals, float64(c.N))
		}
		gs = append(gs, chart.Series{Name: r.Label, Values: vals})
	}
	gbars := chart.Bars{Title: g.Caption, Desc: desc, Categories: f.Labels(), Series: gs, RTL: web.IsRTL(lang), Lang: lang}
	return finish(View{Title: title, Note: desc, Chart: bars.SVG(), Chart2: gbars.SVG(), Figures: f, Extra: &g, Params: map[string]any{}}), nil
}

// Trends builds measures by type and by status over cycles, for one norm
// or all, from public reports.
func (s *Service) Trends(ctx context.Context, norm, lang string) (View, error) {
	v, err := s.cache.get(ctx, s.P.DB, "trends|"+norm+"|"+lang, func(ctx context.Context) (any, error) {
		return s.buildTrends(ctx, norm, lang)
	})
	if err != nil {
		return View{}, err
	}
	return v.(View), nil
}

func (s *Service) buildTrends(ctx context.Context, norm, lang string) (View, error) {
	t := s.tr(lang)
	scope := t("monitoring.all_norms")
	where, args := "", []any{}
	if norm != "" {
		n, err := s.FW.Norm(ctx, norm, lang)
		if err != nil {
			return View{}, err
		}
		scope = n.Label() + " " + n.ShortTitle
		where, args = " AND norm_id = ?", []any{norm}
	}
	cs, err := cycles(ctx, s.P.DB)
	if err != nil {
		return View{}, err
	}
	rows, err := stats(ctx, s.P.DB, "cycle_id, type, status", where, args...)
	if err != nil {
		return View{}, err
	}
	n := map[[2]string]int{}
	for _, r := range rows {
		n[[2]string{r.Cycle, "type:" + r.Type}] += r.Measures
		n[[2]string{r.Cycle, "status:" + r.Status}] += r.Measures
		n[[2]string{r.Cycle, "total"}] += r.Measures
	}
	f := Figures{Lang: lang, Caption: t("monitoring.trends.caption", scope), RowLabel: t("monitoring.cycle")}
	for _, ty := range MeasureTypes {
		f.Columns = append(f.Columns, Column{"type_" + ty, t("monitoring.type." + ty)})
	}
	for _, st := range MeasureStatuses {
		f.Columns = append(f.Columns, Column{"status_" + st, t("monitoring.status." + st)})
	}
	f.Columns = append(f.Columns, Column{"total", t("monitoring.total")})
	for _, c := range cs {
		row := Row{Key: c.Name, Label: c.Name}
		for _, ty := range MeasureTypes {
			row.Cells = append(row.Cells, Count(n[[2]string{c.ID, "type:" + ty}]))
		}
		for _, st := range MeasureStatuses {
			row.Cells = append(row.Cells, Count(n[[2]string{c.ID, "status:" + st}]))
		}
		row.Cells = append(row.Cells, Count(n[[2]string{c.ID, "total"}]))
		f.Rows = append(f.Rows, row)
	}
	var statusSeries, typeSeries []chart.Series
	for _, st := range MeasureStatuses {
		statusSeries = append(statusSeries, chart.Series{Name: t("monitoring.status." + st), Values: f.Column("status_" + st)})
	}
	for _, ty := range MeasureTypes {
		typeSeries = append(typeSeries, chart.Series{Name: t("monitoring.type." + ty), Values: f.Column("type_" + ty)})
	}
	title := t("monitoring.trends.title", scope)
	desc := t("monitoring.trends.desc", scope)
	lines := chart.Lines{Title: title, Desc: desc, X: f.Labels(), Series: statusSeries, RTL: web.IsRTL(lang), Lang: lang}
	bars := chart.Bars{Title: t("monitoring.trends.by_type", scope), Desc: desc, Categories: f.Labels(), Series: typeSeries, Stacked: true, RTL: web.IsRTL(lang), Lang: lang}
	v := finish(View{Title: title, Note: desc, Chart: lines.SVG(), Chart2: bars.SVG(), Figures: f, Params: map[string]any{"norm": norm}})
	// Types and statuses as rows, cycles as columns: long names down the
	// side, short years across, so the table fits the page.
	v.Table = f.TransposedHTML(t("monitoring.trends.measures"))
	return v, nil
}

// CycleOptions lists the cycles, newest first, for a select.
func (s *Service) CycleOptions(ctx context.Context) ([]Cycle, error) {
	cs, err := cycles(ctx, s.P.DB)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Year > cs[j].Year })
	return cs, err
}
