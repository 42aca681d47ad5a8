package capacity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

// TestProjectsAndMatchesMadeBeforeMigration0806 writes a project and two
// matches as they were kept before migration 0806 (one beneficiary column,
// reasons as English text only), migrates, and reads them back: the
// project has its one beneficiary, in the directory's filters too, and the
// matches' reasons are read from their text, or left as text when it
// cannot be read.
func TestProjectsAndMatchesMadeBeforeMigration0806(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			d := testrig.OpenUnmigrated(t, kind)
			if _, err := d.Migrate(ctx, testrig.MigrationsBefore(t, "0806")); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			err := d.InTx(ctx, func(tx *db.Tx) error {
				for _, q := range []struct {
					sql  string
					args []any
				}{
					{`INSERT INTO capacity_needs (id, state_iso3, region, status, visibility, title, description, norms, topics, kinds, languages, created_by, created_at, updated_at, published_at)
						VALUES ('need1', 'KEN', 'african', 'published', 'public', 'CSIRT training', 'Text', ' gge2015-c ', ' incident-response ', ' training ', ' fr ', 'u', ?, ?, ?)`, []any{now, now, now}},
					{`INSERT INTO capacity_offers (id, provider_kind, state_iso3, provider_name, status, title, description, capacity, engaged, cost, contact, created_by, created_at, updated_at, published_at)
						VALUES ('offer1', 'state', 'EST', 'Estonia', 'published', 'Training', 'Text', 3, 1, 'free', 'x@example.org', 'u', ?, ?, ?)`, []any{now, now, now}},
					{`INSERT INTO capacity_offers (id, provider_kind, state_iso3, provider_name, status, title, description, capacity, engaged, cost, contact, created_by, created_at, updated_at, published_at)
						VALUES ('offer2', 'state', 'FIN', 'Finland', 'published', 'Mentoring', 'Text', 3, 0, 'free', 'y@example.org', 'u', ?, ?, ?)`, []any{now, now, now}},
					{`INSERT INTO capacity_matches (id, need_id, offer_id, status, initiated_by, score, reasons, created_at, updated_at)
						VALUES ('match1', 'need1', 'offer1', 'accepted', 'state', 80, 'norm (c), incident response, French, African States, training', ?, ?)`, []any{now, now}},
					{`INSERT INTO capacity_matches (id, need_id, offer_id, status, initiated_by, score, reasons, created_at, updated_at)
						VALUES ('match2', 'need1', 'offer2', 'invited', 'state', 20, 'something once said otherwise', ?, ?)`, []any{now, now}},
					{`INSERT INTO capacity_projects (id, match_id, need_id, offer_id, title, beneficiary_iso3, region, implementer_kind, implementer_state, implementer_name, norms, status, review, created_at, updated_at, published_at)
						VALUES ('proj1', 'match1', 'need1', 'offer1', 'CSIRT training for Kenya', 'KEN', 'african', 'state', 'EST', 'Estonia', ' gge2015-c ', 'running', 'published', ?, ?, ?)`, []any{now, now, now}},
					{`INSERT INTO capacity_project_implementers (project_id, offer_id, match_id, kind, state_iso3, name, lead, joined_at) VALUES ('proj1', 'offer1', 'match1', 'state', 'EST', 'Estonia', ?, ?)`, []any{true, now}},
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
			applied, err := d.Migrate(ctx, migrations.FS)
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) == 0 || !strings.HasPrefix(applied[0], "0806_") {
				t.Fatalf("applied %v, want 0806 first", applied)
			}

			svc := capacity.NewService(&platform.Services{DB: d}, &framework.Store{DB: d})
			sec := auth.WithUser(ctx, &auth.User{ID: "sec", Role: auth.RoleSecretariat})
			pv, err := svc.ProjectByID(sec, "proj1")
			if err != nil {
				t.Fatal(err)
			}
			if len(pv.Beneficiaries) != 1 || pv.Beneficiaries[0].State != "KEN" || !pv.Beneficiaries[0].Lead || pv.Beneficiaries[0].Region != "african" {
				t.Errorf("the project's beneficiaries after the migration: %+v", pv.Beneficiaries)
			}
			for _, f := range []capacity.ProjectFilter{{Beneficiaries: []string{"KEN"}}, {Beneficiaries: []string{"FRA", "KEN"}}, {Region: "african"}} {
				list, err := svc.Projects(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != 1 {
					t.Errorf("the directory filtered by %+v: %d projects, want 1", f, len(list))
				}
			}
			ken := auth.WithUser(ctx, &auth.User{ID: "ken", Role: auth.RoleStateApprover, StateISO3: "KEN"})
			if own, err := svc.Projects(ken, capacity.ProjectFilter{Own: true}); err != nil || len(own) != 1 {
				t.Errorf("Kenya's own projects: %d (%v), want 1", len(own), err)
			}

			ms, err := svc.MatchesForNeed(sec, "need1")
			if err != nil {
				t.Fatal(err)
			}
			byID := map[string]capacity.MatchView{}
			for _, m := range ms {
				byID[m.ID] = m
			}
			var codes []string
			for _, r := range byID["match1"].ReasonList {
				codes = append(codes, r.Code+":"+r.Value)
			}
			if got := strings.Join(codes, " "); got != "norm: topic:incident-response language:fr region:african kind:training" {
				t.Errorf("the old match's reasons read back as %q", got)
			}
			if m := byID["match2"]; len(m.ReasonList) != 0 || m.Reasons != "something once said otherwise" {
				t.Errorf("a text that cannot be read: %+v", m)
			}
		})
	}
}
