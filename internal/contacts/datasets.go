package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/opendata"
)

// Datasets are the contacts module's open datasets: what its public pages
// show and never more. Which kinds of point of contact each State has
// nominated and since when (never a name, address or number); the
// communication checks, each State's result once the round's deadline has
// passed; the yearly statistics of requests for assistance, naming no
// State; and the requests both States agreed to publish (States, urgency,
// dates, status — never content).
func Datasets() []opendata.Dataset {
	iso3 := `[A-Z]{3}`
	return []opendata.Dataset{
		{
			Name: "contact-coverage", Module: "contacts", Title: "Points of contact: which States have nominated them",
			Description: "For each State and kind of point of contact (diplomatic, technical) it has nominated, since when. A State with no row of a kind has none. Contact details are never published.",
			Fields: []opendata.Field{
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "kind", Type: opendata.String, Required: true, Enum: []string{"diplomatic", "technical"}, Description: "The kind of point of contact."},
				{Name: "since", Type: opendata.DateTime, Required: true, Description: "When its first contact of the kind was confirmed (UTC), kept while it has one."},
			},
			PrimaryKey: []string{"state_iso3", "kind"},
			Query:      `SELECT state_iso3 AS state_iso3, kind AS kind, since AS since FROM contacts_coverage ORDER BY state_iso3, kind`,
			Changed:    "since",
		},
		{
			Name: "ping-rounds", Module: "contacts", Title: "Points of contact: communication checks",
			Description: "The secretariat's verification rounds (\"pings\"): every contact in scope is asked to acknowledge by a deadline. Results per State are in ping-round-results.csv once the deadline has passed.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "title", Type: opendata.String, Required: true, Description: "The round's title."},
				{Name: "started_at", Type: opendata.DateTime, Required: true, Description: "When it started (UTC)."},
				{Name: "deadline", Type: opendata.DateTime, Required: true, Description: "When acknowledgements were due (UTC)."},
				{Name: "closed", Type: opendata.Boolean, Required: true, Description: "Whether the deadline has passed (results are final)."},
				{Name: "states", Type: opendata.Integer, Required: true, Description: "States checked."},
				{Name: "contacts", Type: opendata.Integer, Required: true, Description: "Contacts checked."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT id AS id, title AS title, started_at AS started_at, deadline AS deadline, deadline <= ? AS closed, states AS states, contacts AS contacts
				FROM contacts_rounds ORDER BY id`,
			Params:  func(now time.Time) []any { return []any{now} },
			Changed: "started_at",
		},
		{
			Name: "ping-round-results", Module: "contacts", Title: "Points of contact: each State's result in each check",
			Description: "Each State's result in each communication check whose deadline has passed: the best of its contacts (in time, late, no answer, bounced), how long the first acknowledgement took, and how many of its contacts acknowledged.",
			Fields: []opendata.Field{
				{Name: "round_id", Type: opendata.String, Required: true, Description: "The round (ping-rounds.csv id)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "outcome", Type: opendata.String, Required: true, Enum: []string{OutcomeInTime, OutcomeLate, OutcomeNoAnswer, OutcomeBounced}, Description: "The State's result: its best contact's."},
				{Name: "minutes_to_acknowledge", Type: opendata.Integer, Description: "Minutes from the start of the round to the acknowledgement that gave the result; empty without one."},
				{Name: "contacts", Type: opendata.Integer, Required: true, Description: "The State's contacts checked."},
				{Name: "contacts_acknowledged", Type: opendata.Integer, Required: true, Description: "Of which acknowledged."},
			},
			PrimaryKey:  []string{"round_id", "state_iso3"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"round_id"}, Resource: "ping-rounds", Reference: []string{"id"}}},
			Query: `SELECT x.round_id AS round_id, x.state_iso3 AS state_iso3, x.outcome AS outcome, x.minutes AS minutes_to_acknowledge, x.contacts AS contacts, x.acknowledged AS contacts_acknowledged
				FROM contacts_round_states x JOIN contacts_rounds r ON r.id = x.round_id WHERE r.deadline <= ? AND x.outcome <> 'pending' ORDER BY x.round_id, x.state_iso3`,
			Params: func(now time.Time) []any { return []any{now} },
		},
		{
			Name: "assistance-request-statistics", Module: "contacts", Title: "Requests for assistance (norm h): statistics by year",
			Description: "Per year, how many requests for assistance States sent each other under norm (h), how many were acknowledged within their deadline and answered (including \"unable to help\"), and the median times. No State is named.",
			Fields: []opendata.Field{
				{Name: "year", Type: opendata.Integer, Required: true, Description: "The year the requests were sent (UTC)."},
				{Name: "requests", Type: opendata.Integer, Required: true, Description: "Requests sent."},
				{Name: "critical", Type: opendata.Integer, Required: true, Description: "Of which critical."},
				{Name: "high", Type: opendata.Integer, Required: true, Description: "Of which high urgency."},
				{Name: "routine", Type: opendata.Integer, Required: true, Description: "Of which routine."},
				{Name: "acknowledged_in_time", Type: opendata.Integer, Required: true, Description: "Acknowledged within the deadline of their urgency."},
				{Name: "answered", Type: opendata.Integer, Required: true, Description: "Answered, with help or \"unable to help\"."},
				{Name: "unable", Type: opendata.Integer, Required: true, Description: "Of the answers, those \"unable to help\"."},
				{Name: "withdrawn", Type: opendata.Integer, Required: true, Description: "Withdrawn by the requesting State."},
				{Name: "median_hours_to_acknowledge", Type: opendata.Number, Description: "Median hours from sending to acknowledgement, over those acknowledged."},
				{Name: "median_hours_to_answer", Type: opendata.Number, Description: "Median hours from sending to answer, over those answered."},
			},
			PrimaryKey: []string{"year"},
			Source:     requestStatistics,
		},
		{
			Name: "published-assistance-requests", Module: "contacts", Title: "Requests for assistance (norm h) both States agreed to publish",
			Description: "Requests for assistance whose requesting and requested States both agreed to publish them: who, when, how urgent, where they stand. Their content is never published.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "from_state", Type: opendata.String, Required: true, Pattern: iso3, Description: "The requesting State (ISO 3166-1 alpha-3)."},
				{Name: "to_state", Type: opendata.String, Required: true, Pattern: iso3, Description: "The requested State."},
				{Name: "urgency", Type: opendata.String, Required: true, Enum: Urgencies, Description: "How urgent, which sets the deadlines."},
				{Name: "status", Type: opendata.String, Required: true, Enum: RequestStatuses, Description: "Where it stands."},
				{Name: "answer", Type: opendata.String, Enum: []string{"help", "unable"}, Description: "The kind of answer, once answered."},
				{Name: "sent_at", Type: opendata.DateTime, Required: true, Description: "When it was sent (UTC)."},
				{Name: "acknowledged_at", Type: opendata.DateTime, Description: "When it was acknowledged (UTC)."},
				{Name: "answered_at", Type: opendata.DateTime, Description: "When it was answered (UTC)."},
			},
			PrimaryKey: []string{"id"},
			Query: `SELECT id AS id, from_state AS from_state, to_state AS to_state, urgency AS urgency, status AS status, NULLIF(answer, '') AS answer, sent_at AS sent_at,
				acked_at AS acknowledged_at, answered_at AS answered_at FROM contacts_requests WHERE publish_from = ? AND publish_to = ? ORDER BY id`,
			Args:    []any{true, true},
			Changed: "sent_at",
		},
	}
}

// requestStatistics computes the yearly statistics of requests for
// assistance, as Stats does for the public page, one row per year.
func requestStatistics(ctx context.Context, q db.Querier, emit func(vals ...any) error) error {
	rows, err := q.QueryContext(ctx, `SELECT urgency, status, answer, sent_at, ack_due, acked_at, answered_at FROM contacts_requests ORDER BY sent_at`)
	if err != nil {
		return fmt.Errorf("request statistics: %w", err)
	}
	type year struct {
		n, critical, high, routine, inTime, answered, unable, withdrawn int
		ack, ans                                                        []float64
	}
	var years []int
	by := map[int]*year{}
	for rows.Next() {
		var urgency, status, answer string
		var sent, ackDue time.Time
		var acked, answeredAt *time.Time
		if err := rows.Scan(&urgency, &status, &answer, &sent, &ackDue, &acked, &answeredAt); err != nil {
			rows.Close()
			return err
		}
		y := sent.UTC().Year()
		s := by[y]
		if s == nil {
			s = &year{}
			by[y] = s
			years = append(years, y)
		}
		s.n++
		switch urgency {
		case "critical":
			s.critical++
		case "high":
			s.high++
		default:
			s.routine++
		}
		if status == "withdrawn" {
			s.withdrawn++
		}
		if acked != nil {
			s.ack = append(s.ack, acked.Sub(sent).Hours())
			if !acked.After(ackDue) {
				s.inTime++
			}
		}
		if answeredAt != nil {
			s.answered++
			s.ans = append(s.ans, answeredAt.Sub(sent).Hours())
			if answer == "unable" {
				s.unable++
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	hours := func(v []float64) any {
		if m := median(v); m != nil {
			return float64(int64(*m*10+0.5)) / 10
		}
		return nil
	}
	for _, y := range years {
		s := by[y]
		if err := emit(y, s.n, s.critical, s.high, s.routine, s.inTime, s.answered, s.unable, s.withdrawn, hours(s.ack), hours(s.ans)); err != nil {
			return err
		}
	}
	return nil
}
