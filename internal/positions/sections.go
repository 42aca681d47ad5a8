package positions

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/platform/web/chart"
)

// addSections puts the positions module's parts on other modules' pages
// through the platform's page sections, so neither module imports the
// other: on the framework's page of a proposed norm, its proposal record
// and where States stand; on the monitoring trends, the adoption of
// proposals over time.
func (m *Module) addSections() {
	m.site.AddSections("framework/norm.html", m.normSection)
	m.site.AddSections("monitoring/trends.html", m.adoptionSection)
}

type normSectionData struct {
	Proposal Proposal
	Counts   map[string]int
	Order    []string
}

// normSection is the proposal record of the norm on /norms/{id}, with the
// count of States by stance; nothing for a norm without one.
func (m *Module) normSection(r *http.Request) ([]web.Section, error) {
	ctx := r.Context()
	p, err := ProposalForNorm(ctx, m.svc.DB, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lang := web.Lang(r)
	c, err := m.svc.ConsensusView(ctx, p.ID, lang)
	if err != nil {
		return nil, err
	}
	return m.site.Rendered(r, web.Section{ID: "positions", Heading: m.site.Catalog.T(lang, "positions.norm_section.heading")},
		"positions/index.html", "positions-norm-section", normSectionData{Proposal: c.Proposal, Counts: c.Counts, Order: ProposalStances})
}

// Adoption is how many States supported each proposal (with or without
// amendments) at the end of each year, from the first year a position was
// stated to the current one.
type Adoption struct {
	Years     []int
	Proposals []AdoptionRow
}

// AdoptionRow is one proposal's count of supporting States per year.
type AdoptionRow struct {
	Proposal   Proposal
	Supporting []int
}

// AdoptionOverTime counts, per proposal and year, the States whose
// position at the end of that year supported it.
func (s *Service) AdoptionOverTime(ctx context.Context, lang string) (Adoption, error) {
	var a Adoption
	ps, err := Proposals(ctx, s.DB)
	if err != nil {
		return a, err
	}
	histories := make([][]ProposalStance, len(ps))
	first, last := 0, s.P.Now().Year()
	for i, p := range ps {
		if histories[i], err = proposalStances(ctx, s.DB, p.ID, false, lang); err != nil {
			return a, err
		}
		for _, h := range histories[i] {
			if y, err := strconv.Atoi(h.StatedOn[:4]); err == nil && (first == 0 || y < first) {
				first = y
			}
		}
	}
	if first == 0 {
		return a, nil
	}
	for y := first; y <= last; y++ {
		a.Years = append(a.Years, y)
	}
	for i, p := range ps {
		row := AdoptionRow{Proposal: p}
		cur := map[string]string{}
		k := 0
		for _, y := range a.Years {
			end := strconv.Itoa(y) + "-12-31"
			for ; k < len(histories[i]) && histories[i][k].StatedOn <= end; k++ {
				cur[histories[i][k].State] = histories[i][k].Stance
			}
			n := 0
			for _, st := range cur {
				if st == "supports" || st == "supports-with-amendments" {
					n++
				}
			}
			row.Supporting = append(row.Supporting, n)
		}
		a.Proposals = append(a.Proposals, row)
	}
	return a, nil
}

type adoptionSectionData struct {
	Adoption Adoption
	Chart    template.HTML
}

// adoptionSection is the adoption of proposals over time on the monitoring
// trends: a line chart with the same numbers in a table.
func (m *Module) adoptionSection(r *http.Request) ([]web.Section, error) {
	lang := web.Lang(r)
	a, err := m.svc.AdoptionOverTime(r.Context(), lang)
	if err != nil || len(a.Proposals) == 0 || len(a.Years) == 0 {
		return nil, err
	}
	t := func(k string) string { return m.site.Catalog.T(lang, k) }
	d := adoptionSectionData{Adoption: a}
	if len(a.Years) > 1 {
		lines := chart.Lines{Title: t("positions.adoption.heading"), Desc: t("positions.adoption.desc"), RTL: web.IsRTL(lang), Lang: lang}
		for _, y := range a.Years {
			lines.X = append(lines.X, strconv.Itoa(y))
		}
		for _, row := range a.Proposals {
			se := chart.Series{Name: row.Proposal.Title}
			for _, n := range row.Supporting {
				se.Values = append(se.Values, float64(n))
			}
			lines.Series = append(lines.Series, se)
		}
		d.Chart = lines.SVG()
	}
	return m.site.Rendered(r, web.Section{ID: "adoption-of-proposals", Heading: t("positions.adoption.heading")}, "positions/index.html", "positions-adoption-section", d)
}
