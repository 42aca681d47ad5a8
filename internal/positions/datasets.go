package positions

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// openList turns a ",a,b," column into "a;b" (NULL when empty).
func openList(col string) string { return `NULLIF(REPLACE(TRIM(` + col + `, ','), ',', ';'), '')` }

// publicDoc is the rule of the pages: published documents and those a
// later one superseded (their history); never drafts.
const publicDoc = `d.status IN ('published', 'superseded')`

// Datasets are the positions module's open datasets: the topics and
// questions, every public position document with its passages, their
// topics and its stances, joint positions' endorsements, and the proposed
// norms with every State's stated position and organisations'
// endorsements. Drafts and their passages never appear.
func Datasets() []opendata.Dataset {
	iso3 := `[A-Z]{3}`
	lists := " Several values are separated by \";\"."
	return []opendata.Dataset{
		{
			Name: "law-topics", Module: "positions", Title: "International law positions: topics",
			Description: "The topics of international law that positions are compared on (sovereignty, non-intervention, due diligence …), with their titles and descriptions in the languages given.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier."},
				{Name: "position", Type: opendata.Integer, Required: true, Description: "Order in the list of topics."},
				{Name: "version", Type: opendata.Integer, Required: true, Description: "The text's version (a topic's wording changes rarely; earlier versions are kept)."},
				{Name: "titles", Type: opendata.String, Required: true, Description: "The title by language, a JSON object such as {\"en\": \"…\", \"fr\": \"…\"}."},
				{Name: "descriptions", Type: opendata.String, Required: true, Description: "The description by language, a JSON object."},
				{Name: "updated_at", Type: opendata.DateTime, Required: true, Description: "When the text last changed (UTC)."},
			},
			PrimaryKey: []string{"id"},
			Query:      `SELECT id AS id, position AS position, version AS version, titles AS titles, descriptions AS descriptions, updated_at AS updated_at FROM positions_topics ORDER BY id`,
			Changed:    "updated_at",
		},
		{
			Name: "law-questions", Module: "positions", Title: "International law positions: questions",
			Description: "Questions on each topic with a closed set of answers, which position documents answer (position-stances.csv).",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier."},
				{Name: "topic_id", Type: opendata.String, Required: true, Description: "The topic (law-topics.csv id)."},
				{Name: "position", Type: opendata.Integer, Required: true, Description: "Order under the topic."},
				{Name: "text", Type: opendata.String, Required: true, Description: "The question."},
				{Name: "answers", Type: opendata.String, Required: true, Description: "The possible answers, a JSON array of {\"id\", \"label\"} objects."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"topic_id"}, Resource: "law-topics", Reference: []string{"id"}}},
			Query:       `SELECT id AS id, topic_id AS topic_id, position AS position, text AS text, answers AS answers FROM positions_questions ORDER BY id`,
		},
		{
			Name: "position-documents", Module: "positions", Title: "International law positions: documents",
			Description: "National and joint positions on how international law applies in cyberspace, as published; a superseded document stays, with the one that replaced it.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "kind", Type: opendata.String, Required: true, Enum: []string{KindNational, KindJoint}, Description: "A State's national position or a joint position of several."},
				{Name: "state_iso3", Type: opendata.String, Pattern: iso3, Description: "The State of a national position (ISO 3166-1 alpha-3)."},
				{Name: "group_name", Type: opendata.String, Description: "The group that issued a joint position."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The document's title."},
				{Name: "issued_on", Type: opendata.String, Required: true, Description: "When it was issued: YYYY, YYYY-MM or YYYY-MM-DD."},
				{Name: "year", Type: opendata.Integer, Required: true, Description: "The year it was issued."},
				{Name: "languages", Type: opendata.String, Description: "Languages it was issued in." + lists},
				{Name: "source_url", Type: opendata.String, Description: "Where the State or group published it."},
				{Name: "status", Type: opendata.String, Required: true, Enum: []string{StatusPublished, StatusSuperseded}, Description: "published, or superseded by a later document."},
				{Name: "by_secretariat", Type: opendata.Boolean, Required: true, Description: "Whether the secretariat entered it from the public source (otherwise the State did)."},
				{Name: "supersedes", Type: opendata.String, Description: "The earlier document it replaces (id)."},
				{Name: "superseded_by", Type: opendata.String, Description: "The later document that replaced it (id)."},
				{Name: "published_at", Type: opendata.DateTime, Description: "When it was published on the platform (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The document's page: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT d.id AS id, d.kind AS kind, NULLIF(d.state_iso3, '') AS state_iso3, NULLIF(d.group_name, '') AS group_name, d.title AS title, d.issued_on AS issued_on, d.year AS year,
				` + openList("d.languages") + ` AS languages, NULLIF(d.source_url, '') AS source_url, d.status AS status, d.by_secretariat AS by_secretariat,
				NULLIF(d.supersedes, '') AS supersedes, NULLIF(d.superseded_by, '') AS superseded_by, d.published_at AS published_at, '/positions/documents/' || d.id AS url
				FROM positions_documents d WHERE ` + publicDoc + ` ORDER BY d.id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Published positions on international law", Time: "published_at", Filters: []string{"state_iso3", "kind"},
				Entry: func(r opendata.Row) (string, string, string) {
					who := r.String("state_iso3")
					if who == "" {
						who = r.String("group_name")
					}
					return who + ": " + r.String("title"), r.String("issued_on"), r.String("url")
				}},
		},
		{
			Name: "position-passages", Module: "positions", Title: "International law positions: passages",
			Description: "The text of every public position document, passage by passage, as quoted on the topic pages.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "document_id", Type: opendata.String, Required: true, Description: "The document (position-documents.csv id)."},
				{Name: "seq", Type: opendata.Integer, Required: true, Description: "The passage's order in the document."},
				{Name: "ref", Type: opendata.String, Description: "Its reference in the document (paragraph or page)."},
				{Name: "text", Type: opendata.String, Required: true, Description: "The passage."},
				{Name: "lang", Type: opendata.String, Required: true, Description: "Its language."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"document_id"}, Resource: "position-documents", Reference: []string{"id"}}},
			Query: `SELECT p.id AS id, p.document_id AS document_id, p.seq AS seq, NULLIF(p.ref, '') AS ref, p.text AS text, p.lang AS lang
				FROM positions_passages p JOIN positions_documents d ON d.id = p.document_id WHERE ` + publicDoc + ` ORDER BY p.id`,
		},
		{
			Name: "passage-topics", Module: "positions", Title: "International law positions: topics of each passage",
			Description: "Which topics each passage speaks to: one row per passage and topic.",
			Fields: []opendata.Field{
				{Name: "passage_id", Type: opendata.String, Required: true, Description: "The passage (position-passages.csv id)."},
				{Name: "topic_id", Type: opendata.String, Required: true, Description: "The topic (law-topics.csv id)."},
				{Name: "document_id", Type: opendata.String, Required: true, Description: "The passage's document (position-documents.csv id)."},
			},
			PrimaryKey: []string{"passage_id", "topic_id"},
			ForeignKeys: []opendata.ForeignKey{
				{Fields: []string{"passage_id"}, Resource: "position-passages", Reference: []string{"id"}},
				{Fields: []string{"topic_id"}, Resource: "law-topics", Reference: []string{"id"}},
			},
			Query: `SELECT t.passage_id AS passage_id, t.topic_id AS topic_id, t.document_id AS document_id
				FROM positions_passage_topics t JOIN positions_documents d ON d.id = t.document_id WHERE ` + publicDoc + ` ORDER BY t.passage_id, t.topic_id`,
		},
		{
			Name: "position-stances", Module: "positions", Title: "International law positions: answers to the questions",
			Description: "Each public document's answer to each question it answers, with the passage that says it. A question a document does not answer is \"not stated\" and has no row.",
			Fields: []opendata.Field{
				{Name: "document_id", Type: opendata.String, Required: true, Description: "The document (position-documents.csv id)."},
				{Name: "question_id", Type: opendata.String, Required: true, Description: "The question (law-questions.csv id)."},
				{Name: "answer", Type: opendata.String, Required: true, Description: "The answer's id among the question's answers."},
				{Name: "passage_seq", Type: opendata.Integer, Description: "The seq of the passage that says it (position-passages.csv seq); empty if none."},
			},
			PrimaryKey: []string{"document_id", "question_id"},
			ForeignKeys: []opendata.ForeignKey{
				{Fields: []string{"document_id"}, Resource: "position-documents", Reference: []string{"id"}},
				{Fields: []string{"question_id"}, Resource: "law-questions", Reference: []string{"id"}},
			},
			Query: `SELECT s.document_id AS document_id, s.question_id AS question_id, s.answer AS answer, NULLIF(s.passage_seq, 0) AS passage_seq
				FROM positions_stances s JOIN positions_documents d ON d.id = s.document_id WHERE ` + publicDoc + ` ORDER BY s.document_id, s.question_id`,
		},
		{
			Name: "joint-position-endorsements", Module: "positions", Title: "International law positions: States endorsing joint positions",
			Description: "The States that endorsed each public joint position, and when.",
			Fields: []opendata.Field{
				{Name: "document_id", Type: opendata.String, Required: true, Description: "The joint position (position-documents.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The endorsing State (ISO 3166-1 alpha-3)."},
				{Name: "endorsed_on", Type: opendata.String, Description: "When it endorsed it: YYYY, YYYY-MM or YYYY-MM-DD."},
			},
			PrimaryKey:  []string{"document_id", "state_iso3"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"document_id"}, Resource: "position-documents", Reference: []string{"id"}}},
			Query: `SELECT e.document_id AS document_id, e.state_iso3 AS state_iso3, NULLIF(e.endorsed_on, '') AS endorsed_on
				FROM positions_endorsements e JOIN positions_documents d ON d.id = e.document_id WHERE ` + publicDoc + ` ORDER BY e.document_id, e.state_iso3`,
		},
		{
			Name: "norm-proposals", Module: "positions", Title: "Proposed norms",
			Description: "Proposals for new norms or for changes to existing ones, with who proposed them and where they stand.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "norm_id", Type: opendata.String, Description: "The existing norm it would change, if any."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The proposal's title."},
				{Name: "text", Type: opendata.String, Required: true, Description: "The proposed text."},
				{Name: "rationale", Type: opendata.String, Description: "Why it is proposed."},
				{Name: "proposed_by", Type: opendata.String, Required: true, Description: "Who proposed it, as recorded."},
				{Name: "proposer_states", Type: opendata.String, Description: "The proposing States (ISO 3166-1 alpha-3)." + lists},
				{Name: "source_url", Type: opendata.String, Description: "Where the proposal was published."},
				{Name: "body", Type: opendata.String, Description: "The body it was put to."},
				{Name: "session", Type: opendata.String, Description: "The session it was put to."},
				{Name: "status", Type: opendata.String, Required: true, Enum: ProposalStatuses, Description: "Where it stands."},
				{Name: "created_at", Type: opendata.DateTime, Required: true, Description: "When it was recorded (UTC)."},
				{Name: "updated_at", Type: opendata.DateTime, Required: true, Description: "When it last changed (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The proposal's page, with the consensus view: a path under the site's address."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT id AS id, NULLIF(norm_id, '') AS norm_id, title AS title, text AS text, NULLIF(rationale, '') AS rationale, proposed_by AS proposed_by,
				` + openList("proposer_states") + ` AS proposer_states, NULLIF(source_url, '') AS source_url, NULLIF(body, '') AS body, NULLIF(session, '') AS session,
				status AS status, created_at AS created_at, updated_at AS updated_at, '/positions/proposals/' || id AS url
				FROM positions_proposals ORDER BY id`,
			Changed: "updated_at",
		},
		{
			Name: "proposal-stances", Module: "positions", Title: "Proposed norms: States' stated positions",
			Description: "Every position a State stated on a proposed norm, current and earlier: recorded by the State's approver or by the secretariat from a public statement, with its source.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "proposal_id", Type: opendata.String, Required: true, Description: "The proposal (norm-proposals.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "stance", Type: opendata.String, Required: true, Enum: ProposalStances, Description: "The position stated."},
				{Name: "amendment", Type: opendata.String, Description: "The amendment it asks for, when it supports with amendments."},
				{Name: "reason", Type: opendata.String, Description: "The reason given."},
				{Name: "stated_on", Type: opendata.String, Required: true, Description: "When it was stated (YYYY-MM-DD)."},
				{Name: "source_kind", Type: opendata.String, Required: true, Enum: SourceKinds, Description: "Where it was stated."},
				{Name: "source_ref", Type: opendata.String, Description: "The source: a document symbol or an address."},
				{Name: "by_secretariat", Type: opendata.Boolean, Required: true, Description: "Whether the secretariat recorded it from a public statement (otherwise the State's approver did)."},
				{Name: "current", Type: opendata.Boolean, Required: true, Description: "Whether it is the State's current position on the proposal: filter on true for the consensus view."},
				{Name: "created_at", Type: opendata.DateTime, Required: true, Description: "When it was recorded (UTC)."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"proposal_id"}, Resource: "norm-proposals", Reference: []string{"id"}}},
			Query: `SELECT id AS id, proposal_id AS proposal_id, state_iso3 AS state_iso3, stance AS stance, NULLIF(amendment, '') AS amendment, NULLIF(reason, '') AS reason,
				stated_on AS stated_on, source_kind AS source_kind, NULLIF(source_ref, '') AS source_ref, by_secretariat AS by_secretariat, current AS current, created_at AS created_at
				FROM positions_proposal_stances ORDER BY id`,
			Changed: "created_at",
			Feed: &opendata.Feed{Title: "States' positions on proposed norms", Time: "created_at", Filters: []string{"proposal_id", "state_iso3", "stance"},
				Entry: func(r opendata.Row) (string, string, string) {
					return r.String("state_iso3") + ": " + r.String("stance"), r.String("reason"), "/positions/proposals/" + r.String("proposal_id")
				}},
		},
		{
			Name: "proposal-endorsements", Module: "positions", Title: "Proposed norms: organisations' endorsements",
			Description: "Stakeholder organisations that endorsed a proposed norm.",
			Fields: []opendata.Field{
				{Name: "proposal_id", Type: opendata.String, Required: true, Description: "The proposal (norm-proposals.csv id)."},
				{Name: "organisation", Type: opendata.String, Required: true, Description: "The organisation's stable identifier (slug)."},
				{Name: "organisation_name", Type: opendata.String, Required: true, Description: "The organisation's name."},
				{Name: "endorsed_on", Type: opendata.String, Required: true, Description: "When it endorsed it (YYYY-MM-DD)."},
				{Name: "note", Type: opendata.String, Description: "What it said with its endorsement."},
			},
			PrimaryKey:  []string{"proposal_id", "organisation"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"proposal_id"}, Resource: "norm-proposals", Reference: []string{"id"}}},
			Query: `SELECT e.proposal_id AS proposal_id, o.slug AS organisation, o.name AS organisation_name, e.endorsed_on AS endorsed_on, NULLIF(e.note, '') AS note
				FROM positions_proposal_endorsements e JOIN organisations o ON o.id = e.org_id ORDER BY e.proposal_id, o.slug`,
		},
	}
}
