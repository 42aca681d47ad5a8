package capacity

import (
	"context"
	"encoding/csv"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
	"github.com/cybernorms/cybernorms/internal/states"
)

// GapRow is one line of the gap view: a norm or a regional group.
type GapRow struct {
	Key             string `json:"key"`
	Label           string `json:"label"`
	NeedsStated     int    `json:"needs_stated"`
	NeedsMatched    int    `json:"needs_matched"`
	ProjectsRunning int    `json:"projects_running"`
	ProjectsDone    int    `json:"projects_finished"`
	GapsUnanswered  int    `json:"gaps_without_need_or_project"`
}

// GapView is the gap view per norm and per region.
type GapView struct {
	Cycle    string   `json:"cycle"` // the last reporting cycle with published gaps
	ByNorm   []GapRow `json:"by_norm"`
	ByRegion []GapRow `json:"by_region"`
}

// GapView computes the gap view for the acting user: needs counted only where
// the viewer may see them, projects only once published (all of them for
// the secretariat), and the capacity gaps of the last cycle's published
// reports (report_norm_notes.published, the reporting module's read-side
// contract) that no visible need and no counted project answers (same State
// and norm).
func (s *Service) GapView(ctx context.Context) (GapView, error) {
	v := s.viewer(ctx)
	var out GapView
	norms, err := s.Norms(ctx)
	if err != nil {
		return out, err
	}
	byNorm := map[string]*GapRow{}
	for _, n := range norms {
		if n.Set == "gge2015" {
			r := &GapRow{Key: n.ID, Label: n.Label() + " " + n.ShortTitle}
			byNorm[n.ID] = r
			out.ByNorm = append(out.ByNorm, *r)
		}
	}
	byRegion := map[string]*GapRow{}
	for _, r := range Regions[1:] {
		byRegion[r] = &GapRow{Key: r, Label: RegionLabels[r]}
	}
	answered := map[string]bool{} // state|norm
	cond, args := v.needFilter()
	rows, err := s.P.DB.QueryContext(ctx, `SELECT n.id, n.state_iso3, n.region, n.norms,
		CASE WHEN EXISTS (SELECT 1 FROM capacity_matches m WHERE m.need_id = n.id AND m.status = 'accepted') THEN 1 ELSE 0 END
		FROM capacity_needs n WHERE n.status <> 'draft' AND `+cond, args...)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var id, st, region, ns string
		var matched int
		if err := rows.Scan(&id, &st, &region, &ns, &matched); err != nil {
			rows.Close()
			return out, err
		}
		if r := byRegion[region]; r != nil {
			r.NeedsStated++
			r.NeedsMatched += matched
		}
		for _, x := range strings.Fields(ns) {
			answered[st+"|"+x] = true
			if r := byNorm[x]; r != nil {
				r.NeedsStated++
				r.NeedsMatched += matched
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	pcond := `p.review = 'published'`
	if v.secretariat() {
		pcond = `1 = 1`
	}
	rows, err = s.P.DB.QueryContext(ctx, `SELECT p.beneficiaries, p.regions, p.norms, p.status FROM capacity_projects p WHERE `+pcond)
	if err != nil {
		return out, err
	}
	for rows.Next() {
		var bens, regions, ns, status string
		if err := rows.Scan(&bens, &regions, &ns, &status); err != nil {
			rows.Close()
			return out, err
		}
		add := func(r *GapRow) {
			switch status {
			case ProjectRunning:
				r.ProjectsRunning++
			case ProjectFinished:
				r.ProjectsDone++
			}
		}
		// A project counts once in each region of its beneficiaries, and
		// answers the gaps of every beneficiary under its norms.
		for _, region := range strings.Fields(regions) {
			if r := byRegion[region]; r != nil {
				add(r)
			}
		}
		for _, x := range strings.Fields(ns) {
			for _, st := range strings.Fields(bens) {
				answered[st+"|"+x] = true
			}
			if r := byNorm[x]; r != nil {
				add(r)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	var year int
	_ = s.P.DB.QueryRowContext(ctx, `SELECT COALESCE(MAX(cycle_year), 0) FROM report_norm_notes WHERE published = ? AND capacity_gaps <> ''`, true).Scan(&year)
	if year > 0 {
		out.Cycle = strconv.Itoa(year)
		rows, err = s.P.DB.QueryContext(ctx, `SELECT state_iso3, norm_id FROM report_norm_notes WHERE published = ? AND capacity_gaps <> '' AND cycle_year = ?`, true, year)
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var st, norm string
			if err := rows.Scan(&st, &norm); err != nil {
				rows.Close()
				return out, err
			}
			if answered[st+"|"+norm] {
				continue
			}
			if r := byNorm[norm]; r != nil {
				r.GapsUnanswered++
			}
			if r := byRegion[regionOf(st)]; r != nil {
				r.GapsUnanswered++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	for i := range out.ByNorm {
		out.ByNorm[i] = *byNorm[out.ByNorm[i].Key]
	}
	for _, r := range Regions[1:] {
		out.ByRegion = append(out.ByRegion, *byRegion[r])
	}
	return out, nil
}

type gapPageData struct {
	GapView
	NormChart, RegionChart template.HTML
}

func gapChart(title, desc string, rows []GapRow, t func(string) string, short bool, lang string) template.HTML {
	c := chart.Bars{Title: title, Desc: desc, RTL: web.IsRTL(lang), Lang: lang}
	series := []chart.Series{{Name: t("capacity.gap.needs_stated")}, {Name: t("capacity.gap.needs_matched")}, {Name: t("capacity.gap.projects_running")},
		{Name: t("capacity.gap.projects_finished")}, {Name: t("capacity.gap.unanswered")}}
	for _, r := range rows {
		label := r.Label
		if short {
			label, _, _ = strings.Cut(r.Label, " ")
		}
		c.Categories = append(c.Categories, label)
		for i, v := range []int{r.NeedsStated, r.NeedsMatched, r.ProjectsRunning, r.ProjectsDone, r.GapsUnanswered} {
			series[i].Values = append(series[i].Values, float64(v))
		}
	}
	c.Series = series
	return c.SVG()
}

func (m *Module) gapsPage(w http.ResponseWriter, r *http.Request) {
	g, err := m.svc.GapView(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	lang := web.Lang(r)
	t := func(k string) string { return m.site.Catalog.T(lang, k) }
	for i := range g.ByRegion {
		g.ByRegion[i].Label = t(states.GroupLabelKey(states.Group(g.ByRegion[i].Key)))
	}
	d := gapPageData{GapView: g}
	d.NormChart = gapChart(t("capacity.gap.by_norm"), t("capacity.gap.chart_desc"), g.ByNorm, t, true, lang)
	d.RegionChart = gapChart(t("capacity.gap.by_region"), t("capacity.gap.chart_desc"), g.ByRegion, t, false, lang)
	noStore(w, r)
	m.site.Render(w, r, http.StatusOK, "capacity/gaps.html", "", d)
}

func (m *Module) gapsCSV(w http.ResponseWriter, r *http.Request) {
	by := r.URL.Query().Get("by")
	if by != "norm" && by != "region" {
		m.fail(w, r, invalid("by", "must be norm or region"))
		return
	}
	g, err := m.svc.GapView(r.Context())
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	rows := g.ByNorm
	if by == "region" {
		rows = g.ByRegion
	}
	noStore(w, r)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="capacity-gaps-by-`+by+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{by, "label", "needs_stated", "needs_matched", "projects_running", "projects_finished", "gaps_without_need_or_project", "cycle"})
	for _, x := range rows {
		_ = cw.Write(safeCells([]string{x.Key, x.Label, strconv.Itoa(x.NeedsStated), strconv.Itoa(x.NeedsMatched), strconv.Itoa(x.ProjectsRunning), strconv.Itoa(x.ProjectsDone), strconv.Itoa(x.GapsUnanswered), g.Cycle}))
	}
	cw.Flush()
}
