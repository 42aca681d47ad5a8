package participation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsOnlyWhatIsPublished writes, straight into the tables,
// what participation publishes and what it keeps back — a draft request,
// objections in a body that does not name objectors, individual votes, a
// statement awaiting the secretariat's check, an unpublished consultation
// submission — and reads the open datasets as the public does.
func TestOpenDataHoldsOnlyWhatIsPublished(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		orgID := func(name string) string {
			var id string
			if err := rig.DB.QueryRowContext(ctx, `SELECT id FROM organisations WHERE slug = ?`, rig.Organisation(t, name)).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		pub, hidden, drafter := orgID("Open Org"), orgID("Quiet Org"), orgID("Drafting Org")
		now := time.Now().UTC().Truncate(time.Second)
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO participation_bodies (id, slug, name, modality, name_objectors, created_at) VALUES ('b-named', 'named-body', 'Named body', 'non-objection-veto', ?, ?), ('b-anon', 'anon-body', 'Anonymous body', 'non-objection-decision', ?, ?)`, []any{true, now, false, now}},
				{`INSERT INTO participation_sessions (id, body_id, slug, title, kind, starts_at, ends_at, apply_by, created_at) VALUES ('s1', 'b-named', 'named-1', 'Named session', 'substantive', ?, ?, ?, ?), ('s2', 'b-anon', 'anon-1', 'Anonymous session', 'substantive', ?, ?, ?, ?)`, []any{now, now, now, now, now, now, now, now}},
				{`INSERT INTO participation_applications (id, org_id, body_id, session_id, justification, status, modality, created_at, submitted_at, circulated_at, decided_at, reason) VALUES
					('app-pub', ?, 'b-named', 's1', 'PUBLIC-justification', 'refused', 'non-objection-veto', ?, ?, ?, ?, 'Objected to'),
					('app-anon', ?, 'b-anon', 's2', 'ANON-justification', 'accredited', 'non-objection-decision', ?, ?, ?, ?, ''),
					('app-open', ?, 'b-anon', 's1', 'OPEN-justification', 'voting', 'non-objection-decision', ?, ?, ?, NULL, ''),
					('app-draft', ?, 'b-named', 's1', 'SECRET-draft-justification', 'draft', 'non-objection-veto', ?, NULL, NULL, NULL, '')`,
					[]any{pub, now, now, now, now, hidden, now, now, now, now, pub, now, now, now, drafter, now}},
				{`UPDATE participation_applications SET voting_ends_at = ?, votes_recorded = ?, yes_votes = 0 WHERE id IN ('app-anon', 'app-open')`, []any{now, true}},
				{`UPDATE participation_applications SET votes_recorded = ? WHERE id = 'app-anon'`, []any{false}},
				{`INSERT INTO participation_objections (application_id, state_iso3, reason, user_id, created_at) VALUES ('app-pub', 'RUS', 'PUBLIC-objection-reason', 'u', ?), ('app-anon', 'CHN', 'SECRET-anonymous-objection', 'u', ?)`, []any{now, now}},
				{`INSERT INTO participation_votes (application_id, state_iso3, choice, user_id, created_at) VALUES ('app-anon', 'BRA', 'no', 'u', ?), ('app-open', 'KEN', 'yes', 'u', ?)`, []any{now, now}},
				{`INSERT INTO participation_statements (id, session_id, org_id, title, lang, delivery, body, status, submitted_by, submitted_at, published_at) VALUES
					('st-pub', 's1', ?, 'PUBLIC-statement', 'en', 'written', 'Text', 'published', 'u', ?, ?),
					('st-wait', 's1', ?, 'SECRET-statement-waiting', 'en', 'written', 'SECRET-statement-body', 'submitted', 'u', ?, NULL),
					('st-rej', 's1', ?, 'SECRET-statement-rejected', 'en', 'written', 'Text', 'rejected', 'u', ?, NULL)`, []any{pub, now, now, pub, now, pub, now}},
				{`INSERT INTO participation_consultations (id, slug, title, opened_by, status, opens_at, closes_at) VALUES ('c1', 'supply-chain', 'Supply chain', 'secretariat', 'closed', ?, ?)`, []any{now, now}},
				{`INSERT INTO participation_questions (consultation_id, n, text) VALUES ('c1', 1, 'What should States do?')`, nil},
				{`INSERT INTO participation_submissions (id, consultation_id, org_id, status, publish, published, updated_at, submitted_at) VALUES ('sub-pub', 'c1', ?, 'submitted', ?, ?, ?, ?), ('sub-no', 'c1', ?, 'submitted', ?, ?, ?, ?)`,
					[]any{pub, true, true, now, now, hidden, false, false, now, now}},
				{`INSERT INTO participation_answers (submission_id, n, text) VALUES ('sub-pub', 1, 'PUBLIC-answer'), ('sub-no', 1, 'SECRET-unpublished-answer')`, nil},
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
		files := rig.OpenData(t, "participation")
		testrig.CheckOpenData(t, files,
			[]string{"SECRET-", "app-draft", "Drafting Org", "CHN", "BRA", "KEN"},
			[]string{"PUBLIC-justification", "ANON-justification", "OPEN-justification", "app-pub,RUS,PUBLIC-objection-reason", "PUBLIC-statement", "PUBLIC-answer", "named-1", "anon-1"})
		// An open vote has no tally yet, not 0–0: the JSON Lines rows give
		// none.
		found := false
		for _, line := range strings.Split(files["accreditation-applications"], "\n") {
			if strings.HasPrefix(line, "{") && strings.Contains(line, `"app-open"`) {
				found = true
				if strings.Contains(line, `"yes_votes":0`) {
					t.Errorf("an open vote is published with a tally: %s", line)
				}
			}
		}
		if !found {
			t.Error("the open vote's request is not in the JSON Lines file")
		}
	})
}
