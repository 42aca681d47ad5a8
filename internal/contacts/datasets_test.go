package contacts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataPublishesNoContactDetails writes a State's contacts, a
// finished and a running communication check, and requests for assistance
// (one both States agreed to publish, one agreed by one side only), and
// reads the open datasets as the public does: no contact detail, no result
// before the deadline, no request one State kept back, no content.
func TestOpenDataPublishesNoContactDetails(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		now := time.Now().UTC().Truncate(time.Second)
		past, future := now.Add(-48*time.Hour), now.Add(48*time.Hour)
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO contacts_entries (id, state_iso3, kind, status, name, function, organisation, email, phone, secure_notes, drafted_by, drafted_at, confirmed_at) VALUES
					('e1', 'FRA', 'technical', 'active', 'SECRET-name', 'SECRET-function', 'SECRET-agency', 'secret-poc@example.fr', '+33 SECRET', 'SECRET-notes', 'u', ?, ?),
					('e2', 'FRA', 'diplomatic', 'draft', 'SECRET-draft-name', '', '', 'draft-poc@example.fr', '', '', 'u', ?, NULL)`, []any{past, past, past}},
				{`INSERT INTO contacts_coverage (state_iso3, kind, since) VALUES ('FRA', 'technical', ?)`, []any{past}},
				{`INSERT INTO contacts_rounds (id, title, scope, started_by, started_at, deadline, remind_at, contacts, states) VALUES
					('round-done', 'PUBLIC-round', 'all', 'u', ?, ?, ?, 1, 1), ('round-open', 'Running round', 'all', 'u', ?, ?, ?, 1, 1)`, []any{past.Add(-time.Hour), past, past, now, future, future}},
				{`INSERT INTO contacts_pings (id, round_id, entry_id, state_iso3, kind, sent_at, acked_at, acked_via) VALUES ('p1', 'round-done', 'e1', 'FRA', 'technical', ?, ?, 'link'), ('p2', 'round-open', 'e1', 'FRA', 'technical', ?, NULL, '')`,
					[]any{past, past, now}},
				{`INSERT INTO contacts_round_states (round_id, state_iso3, outcome, minutes, contacts, acknowledged) VALUES ('round-done', 'FRA', 'in_time', 42, 1, 1), ('round-open', 'DEU', 'no_answer', NULL, 1, 0)`, nil},
				{`INSERT INTO contacts_requests (id, from_state, to_state, urgency, tlp, status, answer, content, sent_by, sent_at, ack_due, answer_due, acked_at, answered_at, publish_from, publish_to) VALUES
					('req-pub', 'EST', 'LVA', 'high', 'clear', 'answered', 'unable', ?, 'u', ?, ?, ?, ?, ?, ?, ?),
					('req-half', 'KEN', 'NGA', 'critical', 'amber', 'sent', '', ?, 'u', ?, ?, ?, NULL, NULL, ?, ?)`,
					[]any{[]byte("SECRET-content"), now, now.Add(48 * time.Hour), future, now.Add(time.Hour), now.Add(3 * time.Hour), true, true,
						[]byte("SECRET-content-2"), now, now.Add(24 * time.Hour), future, true, false}},
			} {
				if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		files := rig.OpenData(t, "contacts")
		testrig.CheckOpenData(t, files, []string{"SECRET", "poc@example", "+33", "DEU", "KEN", "NGA", "req-half"},
			[]string{"FRA,technical,", "PUBLIC-round", "round-done,FRA,in_time,42,1,1", "req-pub,EST,LVA,high,answered,unable"})
		// year, requests, critical, high, routine, in time, answered, unable, withdrawn, median hours
		if st := files["assistance-request-statistics"]; !strings.Contains(st, ",2,1,1,0,1,1,1,0,1,3") {
			t.Errorf("the statistics count both requests, naming no State:\n%s", st)
		}
		if r := files["ping-rounds"]; !strings.Contains(r, "round-open,Running round,") || !strings.Contains(r, ",false,1,1") {
			t.Errorf("a running round is listed, not closed:\n%s", r)
		}
	})
}
