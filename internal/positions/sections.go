package positions

import (
	"context"
	"database/sql"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"sync"

	"github.com/cybernorms/cybernorms/internal/platform/db"

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
	counts, err := ProposalCounts(ctx, m.svc.DB, p.ID)
	if err != nil {
		return nil, err
	}
	return m.site.Rendered(r, web.Section{ID: "positions", Heading: m.site.Catalog.T(lang, "positions.norm_section.heading")},
		"positions/index.html", "positions-norm-section", normSectionData{Proposal: p, Counts: countsOf(counts, p.ID), Order: ProposalStances})
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
	histories, err := adoptionHistories(ctx, s.DB)
	if err != nil {
		return a, err
	}
	first, last := 0, s.P.Now().Year()
	for _, p := range ps {
		for _, h := range histories[p.ID] {
			if y, err := strconv.Atoi(h.statedOn[:min(4, len(h.statedOn))]); err == nil && (first == 0 || y < first) {
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
	for _, p := range ps {
		row := AdoptionRow{Proposal: p}
		history := histories[p.ID]
		cur := map[string]string{}
		k := 0
		for _, y := range a.Years {
			end := strconv.Itoa(y) + "-12-31"
			for ; k < len(history) && history[k].statedOn <= end; k++ {
				cur[history[k].state] = history[k].stance
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

// stanceAt is what the adoption counts need of a stated stance.
type stanceAt struct{ state, stance, statedOn string }

// adoptionHistories reads every stance ever stated on a proposal, by
// proposal, each in the order it was stated: the four columns the counts
// need, in one statement (not every column of each proposal's history,
// one statement a proposal).
func adoptionHistories(ctx context.Context, q db.Querier) (map[string][]stanceAt, error) {
	rows, err := q.QueryContext(ctx, `SELECT proposal_id, state_iso3, stance, stated_on FROM positions_proposal_stances ORDER BY proposal_id, stated_on, created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]stanceAt{}
	for rows.Next() {
		var pid string
		var h stanceAt
		if err := rows.Scan(&pid, &h.state, &h.stance, &h.statedOn); err != nil {
			return nil, err
		}
		out[pid] = append(out[pid], h)
	}
	return out, rows.Err()
}

// adoptionStamp says whether the adoption counts can have changed: stances
// are only ever added (a new one marks the State's previous one as no
// longer current, which the counts do not read), proposals are added and
// change only their status (with updated_at), and the counts run to the
// current year.
type adoptionStamp struct {
	stances, proposals int
	updated            string
	year               int
}

func (s *Service) adoptionStamp(ctx context.Context) (adoptionStamp, error) {
	st := adoptionStamp{year: s.P.Now().Year()}
	var updated sql.NullString
	err := s.DB.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM positions_proposal_stances), COUNT(*), MAX(updated_at) FROM positions_proposals`).Scan(&st.stances, &st.proposals, &updated)
	st.updated = updated.String
	return st, err
}

// keptSections are a page section as last rendered, per language, under
// the stamp of the data it shows.
type keptSections struct {
	mu     sync.Mutex
	stamp  adoptionStamp
	byLang map[string][]web.Section
}

func (k *keptSections) get(stamp adoptionStamp, lang string) ([]web.Section, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	secs, ok := k.byLang[lang]
	return secs, ok && k.stamp == stamp
}

func (k *keptSections) put(stamp adoptionStamp, lang string, secs []web.Section) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stamp != stamp || k.byLang == nil {
		k.stamp, k.byLang = stamp, map[string][]web.Section{}
	}
	k.byLang[lang] = secs
}

type adoptionSectionData struct {
	Adoption Adoption
	Chart    template.HTML
}

// adoptionSection is the adoption of proposals over time on the monitoring
// trends: a line chart with the same numbers in a table.
//
// It is the same for every reader in a language until a stance or a
// proposal is added or a proposal's status changes, so it is kept per
// language under the stamp of those tables (read with one statement a
// request): the trends page no longer reads every stance ever stated.
func (m *Module) adoptionSection(r *http.Request) ([]web.Section, error) {
	lang := web.Lang(r)
	stamp, err := m.svc.adoptionStamp(r.Context())
	if err != nil {
		return nil, err
	}
	if secs, ok := m.adoption.get(stamp, lang); ok {
		return secs, nil
	}
	secs, err := m.renderAdoption(r, lang)
	if err != nil {
		return nil, err
	}
	m.adoption.put(stamp, lang, secs)
	return secs, nil
}

func (m *Module) renderAdoption(r *http.Request, lang string) ([]web.Section, error) {
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
