package monitoring

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// Datasets are the monitoring module's open datasets: the aggregates its
// dashboards draw. Measure counts come from public reports only (as the
// map, profiles and trends); participation counts every State that
// submitted, public or confidential, as the participation dashboard does,
// without naming the States whose reports are confidential.
func Datasets() []opendata.Dataset {
	return []opendata.Dataset{
		{
			Name: "measure-counts", Module: "monitoring", Title: "Monitoring: measures by State, cycle, norm, type and status",
			Description: "How many measures each State reported under each norm in each cycle, by type and status, counted from the current version of every public report. The dashboards' maps, profiles and trends are sums of these rows.",
			Fields: []opendata.Field{
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: `[A-Z]{3}`, Description: "The reporting State (ISO 3166-1 alpha-3)."},
				{Name: "cycle", Type: opendata.String, Required: true, Description: "The reporting cycle's name (report-versions.csv cycle)."},
				{Name: "cycle_year", Type: opendata.Integer, Required: true, Description: "The cycle's year."},
				{Name: "norm_id", Type: opendata.String, Required: true, Description: "The norm, e.g. gge2015-a."},
				{Name: "type", Type: opendata.String, Required: true, Description: "The kind of measure (measures.csv type)."},
				{Name: "status", Type: opendata.String, Required: true, Description: "How far the measures are implemented (measures.csv status)."},
				{Name: "measures", Type: opendata.Integer, Required: true, Description: "The number of measures."},
			},
			PrimaryKey: []string{"state_iso3", "cycle", "norm_id", "type", "status"},
			Query: `SELECT s.state_iso3 AS state_iso3, c.name AS cycle, s.cycle_year AS cycle_year, s.norm_id AS norm_id, s.type AS type, s.status AS status, s.measures AS measures
				FROM report_stats s JOIN reporting_cycles c ON c.id = s.cycle_id
				WHERE s.public = ? AND s.measures > 0 ORDER BY s.state_iso3, c.name, s.norm_id, s.type, s.status`,
			Args: []any{true},
		},
		{
			Name: "reporting-participation", Module: "monitoring", Title: "Monitoring: participation in each reporting cycle",
			Description: "Per reporting cycle, how many States submitted a report, on time or late, public or confidential. No State is named: which States reported in confidence is not published.",
			Fields: []opendata.Field{
				{Name: "cycle", Type: opendata.String, Required: true, Description: "The reporting cycle's name."},
				{Name: "cycle_year", Type: opendata.Integer, Required: true, Description: "The cycle's year."},
				{Name: "due_at", Type: opendata.DateTime, Required: true, Description: "When reports were due (UTC)."},
				{Name: "reported", Type: opendata.Integer, Required: true, Description: "States that submitted a report in the cycle."},
				{Name: "on_time", Type: opendata.Integer, Required: true, Description: "Of which first submitted by the due date."},
				{Name: "late", Type: opendata.Integer, Required: true, Description: "Of which first submitted after the due date."},
				{Name: "public", Type: opendata.Integer, Required: true, Description: "Of which the current version is public."},
				{Name: "confidential", Type: opendata.Integer, Required: true, Description: "Of which the current version is confidential."},
			},
			PrimaryKey: []string{"cycle"},
			Query: `SELECT c.name AS cycle, c.year AS cycle_year, c.due_at AS due_at, COUNT(r.id) AS reported,
				COALESCE(SUM(CASE WHEN r.late THEN 0 ELSE 1 END), 0) AS on_time, COALESCE(SUM(CASE WHEN r.late THEN 1 ELSE 0 END), 0) AS late,
				COALESCE(SUM(CASE WHEN r.visibility = 'public' THEN 1 ELSE 0 END), 0) AS public, COALESCE(SUM(CASE WHEN r.visibility = 'confidential' THEN 1 ELSE 0 END), 0) AS confidential
				FROM reporting_cycles c LEFT JOIN reports r ON r.cycle_id = c.id AND r.current_version > 0
				GROUP BY c.id, c.name, c.year, c.due_at ORDER BY c.name`,
		},
	}
}
