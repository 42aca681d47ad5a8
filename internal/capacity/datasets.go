package capacity

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// openWords turns a " a b " column into "a;b" (NULL when empty).
func openWords(col string) string { return `NULLIF(REPLACE(TRIM(` + col + `), ' ', ';'), '')` }

// Datasets are the capacity-building module's open datasets, with the
// public's view of its pages (needFilter for an anonymous viewer): needs
// published to everyone (not those shown to members or the secretariat
// only), published offers without their contact, projects whose record
// the secretariat published, their milestones, and public events without
// registrations.
func Datasets() []opendata.Dataset {
	lists := " Several values are separated by \";\"."
	iso3 := `[A-Z]{3}`
	return []opendata.Dataset{
		{
			Name: "capacity-needs", Module: "capacity", Title: "Capacity building: needs",
			Description: "Needs for capacity building that States published to everyone, open or closed, tagged by norm, pillar, topic, kind and language.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State in need (ISO 3166-1 alpha-3)."},
				{Name: "region", Type: opendata.String, Required: true, Description: "The State's UN regional group."},
				{Name: "status", Type: opendata.String, Required: true, Enum: []string{"published", "closed"}, Description: "Open (published) or closed."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The need's title."},
				{Name: "description", Type: opendata.String, Required: true, Description: "What is needed (Markdown)."},
				{Name: "norms", Type: opendata.String, Description: "Norms concerned." + lists},
				{Name: "pillars", Type: opendata.String, Description: "Pillars of the framework concerned." + lists},
				{Name: "topics", Type: opendata.String, Description: "Topics." + lists},
				{Name: "kinds", Type: opendata.String, Description: "Kinds of support sought (training, advice, equipment …)." + lists},
				{Name: "languages", Type: opendata.String, Description: "Languages the support should be in." + lists},
				{Name: "starts_on", Type: opendata.Date, Description: "When the support should start."},
				{Name: "ends_on", Type: opendata.Date, Description: "When it should end."},
				{Name: "size", Type: opendata.String, Enum: Sizes, Description: "The need's size, if given."},
				{Name: "report_id", Type: opendata.String, Description: "The national report whose capacity gap it answers (report-versions.csv report_id)."},
				{Name: "report_norm", Type: opendata.String, Description: "The norm of that gap."},
				{Name: "published_at", Type: opendata.DateTime, Description: "When it was published (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The need's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT n.id AS id, n.state_iso3 AS state_iso3, n.region AS region, n.status AS status, n.title AS title, n.description AS description,
				` + openWords("n.norms") + ` AS norms, ` + openWords("n.pillars") + ` AS pillars, ` + openWords("n.topics") + ` AS topics, ` + openWords("n.kinds") + ` AS kinds,
				` + openWords("n.languages") + ` AS languages, NULLIF(n.starts_on, '') AS starts_on, NULLIF(n.ends_on, '') AS ends_on, NULLIF(n.size, '') AS size,
				NULLIF(n.report_id, '') AS report_id, NULLIF(n.report_norm, '') AS report_norm, n.published_at AS published_at, '/capacity/needs/' || n.id AS url
				FROM capacity_needs n WHERE n.status <> 'draft' AND n.visibility = 'public' ORDER BY n.id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Capacity-building needs", Time: "published_at", Filters: []string{"state_iso3", "region", "status"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("state_iso3") + ": " + r.String("title"), r.String("description"), r.String("url")
				}},
		},
		{
			Name: "capacity-offers", Module: "capacity", Title: "Capacity building: offers",
			Description: "Offers of capacity building from States and organisations that are open now, with how many engagements each can still take on. The offerer's contact is on the offer's page, not in the data.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "provider_kind", Type: opendata.String, Required: true, Enum: []string{"state", "organisation"}, Description: "Whether a State or an organisation offers it."},
				{Name: "state_iso3", Type: opendata.String, Pattern: iso3, Description: "The offering State (ISO 3166-1 alpha-3)."},
				{Name: "provider_name", Type: opendata.String, Required: true, Description: "The offerer's name."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The offer's title."},
				{Name: "description", Type: opendata.String, Required: true, Description: "What is offered (Markdown)."},
				{Name: "norms", Type: opendata.String, Description: "Norms concerned." + lists},
				{Name: "topics", Type: opendata.String, Description: "Topics." + lists},
				{Name: "kinds", Type: opendata.String, Description: "Kinds of support offered." + lists},
				{Name: "languages", Type: opendata.String, Description: "Languages it can be given in." + lists},
				{Name: "regions", Type: opendata.String, Description: "UN regional groups it is offered to, or global." + lists},
				{Name: "starts_on", Type: opendata.Date, Description: "From when it is available."},
				{Name: "ends_on", Type: opendata.Date, Description: "Until when."},
				{Name: "capacity", Type: opendata.Integer, Required: true, Description: "How many engagements it can take on."},
				{Name: "engaged", Type: opendata.Integer, Required: true, Description: "How many it has accepted so far."},
				{Name: "cost", Type: opendata.String, Required: true, Enum: []string{"free", "co-funded", "at-cost"}, Description: "What it costs the beneficiary."},
				{Name: "published_at", Type: opendata.DateTime, Description: "When it was published (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The offer's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT o.id AS id, o.provider_kind AS provider_kind, NULLIF(o.state_iso3, '') AS state_iso3, o.provider_name AS provider_name, o.title AS title, o.description AS description,
				` + openWords("o.norms") + ` AS norms, ` + openWords("o.topics") + ` AS topics, ` + openWords("o.kinds") + ` AS kinds, ` + openWords("o.languages") + ` AS languages, ` + openWords("o.regions") + ` AS regions,
				NULLIF(o.starts_on, '') AS starts_on, NULLIF(o.ends_on, '') AS ends_on, o.capacity AS capacity, o.engaged AS engaged, o.cost AS cost, o.published_at AS published_at, '/capacity/offers/' || o.id AS url
				FROM capacity_offers o WHERE o.status = 'published' ORDER BY o.id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Capacity-building offers", Time: "published_at", Filters: []string{"provider_kind", "state_iso3", "cost"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("provider_name") + ": " + r.String("title"), r.String("description"), r.String("url")
				}},
		},
		{
			Name: "capacity-projects", Module: "capacity", Title: "Capacity building: projects",
			Description: "Capacity-building projects followed as continuing engagements, once the secretariat published their record: beneficiary States, implementer, funders, dates, status, outcome and evaluation.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "need_id", Type: opendata.String, Description: "The need it answers, if it came from one (capacity-needs.csv id, when that need is public)."},
				{Name: "offer_id", Type: opendata.String, Description: "The offer it came from, if any (capacity-offers.csv id, when that offer is open)."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The project's title."},
				{Name: "summary", Type: opendata.String, Description: "What it does (Markdown)."},
				{Name: "beneficiary_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The lead beneficiary State (ISO 3166-1 alpha-3): the State whose need the project answers."},
				{Name: "region", Type: opendata.String, Required: true, Description: "The lead beneficiary's UN regional group."},
				{Name: "beneficiaries", Type: opendata.String, Required: true, Pattern: iso3 + `(;` + iso3 + `)*`, Description: "Every beneficiary State (ISO 3166-1 alpha-3), the lead first." + lists},
				{Name: "regions", Type: opendata.String, Required: true, Description: "The beneficiaries' UN regional groups." + lists},
				{Name: "implementer_kind", Type: opendata.String, Required: true, Enum: []string{"state", "organisation"}, Description: "Whether a State or an organisation implements it."},
				{Name: "implementer_state", Type: opendata.String, Pattern: iso3, Description: "The implementing State, if a State."},
				{Name: "implementer_name", Type: opendata.String, Required: true, Description: "The implementer's name."},
				{Name: "funders", Type: opendata.String, Description: "Who funds it."},
				{Name: "norms", Type: opendata.String, Description: "Norms concerned." + lists},
				{Name: "topics", Type: opendata.String, Description: "Topics." + lists},
				{Name: "starts_on", Type: opendata.Date, Description: "When it starts."},
				{Name: "ends_on", Type: opendata.Date, Description: "When it ends."},
				{Name: "budget", Type: opendata.String, Description: "Its budget, as stated."},
				{Name: "status", Type: opendata.String, Required: true, Enum: []string{"running", "finished", "cancelled"}, Description: "Where it stands."},
				{Name: "outcome", Type: opendata.String, Description: "What it achieved (Markdown)."},
				{Name: "evaluation", Type: opendata.String, Description: "Its evaluation (Markdown)."},
				{Name: "published_at", Type: opendata.DateTime, Description: "When its record was published (UTC)."},
				{Name: "updated_at", Type: opendata.DateTime, Required: true, Description: "When it last changed (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The project's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT p.id AS id, NULLIF(p.need_id, '') AS need_id, NULLIF(p.offer_id, '') AS offer_id, p.title AS title, NULLIF(p.summary, '') AS summary, p.beneficiary_iso3 AS beneficiary_iso3,
				p.region AS region, COALESCE(` + openWords("p.beneficiaries") + `, p.beneficiary_iso3) AS beneficiaries, COALESCE(` + openWords("p.regions") + `, p.region) AS regions, p.implementer_kind AS implementer_kind, NULLIF(p.implementer_state, '') AS implementer_state, p.implementer_name AS implementer_name,
				NULLIF(p.funders, '') AS funders, ` + openWords("p.norms") + ` AS norms, ` + openWords("p.topics") + ` AS topics, NULLIF(p.starts_on, '') AS starts_on, NULLIF(p.ends_on, '') AS ends_on,
				NULLIF(p.budget, '') AS budget, p.status AS status, NULLIF(p.outcome, '') AS outcome, NULLIF(p.evaluation, '') AS evaluation, p.published_at AS published_at,
				p.updated_at AS updated_at, '/capacity/projects/' || p.id AS url
				FROM capacity_projects p WHERE p.review = 'published' ORDER BY p.id`,
			Changed: "updated_at",
			Feed: &opendata.Feed{Title: "Capacity-building projects", Time: "published_at", Filters: []string{"beneficiary_iso3", "region", "status"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("beneficiary_iso3") + ": " + r.String("title"), r.String("summary"), r.String("url")
				}},
		},
		{
			Name: "capacity-milestones", Module: "capacity", Title: "Capacity building: project milestones",
			Description: "The milestones of every published project, with their due and done dates.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "project_id", Type: opendata.String, Required: true, Description: "The project (capacity-projects.csv id)."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The milestone."},
				{Name: "due_on", Type: opendata.Date, Required: true, Description: "When it is due."},
				{Name: "status", Type: opendata.String, Required: true, Enum: []string{"planned", "in-progress", "done", "cancelled"}, Description: "Where it stands."},
				{Name: "done_on", Type: opendata.Date, Description: "When it was done."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"project_id"}, Resource: "capacity-projects", Reference: []string{"id"}}},
			Query: `SELECT m.id AS id, m.project_id AS project_id, m.title AS title, m.due_on AS due_on, m.status AS status, NULLIF(m.done_on, '') AS done_on
				FROM capacity_milestones m JOIN capacity_projects p ON p.id = m.project_id WHERE p.review = 'published' ORDER BY m.id`,
		},
		{
			Name: "events", Module: "capacity", Title: "Events: workshops and briefings open to the public",
			Description: "Workshops, briefings, trainings and side events open to the public, scheduled or cancelled. Events for States or invited participants only, and who registered, are not published.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The event's title."},
				{Name: "kind", Type: opendata.String, Required: true, Enum: []string{"workshop", "briefing", "training", "side-event"}, Description: "The kind of event."},
				{Name: "organiser", Type: opendata.String, Required: true, Description: "Who organises it."},
				{Name: "place", Type: opendata.String, Description: "Where it is held (empty when only online)."},
				{Name: "time_zone", Type: opendata.String, Required: true, Description: "The IANA time zone of the place."},
				{Name: "starts_at", Type: opendata.DateTime, Required: true, Description: "When it starts (UTC)."},
				{Name: "ends_at", Type: opendata.DateTime, Required: true, Description: "When it ends (UTC)."},
				{Name: "languages", Type: opendata.String, Description: "Its languages." + lists},
				{Name: "norms", Type: opendata.String, Description: "Norms it concerns." + lists},
				{Name: "agenda", Type: opendata.String, Description: "Its agenda (Markdown)."},
				{Name: "speakers", Type: opendata.String, Description: "Its speakers."},
				{Name: "project_id", Type: opendata.String, Description: "The capacity-building project it belongs to, if any."},
				{Name: "capacity", Type: opendata.Integer, Required: true, Description: "How many can attend."},
				{Name: "status", Type: opendata.String, Required: true, Enum: []string{"scheduled", "cancelled"}, Description: "Scheduled or cancelled."},
				{Name: "updated_at", Type: opendata.DateTime, Required: true, Description: "When it last changed (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The event's page, where one registers: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT e.id AS id, e.title AS title, e.kind AS kind, e.organiser_name AS organiser, NULLIF(e.place, '') AS place, e.tz AS time_zone, e.starts_at AS starts_at, e.ends_at AS ends_at,
				` + openWords("e.languages") + ` AS languages, ` + openWords("e.norms") + ` AS norms, NULLIF(e.agenda, '') AS agenda, NULLIF(e.speakers, '') AS speakers, NULLIF(e.project_id, '') AS project_id,
				e.capacity AS capacity, e.status AS status, e.updated_at AS updated_at, '/capacity/events/' || e.id AS url
				FROM capacity_events e WHERE e.audience = 'public' ORDER BY e.id`,
			Changed: "updated_at",
		},
	}
}
