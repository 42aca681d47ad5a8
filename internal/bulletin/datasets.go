package bulletin

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// openList turns a ",a,b," column into "a;b" (NULL when empty).
func openList(col string) string { return `NULLIF(REPLACE(TRIM(` + col + `, ','), ',', ';'), '')` }

// clearPublished selects the items the public may read: approved, marked
// TLP:CLEAR, in at least one published issue (bulletin_items aliased i).
const clearPublished = `i.status = 'approved' AND i.tlp = 'clear' AND EXISTS (SELECT 1 FROM bulletin_issue_items ii JOIN bulletin_issues s ON s.id = ii.issue_id
	WHERE ii.item_id = i.id AND s.status = 'published')`

// Datasets are the bulletin's open datasets: published issues and their
// TLP:CLEAR items only. Items marked GREEN, AMBER, AMBER+STRICT or RED,
// items not yet in a published issue, drafts and reviews never appear;
// nor do subscribers.
func Datasets() []opendata.Dataset {
	lists := " Several values are separated by \";\"."
	kinds := make([]string, len(Kinds))
	for i, k := range Kinds {
		kinds[i] = string(k)
	}
	return []opendata.Dataset{
		{
			Name: "bulletin-issues", Module: "bulletin", Title: "Threat-intelligence bulletin: published issues",
			Description: "Every published quarterly issue of the bulletin, and its corrections (revisions).",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "slug", Type: opendata.String, Required: true, Description: "The issue's name in its address, e.g. 2026-q4."},
				{Name: "year", Type: opendata.Integer, Required: true, Description: "The year of the quarter."},
				{Name: "quarter", Type: opendata.Integer, Required: true, Description: "The quarter, 1 to 4."},
				{Name: "revision", Type: opendata.Integer, Required: true, Description: "1 for the issue, 2 and more for corrections."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The issue's title."},
				{Name: "foreword", Type: opendata.String, Description: "The editor's foreword (Markdown)."},
				{Name: "supersedes", Type: opendata.String, Description: "The issue this revision corrects (id)."},
				{Name: "published_at", Type: opendata.DateTime, Required: true, Description: "When it was published (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The issue's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT id AS id, slug AS slug, year AS year, quarter AS quarter, revision AS revision, title AS title, NULLIF(foreword, '') AS foreword,
				supersedes_id AS supersedes, published_at AS published_at, '/bulletin/issues/' || slug AS url
				FROM bulletin_issues WHERE status = 'published' ORDER BY id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Bulletin issues", Time: "published_at", Filters: []string{"year"},
				Entry: func(r opendata.Row) (string, string, string) { return r.String("title"), "", r.String("url") }},
		},
		{
			Name: "bulletin-items", Module: "bulletin", Title: "Threat-intelligence bulletin: TLP:CLEAR items",
			Description: "Every item marked TLP:CLEAR in a published issue: threats, trends, threat actors, attack techniques and mitigations contributed by member organisations and reviewed by the secretariat. Items under any other TLP marking are not in the open data.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "kind", Type: opendata.String, Required: true, Enum: kinds, Description: "The kind of item."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The item's title."},
				{Name: "summary", Type: opendata.String, Required: true, Description: "A short summary."},
				{Name: "body", Type: opendata.String, Description: "The full text (Markdown)."},
				{Name: "tlp", Type: opendata.String, Required: true, Enum: []string{"clear"}, Description: "The Traffic Light Protocol 2.0 marking: always clear here."},
				{Name: "techniques", Type: opendata.String, Description: "MITRE ATT&CK technique ids (T1566.001)." + lists},
				{Name: "sectors", Type: opendata.String, Description: "Sectors concerned." + lists},
				{Name: "regions", Type: opendata.String, Description: "UN regional groups concerned." + lists},
				{Name: "states", Type: opendata.String, Description: "States concerned (ISO 3166-1 alpha-3)." + lists},
				{Name: "norms", Type: opendata.String, Description: "Framework norms concerned (gge2015-a … gge2015-k)." + lists},
				{Name: "reference_urls", Type: opendata.String, Description: "Public references (URLs), one a line."},
				{Name: "contributor", Type: opendata.String, Description: "The contributing organisation's name, as the bulletin shows it."},
				{Name: "approved_at", Type: opendata.DateTime, Description: "When the secretariat approved it (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The item's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT i.id AS id, i.kind AS kind, i.title AS title, i.summary AS summary, NULLIF(i.body, '') AS body, i.tlp AS tlp, ` + openList("i.techniques") + ` AS techniques,
				` + openList("i.sectors") + ` AS sectors, ` + openList("i.regions") + ` AS regions, ` + openList("i.states") + ` AS states, ` + openList("i.norms") + ` AS norms,
				NULLIF(i.refs, '') AS reference_urls, o.name AS contributor, i.decided_at AS approved_at, '/bulletin/items/' || i.id AS url
				FROM bulletin_items i LEFT JOIN organisations o ON o.id = i.org_id WHERE ` + clearPublished + ` ORDER BY i.id`,
			Changed: "approved_at",
		},
		{
			Name: "bulletin-issue-items", Module: "bulletin", Title: "Threat-intelligence bulletin: items in each issue",
			Description: "Which TLP:CLEAR items each published issue holds, in the issue's order.",
			Fields: []opendata.Field{
				{Name: "issue_id", Type: opendata.String, Required: true, Description: "The issue (bulletin-issues.csv id)."},
				{Name: "item_id", Type: opendata.String, Required: true, Description: "The item (bulletin-items.csv id)."},
				{Name: "position", Type: opendata.Integer, Required: true, Description: "The item's place in the issue."},
			},
			PrimaryKey: []string{"issue_id", "item_id"},
			ForeignKeys: []opendata.ForeignKey{
				{Fields: []string{"issue_id"}, Resource: "bulletin-issues", Reference: []string{"id"}},
				{Fields: []string{"item_id"}, Resource: "bulletin-items", Reference: []string{"id"}},
			},
			Query: `SELECT ii.issue_id AS issue_id, ii.item_id AS item_id, ii.position AS position
				FROM bulletin_issue_items ii JOIN bulletin_issues s ON s.id = ii.issue_id JOIN bulletin_items i ON i.id = ii.item_id
				WHERE s.status = 'published' AND ` + clearPublished + ` ORDER BY ii.issue_id, ii.item_id`,
		},
	}
}
