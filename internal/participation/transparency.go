package participation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// listApps runs an application query and returns the rows (no drafts).
func (s *Service) listApps(ctx context.Context, where string, args ...any) ([]Application, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.status <> 'draft' AND `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	defer rows.Close()
	out := []Application{}
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Summary counts a set of applications by what happened to them.
type Summary struct {
	Applied    int `json:"applied"`
	Pending    int `json:"pending"`
	Objected   int `json:"objected"`
	PutToVote  int `json:"put_to_vote"`
	Accredited int `json:"accredited"`
	Refused    int `json:"refused"`
}

// Summarise counts applications (drafts excluded).
func Summarise(list []Application) Summary {
	var sm Summary
	for _, a := range list {
		sm.Applied++
		switch a.Status {
		case StatusAccredited:
			sm.Accredited++
		case StatusRefused:
			sm.Refused++
		default:
			sm.Pending++
		}
		if a.Objections > 0 {
			sm.Objected++
		}
		if a.VotingEndsAt != nil {
			sm.PutToVote++
		}
	}
	return sm
}

// SessionReport is the public record of a session's accreditation.
type SessionReport struct {
	Session      Session       `json:"session"`
	Body         Body          `json:"body"`
	Summary      Summary       `json:"summary"`
	Applications []Application `json:"applications"`
	Comparison   []Comparison  `json:"comparison"`
}

// SessionReport collects a session's applications (with objectors where the
// body names them), their summary and the modality comparison.
func (s *Service) SessionReport(ctx context.Context, slug string) (SessionReport, error) {
	x, err := s.SessionBySlug(ctx, slug)
	if err != nil {
		return SessionReport{}, err
	}
	b, err := s.bodyByID(ctx, s.DB, x.BodyID)
	if err != nil {
		return SessionReport{}, err
	}
	list, err := s.listApps(ctx, `a.session_id = ? ORDER BY o.name`, x.ID)
	if err != nil {
		return SessionReport{}, err
	}
	for i := range list {
		if b.NameObjectors && (list[i].Objections > 0 || list[i].Status != StatusSubmitted) {
			if list[i].Objectors, err = s.objections(ctx, s.DB, list[i].ID); err != nil {
				return SessionReport{}, err
			}
		}
		if list[i].RecordedVote && list[i].VoteClosed() {
			if list[i].Votes, err = s.recordedVotes(ctx, s.DB, list[i].ID); err != nil {
				return SessionReport{}, err
			}
		}
	}
	recs, err := s.records(ctx, list)
	if err != nil {
		return SessionReport{}, err
	}
	return SessionReport{Session: x, Body: b, Summary: Summarise(list), Applications: list, Comparison: Compare(b.Majority, recs)}, nil
}

// records turns decided or circulated applications into Records for the
// comparison: ECOSOC status from the profile, standing objections, votes.
func (s *Service) records(ctx context.Context, list []Application) ([]Record, error) {
	var orgs []string
	seen := map[string]bool{}
	for _, a := range list {
		if a.Status != StatusDraft && a.Status != StatusSubmitted && !seen[a.OrgID] {
			seen[a.OrgID] = true
			orgs = append(orgs, a.OrgID)
		}
	}
	ecosoc, err := s.ecosocStatus(ctx, orgs)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, a := range list {
		if a.Status == StatusDraft || a.Status == StatusSubmitted {
			continue
		}
		st := ecosoc[a.OrgID]
		out = append(out, Record{ECOSOC: st != "" && st != "none", Objections: a.Objections, Voted: a.VoteClosed(), Tally: a.counts})
	}
	return out, nil
}

// ecosocChunk is how many organisations one statement of ecosocStatus
// asks for: a fixed number (the last repeated), so that it is one
// statement text, prepared once.
const ecosocChunk = 100

// ecosocStatus reads the ECOSOC status of each organisation that has a
// profile, ecosocChunk at a time. It was one statement per application:
// 4,407 for a body's page at the demo's scale 10.
func (s *Service) ecosocStatus(ctx context.Context, orgs []string) (map[string]string, error) {
	out := make(map[string]string, len(orgs))
	for len(orgs) > 0 {
		n := min(len(orgs), ecosocChunk)
		args := make([]any, ecosocChunk)
		for i := range args {
			args[i] = orgs[min(i, n-1)]
		}
		rows, err := s.DB.QueryContext(ctx, `SELECT org_id, ecosoc FROM participation_profiles WHERE org_id IN (`+db.Placeholders(ecosocChunk)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("ecosoc status: %w", err)
		}
		for rows.Next() {
			var org, st string
			if err := rows.Scan(&org, &st); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ecosoc status: %w", err)
			}
			out[org] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("ecosoc status: %w", err)
		}
		orgs = orgs[n:]
	}
	return out, nil
}

// StateObjection is one objection lodged by a State, as published.
type StateObjection struct {
	Application Application `json:"application"`
	Reason      string      `json:"reason,omitempty"`
	CreatedAt   time.Time   `json:"created_at"`
	WithdrawnAt *time.Time  `json:"withdrawn_at,omitempty"`
}

// StateObjections lists the objections a State lodged in bodies that name
// objecting States; objections in other bodies are never shown.
func (s *Service) StateObjections(ctx context.Context, iso3 string) ([]StateObjection, error) {
	list, _, err := s.StateObjectionsPage(ctx, iso3, "", 0)
	return list, err
}

// ErrBadCursor: a page was asked to start after a row that is not in its
// list.
var ErrBadCursor = errors.New("not a row of this list")

// StateObjectionsPage lists at most limit (0: all) of a State's published
// objections, newest first, after the objection to application after ("":
// from the first), and returns the application to pass as after for the
// next page ("" after the last). One statement reads the objections with
// their applications, walking the objections' index by State and time
// (migration 0404), so a page costs the same however many objections the
// State lodged.
func (s *Service) StateObjectionsPage(ctx context.Context, iso3, after string, limit int) ([]StateObjection, string, error) {
	out := []StateObjection{}
	l := stateList{table: "participation_objections", alias: "x", cols: "x.reason, x.created_at, x.withdrawn_at",
		where: `x.state_iso3 = ? AND b.name_objectors = ?`, args: []any{strings.ToUpper(iso3), true}}
	next, err := s.stateListPage(ctx, l, after, limit, func(rows *sql.Rows) (string, error) {
		var o StateObjection
		var w nullTime
		var err error
		if o.Application, err = scanApp(scanMore{rows, []any{&o.Reason, &o.CreatedAt, &w}}); err != nil {
			return "", err
		}
		o.WithdrawnAt = tp(w.NullTime)
		out = append(out, o)
		return o.Application.ID, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("state objections: %w", err)
	}
	return out, next, nil
}

// stateList is one of the lists of a State's page: the rows of table (on
// alias, keyed by application and State) joined to their applications
// (a), organisations (o), bodies (b) and sessions (s), those where
// holds with args (the State first), in the order created_at DESC,
// application_id DESC, with their own columns cols after the
// application's.
type stateList struct {
	table, alias, cols, where string
	args                      []any
}

// stateListPage reads at most limit rows (0: all) of list l after the row
// of application after ("": from the first), handing each to scan, which
// returns its application; it returns the application to start the next
// page after ("" when this page is the last). The cursor must name a row
// of the list itself: a row the list leaves out (an objection in a body
// that does not name objecting States, a secret or open vote) is refused
// like an unknown one, so that the answer tells nothing of it.
func (s *Service) stateListPage(ctx context.Context, l stateList, after string, limit int, scan func(*sql.Rows) (string, error)) (string, error) {
	t := l.alias
	from := ` FROM ` + l.table + ` ` + t + ` JOIN participation_applications a ON a.id = ` + t + `.application_id JOIN organisations o ON o.id = a.org_id
		JOIN participation_bodies b ON b.id = a.body_id LEFT JOIN participation_sessions s ON s.id = a.session_id WHERE ` + l.where
	args := append([]any(nil), l.args...)
	if after != "" {
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*)`+from+` AND `+t+`.application_id = ?`, append(args, after)...).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return "", ErrBadCursor
		}
		iso3 := l.args[0]
		at := `(SELECT c.created_at FROM ` + l.table + ` c WHERE c.state_iso3 = ? AND c.application_id = ?)`
		from += ` AND (` + t + `.created_at < ` + at + ` OR (` + t + `.created_at = ` + at + ` AND ` + t + `.application_id < ?))`
		args = append(args, iso3, after, iso3, after, after)
	}
	query := `SELECT ` + appCols + `, ` + l.cols + from + ` ORDER BY ` + t + `.created_at DESC, ` + t + `.application_id DESC`
	if limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, limit+1) // one more: is there a next page?
	}
	rows, err := s.DB.QueryContext(ctx, query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	last := ""
	for n := 0; rows.Next(); n++ {
		if limit > 0 && n == limit {
			return last, nil
		}
		if last, err = scan(rows); err != nil {
			return "", err
		}
	}
	return "", rows.Err()
}

// StateVoteRecord is one vote a State cast in a recorded vote, as
// published.
type StateVoteRecord struct {
	Application Application `json:"application"`
	Choice      string      `json:"choice"`
	CastAt      time.Time   `json:"cast_at"`
}

// StateVotes lists the votes a State cast in recorded votes that have
// closed, newest first. Votes by secret ballot, and votes still open, are
// never shown.
func (s *Service) StateVotes(ctx context.Context, iso3 string) ([]StateVoteRecord, error) {
	list, _, err := s.StateVotesPage(ctx, iso3, "", 0)
	return list, err
}

// StateVotesPage is a page of StateVotes, as StateObjectionsPage is of
// StateObjections: one statement, through the index of a State's
// published votes by time (migration 0405), so that a page reads none of
// the State's votes by secret ballot or still open. The application's own
// conditions are checked as well: a vote is shown only if its application
// was decided after a recorded vote, whatever its mark says.
func (s *Service) StateVotesPage(ctx context.Context, iso3, after string, limit int) ([]StateVoteRecord, string, error) {
	out := []StateVoteRecord{}
	l := stateList{table: "participation_votes", alias: "v", cols: "v.choice, v.created_at",
		where: `v.state_iso3 = ? AND v.published = ? AND a.votes_recorded = ? AND a.decided_at IS NOT NULL`, args: []any{strings.ToUpper(iso3), true, true}}
	next, err := s.stateListPage(ctx, l, after, limit, func(rows *sql.Rows) (string, error) {
		var v StateVoteRecord
		var err error
		if v.Application, err = scanApp(scanMore{rows, []any{&v.Choice, &v.CastAt}}); err != nil {
			return "", err
		}
		v.CastAt = v.CastAt.UTC()
		out = append(out, v)
		return v.Application.ID, nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("state votes: %w", err)
	}
	return out, next, nil
}

// scanMore scans an application's columns (scanApp) followed by more.
type scanMore struct {
	row  interface{ Scan(...any) error }
	more []any
}

func (m scanMore) Scan(dest ...any) error { return m.row.Scan(append(dest, m.more...)...) }

// ObjectionCount is how many objections each State lodged (named bodies
// only), for the per-State statistics.
type ObjectionCount struct {
	StateISO3 string `json:"state"`
	Count     int    `json:"objections"`
}

// ObjectionCounts counts published objections by State, most first:
// every objection lodged in a body that names objecting States, withdrawn
// ones included. It adds up the counts kept per body and State by
// lodgeObjectionTx (a few rows per body, however many objections there
// are), joined to the bodies so that a change to name_objectors shows at
// once.
func (s *Service) ObjectionCounts(ctx context.Context) ([]ObjectionCount, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT c.state_iso3, SUM(c.n) FROM participation_objection_counts c
		JOIN participation_bodies b ON b.id = c.body_id
		WHERE b.name_objectors = ? GROUP BY c.state_iso3 ORDER BY SUM(c.n) DESC, c.state_iso3`, true)
	if err != nil {
		return nil, fmt.Errorf("objection counts: %w", err)
	}
	defer rows.Close()
	out := []ObjectionCount{}
	for rows.Next() {
		var c ObjectionCount
		if err := rows.Scan(&c.StateISO3, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// BodyComparison applies every modality to every decided application of a
// body, and returns also the records' count. It reads every application
// of the body (4,400 at the demo's scale 10), and depends on nothing but
// what is written (a vote's close is a decision, written and audited), so
// it is kept per body until something is written (audit.KeptBy): a
// body's page read them all at every view. The answer is shared: callers
// must not change it.
func (s *Service) BodyComparison(ctx context.Context, b Body) ([]Comparison, int, error) {
	c, err := s.comparisons.Get(ctx, s.DB, b.ID, func(ctx context.Context) (comparison, error) {
		list, err := s.listApps(ctx, `a.body_id = ?`, b.ID)
		if err != nil {
			return comparison{}, err
		}
		recs, err := s.records(ctx, list)
		if err != nil {
			return comparison{}, err
		}
		return comparison{Compare(b.Majority, recs), len(recs)}, nil
	})
	return c.modalities, c.records, err
}

// comparison is BodyComparison's answer, kept per body.
type comparison struct {
	modalities []Comparison
	records    int
}

// ApplicationsToAct lists applications in an objection or voting period,
// for the State approvers' page.
func (s *Service) ApplicationsToAct(ctx context.Context) ([]Application, error) {
	return s.listApps(ctx, `a.status IN (?, ?) ORDER BY COALESCE(a.voting_ends_at, a.objection_ends_at), o.name`, StatusObjection, StatusVoting)
}

// StateActs returns what a State did on the listed applications: its
// standing objection and its vote, by application id.
func (s *Service) StateActs(ctx context.Context, q db.Querier, iso3 string) (objected map[string]bool, voted map[string]string, err error) {
	objected, voted = map[string]bool{}, map[string]string{}
	rows, err := q.QueryContext(ctx, `SELECT application_id, withdrawn_at IS NULL FROM participation_objections WHERE state_iso3 = ?`, iso3)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id string
		var standing bool
		if err := rows.Scan(&id, &standing); err != nil {
			rows.Close()
			return nil, nil, err
		}
		objected[id] = standing
	}
	rows.Close()
	rows, err = q.QueryContext(ctx, `SELECT application_id, choice FROM participation_votes WHERE state_iso3 = ?`, iso3)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			return nil, nil, err
		}
		voted[id] = c
	}
	return objected, voted, rows.Err()
}

// nullTime scans a nullable timestamp.
type nullTime struct{ sql.NullTime }
