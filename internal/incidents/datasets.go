package incidents

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// openList turns a ",a,b," column into "a;b" (NULL when empty).
func openList(col string) string { return `NULLIF(REPLACE(TRIM(` + col + `, ','), ',', ';'), '')` }

// Datasets are the incidents module's tables in the platform's open-data
// release, with the rules of its own dataset (dataset.go): published
// incidents, their published attribution statements and the responses to
// published incidents. Drafts, statements awaiting their signatories,
// stakeholders' proposals and the record's editors never appear. The
// module's own CSV, JSON and STIX exports and its dated releases stay as
// they are; these are the same rows in the platform's data package.
func Datasets() []opendata.Dataset {
	lists := " Several values are separated by \";\"."
	partial := `[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?`
	return []opendata.Dataset{
		{
			Name: "incidents", Module: "incidents", Title: "Incidents",
			Description: "Significant ICT incidents curated by the secretariat from public sources, with who was affected, the suspected initiators, techniques and impact, and the facets of the attribution statements made about them.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "name", Type: opendata.String, Required: true, Description: "The incident's usual name."},
				{Name: "summary", Type: opendata.String, Required: true, Description: "What happened, in a few sentences."},
				{Name: "start", Type: opendata.String, Required: true, Pattern: partial, Description: "When it began: YYYY, YYYY-MM or YYYY-MM-DD (the form is the precision)."},
				{Name: "end", Type: opendata.String, Pattern: partial, Description: "When it ended, same forms; empty if unknown or ongoing."},
				{Name: "start_year", Type: opendata.Integer, Required: true, Description: "The year it began."},
				{Name: "type", Type: opendata.String, Required: true, Enum: Types, Description: "The kind of operation."},
				{Name: "receivers", Type: opendata.String, Required: true, Description: "Who was affected, a JSON array of {\"state\", \"sector\"} objects."},
				{Name: "receiver_states", Type: opendata.String, Description: "The affected States (ISO 3166-1 alpha-3)." + lists},
				{Name: "sectors", Type: opendata.String, Description: "The affected sectors; ci- marks critical infrastructure." + lists},
				{Name: "initiators", Type: opendata.String, Required: true, Description: "Suspected initiators, a JSON array of {\"name\", \"group_id\", \"state\"} objects."},
				{Name: "actor_ids", Type: opendata.String, Description: "MITRE ATT&CK group ids of the initiators that are known groups." + lists},
				{Name: "initiator_states", Type: opendata.String, Description: "States the initiators are linked to, as the sources say." + lists},
				{Name: "techniques", Type: opendata.String, Description: "MITRE ATT&CK Enterprise technique ids." + lists},
				{Name: "zero_day", Type: opendata.Boolean, Required: true, Description: "Whether a vulnerability unknown to the vendor was used."},
				{Name: "impact", Type: opendata.Integer, Required: true, Description: "Impact on the module's ordinal scale, 0 (none known) to 5 (see the incidents codebook)."},
				{Name: "sources", Type: opendata.String, Required: true, Description: "Public sources, a JSON array of {\"url\", \"title\", \"date\"} objects."},
				{Name: "attributor_states", Type: opendata.String, Description: "States that made or joined a published attribution statement." + lists},
				{Name: "named_states", Type: opendata.String, Description: "States named by a published statement." + lists},
				{Name: "norms", Type: opendata.String, Description: "Norms a published statement says were breached." + lists},
				{Name: "published_at", Type: opendata.DateTime, Description: "When the secretariat published the record (UTC)."},
				{Name: "updated_at", Type: opendata.DateTime, Required: true, Description: "When any field last changed (UTC); the record's page has its history."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The record's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT i.id AS id, i.name AS name, i.summary AS summary, i.start_date AS start, NULLIF(i.end_date, '') AS "end", i.start_year AS start_year, i.type AS type,
				i.receivers AS receivers, ` + openList("i.receiver_states") + ` AS receiver_states, ` + openList("i.sectors") + ` AS sectors, i.initiators AS initiators,
				` + openList("i.actor_ids") + ` AS actor_ids, ` + openList("i.initiator_states") + ` AS initiator_states, ` + openList("i.techniques") + ` AS techniques,
				i.zero_day AS zero_day, i.impact AS impact, i.sources AS sources, ` + openList("i.attributor_states") + ` AS attributor_states,
				` + openList("i.named_states") + ` AS named_states, ` + openList("i.norms") + ` AS norms, i.published_at AS published_at, i.updated_at AS updated_at, '/incidents/' || i.id AS url
				FROM incidents i WHERE i.status = 'published' ORDER BY i.id`,
			Changed: "updated_at",
			Feed: &opendata.Feed{Title: "Published incidents", Time: "published_at", Filters: []string{"type", "start_year"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("name"), r.String("summary"), r.String("url")
				}},
		},
		{
			Name: "attributions", Module: "incidents", Title: "Incidents: attribution statements",
			Description: "Published statements attributing an incident: by States (alone or jointly, each signatory having signed), international organisations, companies, researchers or media; whom they name, which norms and rules of international law they say were breached, the evidence, and the named State's answer.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "incident_id", Type: opendata.String, Required: true, Description: "The incident (incidents.csv id)."},
				{Name: "made_on", Type: opendata.Date, Required: true, Description: "The day the statement was made."},
				{Name: "attributor_kind", Type: opendata.String, Required: true, Enum: AttributorKinds, Description: "Who attributes."},
				{Name: "attributor_states", Type: opendata.String, Description: "Signatory States of a State statement." + lists},
				{Name: "attributor_name", Type: opendata.String, Description: "The organisation, company, researchers or outlet, for other statements."},
				{Name: "basis", Type: opendata.String, Required: true, Enum: Bases, Description: "What the attribution rests on (after EuRepoC)."},
				{Name: "named_state", Type: opendata.String, Description: "The State named as responsible, if any (ISO 3166-1 alpha-3)."},
				{Name: "named_actor", Type: opendata.String, Description: "The actor named: an ATT&CK group id where known, else a name."},
				{Name: "norms", Type: opendata.String, Description: "Norms the statement says were breached." + lists},
				{Name: "law_topics", Type: opendata.String, Description: "Rules of international law invoked, as topics of the positions module (law-topics.csv id)." + lists},
				{Name: "law", Type: opendata.String, Required: true, Description: "Other rules of international law invoked, as written, a JSON array of strings."},
				{Name: "evidence", Type: opendata.String, Required: true, Description: "Evidence published with it, a JSON array of {\"url\", \"title\", \"kind\"} objects."},
				{Name: "statement_url", Type: opendata.String, Description: "The statement itself."},
				{Name: "response", Type: opendata.String, Enum: Answers, Description: "The named State's answer; empty when not recorded."},
				{Name: "response_on", Type: opendata.Date, Description: "When it answered."},
				{Name: "response_url", Type: opendata.String, Description: "Where it answered."},
				{Name: "published_at", Type: opendata.DateTime, Description: "When the statement was published on the platform (UTC)."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"incident_id"}, Resource: "incidents", Reference: []string{"id"}}},
			Query: `SELECT a.id AS id, a.incident_id AS incident_id, a.made_on AS made_on, a.attributor_kind AS attributor_kind, ` + openList("a.attributor_states") + ` AS attributor_states,
				NULLIF(a.attributor_name, '') AS attributor_name, a.basis AS basis, NULLIF(a.named_state, '') AS named_state, NULLIF(a.named_actor, '') AS named_actor,
				` + openList("a.norms") + ` AS norms, ` + openList("a.topics") + ` AS law_topics, a.law AS law, a.evidence AS evidence, NULLIF(a.statement_url, '') AS statement_url,
				NULLIF(a.response, '') AS response, NULLIF(a.response_on, '') AS response_on, NULLIF(a.response_url, '') AS response_url, a.published_at AS published_at
				FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id WHERE a.status = 'published' AND i.status = 'published' ORDER BY a.id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Published attribution statements", Time: "published_at", Filters: []string{"incident_id", "attributor_kind", "named_state"},
				Entry: func(r opendata.Row) (string, string, string) {
					who := r.String("attributor_states")
					if who == "" {
						who = r.String("attributor_name")
					}
					named := r.String("named_state")
					if named == "" {
						named = r.String("named_actor")
					}
					return who + " → " + named, r.String("made_on"), "/incidents/" + r.String("incident_id")
				}},
		},
		{
			Name: "incident-responses", Module: "incidents", Title: "Incidents: responses",
			Description: "Diplomatic, legal and economic responses to published incidents: démarches, expulsions, sanctions, indictments, countermeasures.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "incident_id", Type: opendata.String, Required: true, Description: "The incident (incidents.csv id)."},
				{Name: "kind", Type: opendata.String, Required: true, Enum: ResponseKinds, Description: "The measure."},
				{Name: "taken_on", Type: opendata.Date, Required: true, Description: "When it was taken."},
				{Name: "by_states", Type: opendata.String, Description: "States that took it." + lists},
				{Name: "by_name", Type: opendata.String, Description: "An organisation that took it (e.g. the EU Council)."},
				{Name: "against_state", Type: opendata.String, Description: "The State it is against."},
				{Name: "against_actor", Type: opendata.String, Description: "The actor or persons it is against."},
				{Name: "description", Type: opendata.String, Required: true, Description: "What was done."},
				{Name: "sources", Type: opendata.String, Required: true, Description: "Public sources, a JSON array of {\"url\", \"title\", \"date\"} objects."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"incident_id"}, Resource: "incidents", Reference: []string{"id"}}},
			Query: `SELECT r.id AS id, r.incident_id AS incident_id, r.kind AS kind, r.taken_on AS taken_on, ` + openList("r.by_states") + ` AS by_states, NULLIF(r.by_name, '') AS by_name,
				NULLIF(r.against_state, '') AS against_state, NULLIF(r.against_actor, '') AS against_actor, r.description AS description, r.sources AS sources
				FROM incident_responses r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'published' ORDER BY r.id`,
		},
	}
}
