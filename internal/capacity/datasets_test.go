package capacity_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenDataHoldsOnlyPublicCapacityBuilding writes needs, offers,
// projects and events the public may and may not see, and reads the open
// datasets as the public does.
func TestOpenDataHoldsOnlyPublicCapacityBuilding(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := rig.Ctx
		now := time.Now().UTC().Truncate(time.Second)
		err := rig.DB.InTx(ctx, func(tx *db.Tx) error {
			tx.MarkChanged()
			for _, n := range [][3]string{{"PUBLIC-need", "published", "public"}, {"PUBLIC-closed-need", "closed", "public"}, {"SECRET-draft-need", "draft", "public"},
				{"SECRET-members-need", "published", "members"}, {"SECRET-secretariat-need", "published", "secretariat"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_needs (id, state_iso3, region, status, visibility, title, description, norms, languages, starts_on, created_by, created_at, updated_at, published_at)
					VALUES (?, 'KEN', 'africa', ?, ?, ?, 'Described', ' gge2015-a gge2015-c ', ' en fr ', '2026-03-01', 'u', ?, ?, ?)`, n[0], n[1], n[2], n[0]+"-title", now, now, now); err != nil {
					return err
				}
			}
			for _, o := range [][2]string{{"PUBLIC-offer", "published"}, {"SECRET-draft-offer", "draft"}, {"SECRET-withdrawn-offer", "withdrawn"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_offers (id, provider_kind, state_iso3, provider_name, status, title, description, capacity, cost, contact, created_by, created_at, updated_at, published_at)
					VALUES (?, 'state', 'EST', 'Estonia', ?, ?, 'Offered', 3, 'free', 'SECRET-contact@example.org', 'u', ?, ?, ?)`, o[0], o[1], o[0]+"-title", now, now, now); err != nil {
					return err
				}
			}
			for _, p := range [][2]string{{"PUBLIC-project", "published"}, {"SECRET-private-project", "private"}, {"SECRET-pending-project", "pending"}, {"SECRET-rejected-project", "rejected"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_projects (id, title, beneficiary_iso3, region, implementer_kind, implementer_name, status, review, created_at, updated_at)
					VALUES (?, ?, 'KEN', 'africa', 'state', 'Estonia', 'running', ?, ?, ?)`, p[0], p[0]+"-title", p[1], now, now); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_milestones (id, project_id, title, due_on, status, created_at, updated_at) VALUES (?, ?, ?, '2026-06-30', 'planned', ?, ?)`,
					"m-"+p[0], p[0], p[0]+"-milestone", now, now); err != nil {
					return err
				}
			}
			for _, e := range [][2]string{{"PUBLIC-event", "public"}, {"SECRET-states-event", "states"}, {"SECRET-invited-event", "invited"}} {
				if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_events (id, title, kind, organiser_key, organiser_name, audience, tz, starts_at, ends_at, capacity, status, created_by, created_at, updated_at)
					VALUES (?, ?, 'workshop', 'secretariat', 'Secretariat', ?, 'Europe/Geneva', ?, ?, 40, 'scheduled', 'u', ?, ?)`, e[0], e[0]+"-title", e[1], now, now, now, now); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO capacity_registrations (id, event_id, email, name, status, token_hash, created_at, updated_at) VALUES ('r1', 'PUBLIC-event', 'SECRET-registrant@example.org', 'SECRET-registrant', 'confirmed', 'h', ?, ?)`, now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		files := rig.OpenData(t, "capacity")
		testrig.CheckOpenData(t, files, []string{"SECRET-"},
			[]string{"PUBLIC-need-title", "PUBLIC-closed-need-title", "gge2015-a;gge2015-c", "2026-03-01", "PUBLIC-offer-title", "PUBLIC-project-title", "PUBLIC-project-milestone", "PUBLIC-event-title"})
	})
}
