package reporting

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// Datasets are the reporting module's open datasets: every public version
// of every report and every measure in them. A confidential version, a
// draft (version 0) and the per-norm notes of confidential reports never
// appear; a report whose later version is confidential keeps its earlier
// public versions, as its page does.
func Datasets() []opendata.Dataset {
	iso3 := `[A-Z]{3}`
	return []opendata.Dataset{
		{
			Name: "report-versions", Module: "reporting", Title: "National implementation reports: public versions",
			Description: "One row per submitted public version of a State's national implementation report. Versions are immutable; a later version corrects an earlier one.",
			Fields: []opendata.Field{
				{Name: "report_id", Type: opendata.String, Required: true, Description: "Stable identifier of the report (ULID): one report per State per cycle."},
				{Name: "version", Type: opendata.Integer, Required: true, Description: "Version number, 1 for the first submission."},
				{Name: "current_version", Type: opendata.Boolean, Required: true, Description: "Whether this is the report's current version (its newest is public)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The reporting State (ISO 3166-1 alpha-3)."},
				{Name: "cycle", Type: opendata.String, Required: true, Description: "The reporting cycle's name, e.g. 2026."},
				{Name: "cycle_year", Type: opendata.Integer, Required: true, Description: "The cycle's year."},
				{Name: "late", Type: opendata.Boolean, Required: true, Description: "Whether the report was first submitted after the cycle's due date."},
				{Name: "ilaw_summary", Type: opendata.String, Description: "The State's position on how international law applies (Markdown)."},
				{Name: "note", Type: opendata.String, Description: "Why the report was reopened and corrected (later versions)."},
				{Name: "submitted_at", Type: opendata.DateTime, Required: true, Description: "When the version was submitted (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The report's page: a path under the site's address."},
			},
			PrimaryKey: []string{"report_id", "version"},
			Query: `SELECT v.report_id AS report_id, v.version AS version, v.published AS current_version, v.state_iso3 AS state_iso3, c.name AS cycle, v.cycle_year AS cycle_year,
				v.late AS late, v.ilaw_summary AS ilaw_summary, v.note AS note, v.submitted_at AS submitted_at, '/reports/' || v.report_id AS url
				FROM report_versions v JOIN reporting_cycles c ON c.id = v.cycle_id
				WHERE v.visibility = 'public' AND v.version >= 1 ORDER BY v.report_id, v.version`,
			Changed: "submitted_at",
			Feed: &opendata.Feed{Title: "Published national implementation reports", Time: "submitted_at", Filters: []string{"state_iso3", "cycle", "cycle_year"},
				Entry: func(r opendata.Row) (string, string, string) {
					t := r.String("state_iso3") + ": report " + r.String("cycle") + ", version " + r.String("version")
					return t, r.String("note"), "/reports/" + r.String("report_id")
				}},
		},
		{
			Name: "measures", Module: "reporting", Title: "National implementation reports: measures",
			Description: "One row per measure in every public version of every report: what a State did to implement a norm, with its type, status and date. Follow a measure across versions and cycles by measure_key.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Identifier of this row (ULID): the measure as it is in one version."},
				{Name: "measure_key", Type: opendata.String, Required: true, Description: "Stable key of the measure across versions and cycles carried forward."},
				{Name: "report_id", Type: opendata.String, Required: true, Description: "The report (report-versions.csv report_id)."},
				{Name: "version", Type: opendata.Integer, Required: true, Description: "The report version the row belongs to."},
				{Name: "current_version", Type: opendata.Boolean, Required: true, Description: "Whether that version is the report's current one: filter on true for the latest state of every report."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The reporting State (ISO 3166-1 alpha-3)."},
				{Name: "cycle_year", Type: opendata.Integer, Required: true, Description: "The reporting cycle's year."},
				{Name: "norm_id", Type: opendata.String, Required: true, Description: "The norm the measure implements, e.g. gge2015-a (the 2015 GGE norms are gge2015-a … gge2015-k)."},
				{Name: "position", Type: opendata.Integer, Required: true, Description: "Order of the measure under its norm in the report."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The measure's title."},
				{Name: "description", Type: opendata.String, Description: "What was done (Markdown)."},
				{Name: "type", Type: opendata.String, Required: true, Enum: MeasureTypes, Description: "The kind of measure."},
				{Name: "status", Type: opendata.String, Required: true, Enum: MeasureStatuses, Description: "How far it is implemented."},
				{Name: "measure_date", Type: opendata.String, Pattern: `[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?`, Description: "When it was adopted or took effect: YYYY, YYYY-MM or YYYY-MM-DD; empty if not given."},
				{Name: "links", Type: opendata.String, Description: "Evidence links, as a JSON array of {\"url\",\"title\"} objects."},
				{Name: "other_norms", Type: opendata.String, Description: "Other norms the measure serves, as a JSON array of norm ids."},
				{Name: "submitted_at", Type: opendata.DateTime, Required: true, Description: "When the version was submitted (UTC)."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"report_id", "version"}, Resource: "report-versions", Reference: []string{"report_id", "version"}}},
			Query: `SELECT m.id AS id, m.measure_key AS measure_key, m.report_id AS report_id, m.version AS version, v.published AS current_version, m.state_iso3 AS state_iso3,
				m.cycle_year AS cycle_year, m.norm_id AS norm_id, m.position AS position, m.title AS title, m.description AS description, m.type AS type, m.status AS status,
				NULLIF(m.measure_date, '') AS measure_date, m.links_json AS links, m.other_norms_json AS other_norms, v.submitted_at AS submitted_at
				FROM report_measures m JOIN report_versions v ON v.report_id = m.report_id AND v.version = m.version
				WHERE v.visibility = 'public' AND m.version >= 1 ORDER BY m.id`,
			Changed: "submitted_at",
			Feed: &opendata.Feed{Title: "Measures in published reports", Time: "submitted_at", Filters: []string{"state_iso3", "norm_id", "cycle_year", "type", "status"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("state_iso3") + " " + r.String("cycle_year") + " (" + r.String("norm_id") + "): " + r.String("title"), r.String("description"), "/reports/" + r.String("report_id")
				}},
		},
	}
}
