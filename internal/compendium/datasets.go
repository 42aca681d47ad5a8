package compendium

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// Datasets are the compendium's open datasets: the curated recommendations
// and the good practices, a practice only while its measure is in the
// current version of a public report (as the compendium shows it).
func Datasets() []opendata.Dataset {
	return []opendata.Dataset{
		{
			Name: "practices", Module: "compendium", Title: "Compendium of good practice: practices",
			Description: "Measures from public national reports marked as good practice by the secretariat or by their own State, with the reason given.",
			Fields: []opendata.Field{
				{Name: "measure_key", Type: opendata.String, Required: true, Description: "Stable key of the measure (measures.csv measure_key)."},
				{Name: "measure_id", Type: opendata.String, Required: true, Description: "The measure as it is in the report's current version (measures.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: `[A-Z]{3}`, Description: "The State whose measure it is (ISO 3166-1 alpha-3)."},
				{Name: "cycle_year", Type: opendata.Integer, Required: true, Description: "The reporting cycle's year."},
				{Name: "norm_id", Type: opendata.String, Required: true, Description: "The norm the measure implements."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The measure's title."},
				{Name: "note", Type: opendata.String, Description: "Why it is a good practice, as the marker wrote it."},
				{Name: "marked_by", Type: opendata.String, Required: true, Enum: []string{"secretariat", "state"}, Description: "Who marked it: the secretariat or the State itself."},
				{Name: "marked_at", Type: opendata.DateTime, Required: true, Description: "When it was marked (UTC)."},
			},
			PrimaryKey:  []string{"measure_key"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"measure_id"}, Resource: "measures", Reference: []string{"id"}}},
			Query: `SELECT p.measure_key AS measure_key, m.id AS measure_id, m.state_iso3 AS state_iso3, m.cycle_year AS cycle_year, m.norm_id AS norm_id, m.title AS title,
				p.note AS note, CASE WHEN p.marked_role = 'secretariat' THEN 'secretariat' ELSE 'state' END AS marked_by, p.marked_at AS marked_at
				FROM compendium_practices p JOIN report_measures m ON m.id = p.measure_id
				WHERE m.published = ? ORDER BY p.measure_key`,
			Args:    []any{true},
			Changed: "marked_at",
			Feed: &opendata.Feed{Title: "New good practices in the compendium", Time: "marked_at", Filters: []string{"state_iso3", "norm_id"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("state_iso3") + ": " + r.String("title"), r.String("note"), "/compendium/norms/" + r.String("norm_id")
				}},
		},
		{
			Name: "recommendations", Module: "compendium", Title: "Compendium of good practice: recommendations",
			Description: "Curated recommendations on implementing each norm, each attributed to its published source.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier."},
				{Name: "norm_id", Type: opendata.String, Required: true, Description: "The norm the recommendation is about."},
				{Name: "position", Type: opendata.Integer, Required: true, Description: "Order under the norm."},
				{Name: "text", Type: opendata.String, Required: true, Description: "The recommendation; sub-items on lines starting \"- \"."},
				{Name: "source_title", Type: opendata.String, Required: true, Description: "The source document's title."},
				{Name: "source_author", Type: opendata.String, Required: true, Description: "Who wrote the source."},
				{Name: "source_year", Type: opendata.Integer, Description: "The source's year (empty if unknown)."},
				{Name: "source_url", Type: opendata.String, Description: "Where the source is published."},
				{Name: "created_at", Type: opendata.DateTime, Required: true, Description: "When it was added (UTC)."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT r.id AS id, r.norm_id AS norm_id, r.position AS position, r.text AS text, s.title AS source_title, s.author AS source_author,
				NULLIF(s.year, 0) AS source_year, s.url AS source_url, r.created_at AS created_at
				FROM compendium_recommendations r JOIN compendium_sources s ON s.id = r.source_id ORDER BY r.id`,
			Changed: "created_at",
		},
	}
}
