package capacity

import (
	"context"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// addSections puts capacity building on the reporting module's pages
// through the platform's page sections, so neither module imports the
// other: under a national report, the needs its capacity gaps became and
// who addresses them; beside the monitoring dashboards, the gap view.
func (m *Module) addSections() {
	m.site.AddSections("reporting/show.html", m.reportSection)
	m.site.AddSections("monitoring/index.html", m.monitoringSection)
}

// GapNeed is a need stated from a report's capacity gap, with the projects
// that answer it.
type GapNeed struct {
	Need     Need
	Projects []GapProject
}

// GapProject is a project answering a gap's need, its implementers named
// in the reader's language.
type GapProject struct {
	ID, Title, Status string
	Implementers      []string
}

// ReportNeeds lists the needs stated from a report's capacity gaps that the
// acting user may see (the needs' own visibility rule), each with the
// projects the user may see (published, or the user's own, or all for the
// secretariat).
func (s *Service) ReportNeeds(ctx context.Context, reportID, lang string) ([]GapNeed, error) {
	needs, err := s.Needs(ctx, NeedFilter{Report: reportID, Limit: 500})
	if err != nil || len(needs) == 0 {
		return nil, err
	}
	v := s.viewer(ctx)
	out := make([]GapNeed, 0, len(needs))
	for _, n := range needs {
		rows, err := s.P.DB.QueryContext(ctx, `SELECT `+projectCols+` FROM capacity_projects p WHERE p.need_id = ? ORDER BY p.created_at, p.id`, n.ID)
		if err != nil {
			return nil, err
		}
		var ps []Project
		for rows.Next() {
			p, err := scanProject(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if err := s.withImplementers(ctx, s.P.DB, ps); err != nil {
			return nil, err
		}
		g := GapNeed{Need: n}
		for _, p := range ps {
			if !v.canSeeProject(p) {
				continue
			}
			gp := GapProject{ID: p.ID, Title: p.Title, Status: p.Status}
			for _, im := range p.Implementers {
				name := im.Name
				if im.Kind == "state" {
					name = stateName(im.State, lang)
				}
				gp.Implementers = append(gp.Implementers, name)
			}
			if len(gp.Implementers) == 0 {
				gp.Implementers = []string{p.Implementer}
			}
			g.Projects = append(g.Projects, gp)
		}
		out = append(out, g)
	}
	return out, nil
}

type reportSectionData struct {
	Needs      []GapNeed
	NormLabels map[string]string
}

// reportSection is, on /reports/{id}, which of the report's capacity gaps
// became needs and who addresses them; nothing when none the reader may
// see did.
func (m *Module) reportSection(r *http.Request) ([]web.Section, error) {
	id := r.PathValue("id")
	if id == "" || strings.ContainsAny(id, "/?") {
		return nil, nil
	}
	ctx := r.Context()
	lang := web.Lang(r)
	needs, err := m.svc.ReportNeeds(ctx, id, lang)
	if err != nil || len(needs) == 0 {
		return nil, err
	}
	return m.site.Rendered(r, web.Section{ID: "capacity-gaps", Heading: m.site.Catalog.T(lang, "capacity.report_section.heading")},
		"capacity/need.html", "capacity-report-section", reportSectionData{Needs: needs, NormLabels: m.svc.normLabels(ctx)})
}

// monitoringSection puts the gap view beside the monitoring dashboards: on
// /monitoring, a link to /capacity/gaps with what it counts. It is the same
// for every reader (the page may be cached).
func (m *Module) monitoringSection(r *http.Request) ([]web.Section, error) {
	return m.site.Rendered(r, web.Section{ID: "capacity-gap-view", Heading: m.site.Catalog.T(web.Lang(r), "capacity.monitoring_section.heading")},
		"capacity/need.html", "capacity-monitoring-section", nil)
}
