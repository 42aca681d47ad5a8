package vep_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsNoRegisterNorDraft writes two published versions of a
// policy, a policy draft, a register entry, a draft and a published
// transparency report, and reads the open datasets as the public does:
// the policies, the scorecard and the published figures only, with counts
// under five suppressed.
func TestOpenDataHoldsNoRegisterNorDraft(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		now := time.Now().UTC().Truncate(time.Second)
		policy := func(criteria string) string {
			return `{"has_process":true,"since":"2019","default":"disclose","scope":"all","criteria":"` + criteria + `","criteria_public":"full","criteria_named":["national_security","commercial"],` +
				`"ecosystem":"yes","review":"periodic","review_months":6,"secured":"partly","members":["ANSSI","DGSI"],"publishes_statistics":true,"passages":{}}`
		}
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, q := range []struct {
				sql  string
				args []any
			}{
				{`INSERT INTO vep_policies (state_iso3, version, body, source, published_at, published_by) VALUES ('FRA', 1, ?, 'state', ?, 'u'), ('FRA', 2, ?, 'state', ?, 'u')`,
					[]any{policy("PUBLIC-criteria-v1"), now.Add(-time.Hour), policy("PUBLIC-criteria-v2"), now}},
				{`INSERT INTO vep_policy_drafts (state_iso3, source, body, updated_at, updated_by) VALUES ('DEU', 'state', ?, ?, 'u'), ('FRA', 'state', ?, ?, 'u')`,
					[]any{policy("SECRET-draft-DEU"), now, policy("SECRET-draft-FRA"), now}},
				{`INSERT INTO vep_entries (id, state_iso3, revision, sealed) VALUES ('SECRET-entry', 'FRA', 1, ?)`, []any{[]byte("SECRET-sealed")}},
				{`INSERT INTO vep_reports (id, state_iso3, year, status, figures, generated_at, generated_by, published_at) VALUES
					('rep-pub', 'FRA', 2024, 'published', '{"evaluated":12,"disclosed":-1,"mitigations_only":-1,"partners_informed":-1,"retained":7,"released_after_review":-2,"reviews":9,"reviews_on_time":8,"median_days_to_vendor_notification":-1,"median_days_to_patch":-1}', ?, 'u', ?),
					('SECRET-report', 'FRA', 2025, 'draft', '{"evaluated":777}', ?, 'u', NULL)`, []any{now, now, now}},
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
		files := rig.OpenData(t, "vep")
		testrig.CheckOpenData(t, files, []string{"SECRET", "DEU", "777"},
			[]string{"FRA,1,false,state,true,2019,", "FRA,2,true,state,", "PUBLIC-criteria-v2", "ANSSI;DGSI", "national_security;commercial", "rep-pub,FRA,2024,12,,,,7,,9,8,,,"})
		sc := files["vep-scorecards"]
		if !strings.Contains(sc, "FRA,six_month_review,") || strings.Count(sc, "\r\n") != 8 {
			t.Errorf("the scorecard rates the policy in force on every recommendation:\n%s", sc)
		}
	})
}
