package incidents

import (
	"context"
	"fmt"

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
// had role (made, joined or named), newest first, at most limit.
func (s *Service) stateAttributions(ctx context.Context, iso3, role string, limit int) ([]*Attribution, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+attributionCols+` FROM incident_statement_states t
		JOIN incident_attributions a ON a.id = t.statement_id JOIN incidents i ON i.id = a.incident_id
		WHERE t.state_iso3 = ? AND t.role = ? ORDER BY t.made_on DESC, t.statement_id DESC LIMIT ?`, iso3, role, limit)
	return collect(rows, err, scanAttribution)
}

// stateResponses lists the responses of published incidents the State
// took or was targeted by (role took or targeted), newest first, at most
// limit.
func (s *Service) stateResponses(ctx context.Context, iso3, role string, limit int) ([]*Response, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT `+responseCols+` FROM incident_statement_states t
		JOIN incident_responses r ON r.id = t.statement_id JOIN incidents i ON i.id = r.incident_id
		WHERE t.state_iso3 = ? AND t.role = ? ORDER BY t.made_on DESC, t.statement_id DESC LIMIT ?`, iso3, role, limit)
	return collect(rows, err, scanResponse)
}
