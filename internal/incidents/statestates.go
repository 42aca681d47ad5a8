package incidents

import (
	"context"
	"fmt"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// incident_statement_states (migration 1009) holds, for each published
// statement and response of a published incident, a row per State and the
// part it had: made (the sole attributor), joined (one of several),
// named, took (a response), targeted (a response against it). A State's
// page reads each list as an index range, newest first.

// statementState is one row of incident_statement_states.
type statementState struct{ statement, role, state, on string }

// writeStatementStates makes x's rows of incident_statement_states its
// published statements' and its responses' while x is published, none
// otherwise. It is called (through index) by every write that changes a
// published incident or its published statements, and when a response is
// recorded, inside the write's transaction.
func writeStatementStates(ctx context.Context, q db.Querier, x *Incident) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM incident_statement_states WHERE incident_id = ?`, x.ID); err != nil {
		return fmt.Errorf("statement states %s: %w", x.ID, err)
	}
	if x.Status != StatusPublished {
		return nil
	}
	var want []statementState
	add := func(r statementState) {
		for _, w := range want {
			if w == r {
				return
			}
		}
		want = append(want, r)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, made_on, attributor_states, named_state FROM incident_attributions WHERE incident_id = ? AND status = ?`, x.ID, StatusPublished)
	if err != nil {
		return fmt.Errorf("statement states %s: %w", x.ID, err)
	}
	for rows.Next() {
		var id, on, attr, named string
		if err := rows.Scan(&id, &on, &attr, &named); err != nil {
			rows.Close()
			return err
		}
		by := decodeList(attr)
		role := "joined"
		if len(by) == 1 {
			role = "made"
		}
		for _, st := range by {
			add(statementState{id, role, st, on})
		}
		if named != "" {
			add(statementState{id, "named", named, on})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT id, taken_on, by_states, against_state FROM incident_responses WHERE incident_id = ?`, x.ID)
	if err != nil {
		return fmt.Errorf("statement states %s: %w", x.ID, err)
	}
	for rows.Next() {
		var id, on, by, against string
		if err := rows.Scan(&id, &on, &by, &against); err != nil {
			rows.Close()
			return err
		}
		for _, st := range decodeList(by) {
			add(statementState{id, "took", st, on})
		}
		if against != "" {
			add(statementState{id, "targeted", against, on})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(want) == 0 {
		return nil
	}
	args := make([]any, 0, 5*len(want))
	for _, r := range want {
		args = append(args, x.ID, r.statement, r.role, r.state, r.on)
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO incident_statement_states (incident_id, statement_id, role, state_iso3, made_on) VALUES `+db.ValueRows(len(want), 5), args...); err != nil {
		return fmt.Errorf("statement states %s: %w", x.ID, err)
	}
	return nil
}

// stateAttributions lists the published statements in which the State
// had role (made, joined or named), newest first, at most limit after the
// cursor after ("date|id" of the last one shown, or ""), with the cursor
// of the next page if there is more.
func (s *Service) stateAttributions(ctx context.Context, iso3, role, after string, limit int) ([]*Attribution, string, error) {
	q, args, err := stateListQuery(attributionRowCols, `incident_attributions a ON a.id = t.statement_id JOIN incidents i ON i.id = a.incident_id`, iso3, role, after, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.DB.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, scanAttributionRow)
	return pageOf(out, err, limit, func(a *Attribution) string { return a.Date + "|" + a.ID })
}

// stateResponses lists the responses of published incidents the State
// took or was targeted by (role took or targeted), as stateAttributions
// lists statements.
func (s *Service) stateResponses(ctx context.Context, iso3, role, after string, limit int) ([]*Response, string, error) {
	q, args, err := stateListQuery(responseRowCols, `incident_responses r ON r.id = t.statement_id JOIN incidents i ON i.id = r.incident_id`, iso3, role, after, limit)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.DB.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, scanResponseRow)
	return pageOf(out, err, limit, func(r *Response) string { return r.Date + "|" + r.ID })
}

// attributionRowCols are the columns of a statement that a row of a
// State's list shows (the template attrow); the lists read these alone,
// with the statement's other fields left empty.
const attributionRowCols = `a.id, a.incident_id, i.name, a.made_on, a.named_state, a.norms, a.response`

func scanAttributionRow(row interface{ Scan(...any) error }) (*Attribution, error) {
	var a Attribution
	var norms string
	if err := row.Scan(&a.ID, &a.IncidentID, &a.IncidentName, &a.Date, &a.NamedState, &norms, &a.Response); err != nil {
		return nil, err
	}
	a.Norms = decodeList(norms)
	return &a, nil
}

// responseRowCols are the columns of a response that a row of a State's
// list shows (the template resprow), as attributionRowCols.
const responseRowCols = `r.id, r.incident_id, i.name, r.kind, r.taken_on, r.against_state`

func scanResponseRow(row interface{ Scan(...any) error }) (*Response, error) {
	var r Response
	if err := row.Scan(&r.ID, &r.IncidentID, &r.IncidentName, &r.Kind, &r.Date, &r.AgainstState); err != nil {
		return nil, err
	}
	return &r, nil
}

// stateListQuery is the statement of a page of one of a State's lists:
// cols of the rows join reaches from incident_statement_states t, the
// State's rows of role after the cursor after, in the order of the index
// incident_statement_states_state, one row more than limit (to tell
// whether there is a next page).
func stateListQuery(cols, join, iso3, role, after string, limit int) (string, []any, error) {
	cond, args := `t.state_iso3 = ? AND t.role = ?`, []any{iso3, role}
	if after != "" {
		on, id, ok := strings.Cut(after, "|")
		if !ok || !dateRE.MatchString(on) || id == "" {
			return "", nil, invalid("after", "is not a cursor of this list")
		}
		cond += ` AND (t.made_on < ? OR t.made_on = ? AND t.statement_id < ?)`
		args = append(args, on, on, id)
	}
	return `SELECT ` + cols + ` FROM incident_statement_states t JOIN ` + join +
		` WHERE ` + cond + ` ORDER BY t.made_on DESC, t.statement_id DESC LIMIT ?`, append(args, limit+1), nil
}

// pageOf cuts a list read with one row more than limit to limit, with the
// cursor of the next page (of the last item kept) when there was more.
func pageOf[T any](items []T, err error, limit int, cursor func(T) string) ([]T, string, error) {
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	items = items[:limit]
	return items, cursor(items[limit-1]), nil
}
