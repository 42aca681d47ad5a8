package participation

import "github.com/cybernorms/cybernorms/internal/platform/opendata"

// Datasets are the participation module's open datasets, with the rules
// its pages follow: sessions and their bodies; every application past its
// draft, with its outcome and, once decided, the vote's tally (never who
// voted how, except in the recorded votes of bodies that record them, once
// closed); objections only in bodies that name objecting States;
// published statements; and consultation answers only from submissions
// that were published.
func Datasets() []opendata.Dataset {
	statuses := []string{StatusSubmitted, StatusObjection, StatusVoting, StatusAccredited, StatusRefused}
	modalities := []string{string(ModalityECOSOC), string(ModalityVeto), string(ModalityDecision), string(ModalityOpen)}
	return []opendata.Dataset{
		{
			Name: "sessions", Module: "participation", Title: "Participation: bodies and their sessions",
			Description: "Every session of every body (the OEWG, the Global Mechanism, ad hoc committees), with the body's accreditation modality and whether it names objecting States.",
			Fields: []opendata.Field{
				{Name: "session", Type: opendata.String, Required: true, Description: "The session's stable identifier (slug), as in its page's address."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The session's title."},
				{Name: "kind", Type: opendata.String, Required: true, Description: "The kind of session."},
				{Name: "starts_at", Type: opendata.DateTime, Required: true, Description: "When it starts (UTC)."},
				{Name: "ends_at", Type: opendata.DateTime, Required: true, Description: "When it ends (UTC)."},
				{Name: "apply_by", Type: opendata.DateTime, Required: true, Description: "The deadline for accreditation requests (UTC)."},
				{Name: "place", Type: opendata.String, Description: "Where it is held."},
				{Name: "format", Type: opendata.String, Required: true, Description: "In person, online or hybrid."},
				{Name: "body", Type: opendata.String, Required: true, Description: "The body's stable identifier (slug)."},
				{Name: "body_name", Type: opendata.String, Required: true, Description: "The body's name."},
				{Name: "modality", Type: opendata.String, Required: true, Enum: modalities, Description: "How the body accredits organisations: automatic for ECOSOC consultative status, non-objection where one objection is a veto, non-objection where an objection goes to a vote, or open."},
				{Name: "names_objectors", Type: opendata.Boolean, Required: true, Description: "Whether the body publishes which States objected (accreditation-objections.csv)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The session's page: a path under the site's address."},
			},
			PrimaryKey: []string{"session"},
			Query: `SELECT s.slug AS session, s.title AS title, s.kind AS kind, s.starts_at AS starts_at, s.ends_at AS ends_at, s.apply_by AS apply_by, s.place AS place, s.format AS format,
				b.slug AS body, b.name AS body_name, b.modality AS modality, b.name_objectors AS names_objectors, '/participation/sessions/' || s.slug AS url
				FROM participation_sessions s JOIN participation_bodies b ON b.id = s.body_id ORDER BY s.slug`,
		},
		{
			Name: "accreditation-applications", Module: "participation", Title: "Participation: accreditation requests and decisions",
			Description: "Every accreditation request an organisation submitted, for one session or standing for a body, with how it went: circulated, objected to, put to a vote, accredited or refused. Votes are given as a tally once the vote has closed (empty while it is open and when no vote was held); how each State voted is published only for recorded votes (recorded-votes.csv).",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier of the request (ULID)."},
				{Name: "organisation", Type: opendata.String, Required: true, Description: "The organisation's stable identifier (slug)."},
				{Name: "organisation_name", Type: opendata.String, Required: true, Description: "The organisation's name."},
				{Name: "body", Type: opendata.String, Required: true, Description: "The body (sessions.csv body)."},
				{Name: "session", Type: opendata.String, Description: "The session (sessions.csv session); empty for standing accreditation."},
				{Name: "standing", Type: opendata.Boolean, Required: true, Description: "Whether the request is for standing accreditation to the body."},
				{Name: "modality", Type: opendata.String, Required: true, Enum: modalities, Description: "The modality the request was decided under."},
				{Name: "status", Type: opendata.String, Required: true, Enum: statuses, Description: "Where the request stands: submitted (not yet circulated), objection-period, voting, accredited or refused."},
				{Name: "justification", Type: opendata.String, Required: true, Description: "Why the organisation asked to take part."},
				{Name: "reason", Type: opendata.String, Description: "The reason given with the decision."},
				{Name: "submitted_at", Type: opendata.DateTime, Description: "When it was submitted (UTC)."},
				{Name: "circulated_at", Type: opendata.DateTime, Description: "When the secretariat circulated it to the Member States (UTC)."},
				{Name: "objection_ends_at", Type: opendata.DateTime, Description: "End of the objection period (UTC)."},
				{Name: "voting_ends_at", Type: opendata.DateTime, Description: "End of the vote, when objected to under a modality that puts objections to a vote (UTC)."},
				{Name: "decided_at", Type: opendata.DateTime, Description: "When it was decided (UTC); empty while pending."},
				{Name: "objections", Type: opendata.Integer, Required: true, Description: "Standing (not withdrawn) objections, in every body, whether or not it names the objectors."},
				{Name: "yes_votes", Type: opendata.Integer, Description: "Votes in favour, once the vote has closed; empty while it is open and when no vote was held."},
				{Name: "no_votes", Type: opendata.Integer, Description: "Votes against, once the vote has closed; empty otherwise."},
				{Name: "abstentions", Type: opendata.Integer, Description: "Abstentions, once the vote has closed; empty otherwise."},
				{Name: "recorded_vote", Type: opendata.Boolean, Required: true, Description: "Whether the request was put to a recorded vote, whose votes State by State are in recorded-votes.csv once it closed."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The request's page: a path under the site's address."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"session"}, Resource: "sessions", Reference: []string{"session"}}},
			Query: `SELECT a.id AS id, o.slug AS organisation, o.name AS organisation_name, b.slug AS body, s.slug AS session, a.session_id = '' AS standing, a.modality AS modality,
				a.status AS status, a.justification AS justification, NULLIF(a.reason, '') AS reason, a.submitted_at AS submitted_at, a.circulated_at AS circulated_at,
				a.objection_ends_at AS objection_ends_at, a.voting_ends_at AS voting_ends_at, a.decided_at AS decided_at,
				(SELECT COUNT(*) FROM participation_objections x WHERE x.application_id = a.id AND x.withdrawn_at IS NULL) AS objections,
				CASE WHEN a.voting_ends_at IS NOT NULL AND a.decided_at IS NOT NULL THEN a.yes_votes END AS yes_votes,
				CASE WHEN a.voting_ends_at IS NOT NULL AND a.decided_at IS NOT NULL THEN a.no_votes END AS no_votes,
				CASE WHEN a.voting_ends_at IS NOT NULL AND a.decided_at IS NOT NULL THEN a.abstentions END AS abstentions,
				a.votes_recorded AS recorded_vote, '/participation/applications/' || a.id AS url
				FROM participation_applications a JOIN organisations o ON o.id = a.org_id JOIN participation_bodies b ON b.id = a.body_id
				LEFT JOIN participation_sessions s ON s.id = a.session_id
				WHERE a.status <> 'draft' ORDER BY a.id`,
			Changed: "decided_at",
			Feed: &opendata.Feed{Title: "Accreditation decisions", Time: "decided_at", Filters: []string{"body", "session", "status", "organisation"},
				Entry: func(r opendata.Row) (string, string, string) {
					where := r.String("session")
					if where == "" {
						where = r.String("body")
					}
					return r.String("organisation_name") + ": " + r.String("status") + " (" + where + ")", r.String("reason"), r.String("url")
				}},
		},
		{
			Name: "accreditation-objections", Module: "participation", Title: "Participation: objections by named States",
			Description: "Objections States lodged to accreditation requests, in the bodies that decided to name objecting States. Objections in other bodies are only counted (accreditation-applications.csv objections), never attributed.",
			Fields: []opendata.Field{
				{Name: "application_id", Type: opendata.String, Required: true, Description: "The request objected to (accreditation-applications.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: `[A-Z]{3}`, Description: "The objecting State (ISO 3166-1 alpha-3)."},
				{Name: "reason", Type: opendata.String, Description: "The reason the State gave, if any."},
				{Name: "objected_at", Type: opendata.DateTime, Required: true, Description: "When the objection was lodged (UTC)."},
				{Name: "withdrawn_at", Type: opendata.DateTime, Description: "When it was withdrawn (UTC); empty if it stands."},
			},
			PrimaryKey:  []string{"application_id", "state_iso3"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"application_id"}, Resource: "accreditation-applications", Reference: []string{"id"}}},
			Query: `SELECT x.application_id AS application_id, x.state_iso3 AS state_iso3, NULLIF(x.reason, '') AS reason, x.created_at AS objected_at, x.withdrawn_at AS withdrawn_at
				FROM participation_objections x JOIN participation_applications a ON a.id = x.application_id JOIN participation_bodies b ON b.id = a.body_id
				WHERE b.name_objectors = ? AND a.status <> 'draft' ORDER BY x.application_id, x.state_iso3`,
			Args:    []any{true},
			Changed: "objected_at",
		},
		{
			Name: "recorded-votes", Module: "participation", Title: "Participation: recorded votes, State by State",
			Description: "How each State voted on accreditation requests put to a recorded vote, once the vote closed. Votes by secret ballot, and votes still open, are left out.",
			Fields: []opendata.Field{
				{Name: "application_id", Type: opendata.String, Required: true, Description: "The request voted on (accreditation-applications.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: `[A-Z]{3}`, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "choice", Type: opendata.String, Required: true, Enum: VoteChoices, Description: "yes (accredit), no (refuse) or abstain."},
				{Name: "voted_at", Type: opendata.DateTime, Required: true, Description: "When the vote was cast (UTC)."},
			},
			PrimaryKey:  []string{"application_id", "state_iso3"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"application_id"}, Resource: "accreditation-applications", Reference: []string{"id"}}},
			Query: `SELECT v.application_id AS application_id, v.state_iso3 AS state_iso3, v.choice AS choice, v.created_at AS voted_at
				FROM participation_votes v JOIN participation_applications a ON a.id = v.application_id
				WHERE a.votes_recorded = ? AND a.decided_at IS NOT NULL ORDER BY v.application_id, v.state_iso3`,
			Args:    []any{true},
			Changed: "voted_at",
		},
		{
			Name: "session-statements", Module: "participation", Title: "Participation: statements and written inputs",
			Description: "Statements delivered at sessions and written inputs, by organisations and States, once the secretariat published them. A statement given only as a PDF has its text in the file on its page.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "session", Type: opendata.String, Required: true, Description: "The session (sessions.csv session)."},
				{Name: "organisation", Type: opendata.String, Description: "The organisation that made it (slug); empty for a State."},
				{Name: "organisation_name", Type: opendata.String, Description: "The organisation's name."},
				{Name: "state_iso3", Type: opendata.String, Pattern: `[A-Z]{3}`, Description: "The State that made it (ISO 3166-1 alpha-3); empty for an organisation."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The statement's title."},
				{Name: "lang", Type: opendata.String, Required: true, Description: "Its language (BCP 47)."},
				{Name: "delivery", Type: opendata.String, Required: true, Description: "Delivered at the session or written."},
				{Name: "body", Type: opendata.String, Description: "Its text (Markdown)."},
				{Name: "has_file", Type: opendata.Boolean, Required: true, Description: "Whether a PDF is attached (on the statement's page)."},
				{Name: "published_at", Type: opendata.DateTime, Required: true, Description: "When it was published (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The statement's page: a path under the site's address."},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"session"}, Resource: "sessions", Reference: []string{"session"}}},
			Query: `SELECT t.id AS id, s.slug AS session, o.slug AS organisation, o.name AS organisation_name, NULLIF(t.state_iso3, '') AS state_iso3, t.title AS title, t.lang AS lang,
				t.delivery AS delivery, NULLIF(t.body, '') AS body, t.file_name <> '' AS has_file, t.published_at AS published_at, '/participation/statements/' || t.id AS url
				FROM participation_statements t JOIN participation_sessions s ON s.id = t.session_id LEFT JOIN organisations o ON o.id = t.org_id
				WHERE t.status = 'published' ORDER BY t.id`,
			Changed: "published_at",
			Feed: &opendata.Feed{Title: "Published statements", Time: "published_at", Filters: []string{"session", "state_iso3", "organisation"},
				Entry: func(r opendata.Row) (string, string, string) {
					who := r.String("organisation_name")
					if who == "" {
						who = r.String("state_iso3")
					}
					return who + ": " + r.String("title"), r.String("session"), r.String("url")
				}},
		},
		{
			Name: "consultation-answers", Module: "participation", Title: "Participation: published answers to public consultations",
			Description: "One row per question answered in a published consultation submission. Submissions their organisations asked to keep unpublished, and those not yet published, are left out.",
			Fields: []opendata.Field{
				{Name: "submission_id", Type: opendata.String, Required: true, Description: "The submission (ULID): one organisation's answers to one consultation."},
				{Name: "question", Type: opendata.Integer, Required: true, Description: "The question's number in the consultation."},
				{Name: "consultation", Type: opendata.String, Required: true, Description: "The consultation's stable identifier (slug)."},
				{Name: "consultation_title", Type: opendata.String, Required: true, Description: "The consultation's title."},
				{Name: "organisation", Type: opendata.String, Required: true, Description: "The organisation that answered (slug)."},
				{Name: "organisation_name", Type: opendata.String, Required: true, Description: "The organisation's name."},
				{Name: "question_text", Type: opendata.String, Required: true, Description: "The question as asked."},
				{Name: "answer", Type: opendata.String, Required: true, Description: "The organisation's answer."},
				{Name: "submitted_at", Type: opendata.DateTime, Description: "When the submission was made (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The consultation's page: a path under the site's address."},
			},
			PrimaryKey: []string{"submission_id", "question"},
			Query: `SELECT x.id AS submission_id, a.n AS question, c.slug AS consultation, c.title AS consultation_title, o.slug AS organisation, o.name AS organisation_name,
				q.text AS question_text, a.text AS answer, x.submitted_at AS submitted_at, '/participation/consultations/' || c.slug AS url
				FROM participation_answers a JOIN participation_submissions x ON x.id = a.submission_id JOIN participation_consultations c ON c.id = x.consultation_id
				JOIN organisations o ON o.id = x.org_id JOIN participation_questions q ON q.consultation_id = c.id AND q.n = a.n
				WHERE x.published = ? AND a.text <> '' ORDER BY x.id, a.n`,
			Args:    []any{true},
			Changed: "submitted_at",
		},
	}
}
