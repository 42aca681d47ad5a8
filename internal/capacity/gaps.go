package capacity

import (
	"context"
	"strings"
)

// GapFor reads a report's capacity gap for the acting State user, to turn it
// into a need. Only a State's own staff turn its gaps into needs.
func (s *Service) GapFor(ctx context.Context, reportID, normID string) (Gap, error) {
	if s.Gaps == nil {
		return Gap{}, ErrNotFound
	}
	if err := identifier("report", reportID); err != nil {
		return Gap{}, err
	}
	if err := identifier("gap", normID); err != nil {
		return Gap{}, err
	}
	g, err := s.Gaps.ReportGap(ctx, reportID, normID)
	if err != nil {
		return Gap{}, ErrNotFound
	}
	if u := s.viewer(ctx).u; !u.ActsFor(g.State) {
		return Gap{}, ErrNotFound
	}
	if strings.TrimSpace(g.Text) == "" {
		return Gap{}, conflict("the report records no capacity gap under this norm")
	}
	return g, nil
}

// GapTitle is the title a need made from a report's gap starts with, in
// the language of the person writing it ("Capacity gap under norm (c)
// (report 2025)"): it is their text once saved, as any title they type.
func (s *Service) GapTitle(g Gap, normLabel, lang string) string {
	if g.Cycle != "" {
		return s.P.Site.Catalog.T(lang, "capacity.gap_title_cycle", normLabel, g.Cycle)
	}
	return s.P.Site.Catalog.T(lang, "capacity.gap_title", normLabel)
}

// normLabels maps every norm id to its citation, for pages.
func (s *Service) normLabels(ctx context.Context) map[string]string {
	m, _ := s.loadNorms(ctx, false)
	out := make(map[string]string, len(m))
	for id, n := range m {
		out[id] = n.Label()
	}
	return out
}
