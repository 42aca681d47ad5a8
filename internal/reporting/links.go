package reporting

import (
	"net/http"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Finding a State's report: the cycle page lists States by name in the
// reader's language with a filter; the States module's page of a State and
// the monitoring profile link to the State's reports; a signed-in State
// user's home page says where their report stands. The other modules'
// pages get these through the platform's page sections, so neither module
// imports this one.
func (m *Module) addSections() {
	m.site.AddSections("states/show.html", m.stateReportsSection)
	m.site.AddSections("monitoring/state.html", m.stateReportsSection)
	m.site.AddSections("home/home.html", m.homePanel)
}

// byStateName sorts report rows by the State's name in lang (the order of
// states.InOrder, which collates names in that language).
func byStateName(rows []reportRow, lang string) {
	order := make(map[string]int, 200)
	i := 0
	for s := range states.InOrder("", lang) {
		order[s.ISO3] = i
		i++
	}
	sort.SliceStable(rows, func(i, j int) bool { return order[rows[i].StateISO3] < order[rows[j].StateISO3] })
}

var foldMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// fold lower-cases s and drops its accents, so that "cote" finds
// "Côte d'Ivoire" and "Turkiye" "Türkiye".
func fold(s string) string {
	out, _, err := transform.String(foldMarks, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// matchState reports whether the filter q names the State: a part of its
// name in the reader's language or in English, or its ISO code.
func matchState(iso3, lang, q string) bool {
	q = fold(strings.TrimSpace(q))
	if q == "" {
		return true
	}
	if strings.EqualFold(iso3, q) {
		return true
	}
	return strings.Contains(fold(stateName(iso3, lang)), q) || strings.Contains(fold(stateName(iso3, "en")), q)
}

type stateReportsData struct {
	StateName string
	Reports   []Report
}

// stateReportsSection lists, on a State's pages, the State's reports the
// reader may see, newest cycle first.
func (m *Module) stateReportsSection(r *http.Request) ([]web.Section, error) {
	s, ok := states.ByISO3(r.PathValue("iso3"))
	if !ok {
		return nil, nil
	}
	list, _, err := m.Svc.List(r.Context(), ListFilter{State: s.ISO3, Limit: 100})
	if err != nil {
		return nil, err
	}
	lang := web.Lang(r)
	return m.site.Rendered(r, web.Section{ID: "reports", Heading: m.site.Catalog.T(lang, "reporting.state_section.heading")},
		"reporting/index.html", "reporting-state-section", stateReportsData{StateName: s.Name(lang), Reports: list})
}

// homeRow is the signed-in State user's report in one open cycle.
type homeRow struct {
	Cycle  Cycle
	Phase  string
	Report *Report
	// Waits says what waits for the reader: "approve" (a draft sent for
	// approval, to an approver), "fix" (returned, to an editor), "start"
	// (no report yet), "continue" (a draft), "" (submitted, nothing).
	Waits string
}

type homeData struct {
	Rows []homeRow
}

// homePanel is the home page's panel for a signed-in State user: their
// State's report in each open cycle, its status and what waits for them.
func (m *Module) homePanel(r *http.Request) ([]web.Section, error) {
	ctx := r.Context()
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() {
		return nil, nil
	}
	cycles, err := m.Svc.Cycles(ctx)
	if err != nil {
		return nil, err
	}
	list, _, err := m.Svc.List(ctx, ListFilter{State: u.StateISO3, Limit: 50})
	if err != nil {
		return nil, err
	}
	mine := map[string]Report{}
	for _, rep := range list {
		mine[rep.CycleID] = rep
	}
	now := m.Svc.Now()
	var d homeData
	for _, c := range cycles {
		ph := c.Phase(now)
		if ph != "open" && ph != "overdue" {
			continue
		}
		row := homeRow{Cycle: c, Phase: ph, Waits: "start"}
		if rep, ok := mine[c.ID]; ok {
			row.Report = &rep
			switch {
			case rep.Status != StatusDraft:
				row.Waits = ""
			case awaitingFor(rep, u) && rep.Handoff == HandoffAwaiting:
				row.Waits = "approve"
			case awaitingFor(rep, u):
				row.Waits = "fix"
			case rep.Handoff == HandoffAwaiting:
				row.Waits = "approval" // an editor's draft waits for the approvers
			default:
				row.Waits = "continue"
			}
		}
		d.Rows = append(d.Rows, row)
	}
	lang := web.Lang(r)
	return m.site.Rendered(r, web.Section{ID: "your-report", Heading: m.site.Catalog.T(lang, "reporting.home.heading", stateName(u.StateISO3, lang)), Lead: true},
		"reporting/index.html", "reporting-home-panel", d)
}
