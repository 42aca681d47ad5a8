package positions

import (
	"errors"
	"net/http"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// addSections puts the positions module's parts on other modules' pages
// through the platform's page sections, so neither module imports the
// other: on the framework's page of a proposed norm, its proposal record
// and where States stand.
func (m *Module) addSections() {
	m.site.AddSections("framework/norm.html", m.normSection)
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
	body, err := m.site.Fragment(r, "positions/index.html", "positions-norm-section", normSectionData{Proposal: c.Proposal, Counts: c.Counts, Order: ProposalStances})
	if err != nil {
		return nil, err
	}
	return []web.Section{{ID: "positions", Heading: m.site.Catalog.T(lang, "positions.norm_section.heading"), Body: body}}, nil
}
