package bulletin_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

// countedByStatus counts bulletin_subscribers by status the slow way, the
// truth the kept counts must match.
func countedByStatus(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out, err := db.Counts(context.Background(), d, `SELECT status, COUNT(*) FROM bulletin_subscribers GROUP BY status`)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSubscriberCountsFollowEveryWrite walks an address through every
// change of status the service makes — and the changes it refuses — and
// after each step compares the kept counts with a count of the table.
func TestSubscriberCountsFollowEveryWrite(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := bulletinSvc(rig)
		ctx := rig.Ctx
		check := func(step string) {
			t.Helper()
			got, err := svc.SubscriberCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := countedByStatus(t, rig.DB); !maps.Equal(got, want) {
				t.Fatalf("after %s: counts %v, the table has %v", step, got, want)
			}
		}
		confirmToken := func(addr string) string {
			t.Helper()
			rig.DrainJobs(t)
			u, _ := url.Parse(linkIn(t, mailTo(t, rig, addr, "Confirm").Text, "/bulletin/confirm?token="))
			return u.Query().Get("token")
		}
		check("nothing")

		must := func(step string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			check(step)
		}
		must("subscribing a new address", svc.Subscribe(ctx, "ana@example.org", "en"))
		must("subscribing a pending address again", svc.Subscribe(ctx, "ana@example.org", "en"))
		token := confirmToken("ana@example.org")
		must("confirming", svc.Confirm(ctx, token))
		if err := svc.Confirm(ctx, token); !errors.Is(err, bulletin.ErrBadToken) {
			t.Fatalf("a replayed confirmation: %v", err)
		}
		check("replaying the confirmation")
		must("subscribing a confirmed address in another language", svc.Subscribe(ctx, "ana@example.org", "es"))

		rig.DrainJobs(t)
		u, _ := url.Parse(strings.Trim(mailTo(t, rig, "ana@example.org", "Welcome").Header.Get("List-Unsubscribe"), "<>"))
		s, tok := u.Query().Get("s"), u.Query().Get("t")
		must("unsubscribing", svc.Unsubscribe(ctx, s, tok))
		if err := svc.Unsubscribe(ctx, s, tok); !errors.Is(err, bulletin.ErrAlreadyDone) {
			t.Fatalf("unsubscribing twice: %v", err)
		}
		check("unsubscribing twice")
		must("subscribing again after leaving", svc.Subscribe(ctx, "ana@example.org", "en"))
		must("confirming again", svc.Confirm(ctx, confirmToken("ana@example.org")))

		suppress := func(step, addr, kind string) {
			t.Helper()
			_, err := svc.Suppress(ctx, addr, kind)
			must(step, err)
		}
		suppress("a bounce of a confirmed address", "ana@example.org", bulletin.KindBounce)
		suppress("the same bounce again", "ana@example.org", bulletin.KindBounce)
		suppress("a complaint after the bounce", "ana@example.org", bulletin.KindComplaint)
		suppress("a bounce of an unknown address", "nobody@example.org", bulletin.KindBounce)
		must("subscribing a complaining address", svc.Subscribe(ctx, "ana@example.org", "en"))
		must("subscribing another address", svc.Subscribe(ctx, "bo@example.org", "en"))
		suppress("a complaint of a pending address", "bo@example.org", bulletin.KindComplaint)
		must("subscribing a third address", svc.Subscribe(ctx, "cy@example.org", "en"))

		// More than one batch of 500, with addresses already on the list
		// (in every status) and repeated within and across batches.
		addrs := []string{"ana@example.org", "bo@example.org", "cy@example.org"}
		for i := range 700 {
			addrs = append(addrs, fmt.Sprintf("reader%03d@example.org", i%600))
		}
		added, err := svc.BulkConfirmed(ctx, addrs, "en")
		must("adding confirmed subscribers in bulk, duplicates skipped", err)
		if added != 600 {
			t.Errorf("added %d, want 600", added)
		}
		if _, err := svc.BulkConfirmed(ctx, addrs[:10], "en"); err != nil {
			t.Fatal(err)
		}
		check("adding only addresses already on the list")
		res, err := svc.ImportSuppressions(ctx, strings.NewReader("reader001@example.org\nreader002@example.org,complaint\ncy@example.org,bounce\n"))
		must("importing a relay's suppressions", err)
		if res.Marked != 3 {
			t.Errorf("import %+v, want 3 marked", res)
		}
		if got, _ := svc.SubscriberCounts(ctx); got[bulletin.SubConfirmed] != 598 {
			t.Errorf("counts %v, want 598 confirmed", got)
		}
	})
}

// TestSubscriberCountsMigration fills the list before migration 0501 and
// checks that the migration counts it.
func TestSubscriberCountsMigration(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			d := testrig.OpenUnmigrated(t, kind)
			if _, err := d.Migrate(ctx, testrig.MigrationsBefore(t, "0501")); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			statuses := []string{bulletin.SubConfirmed, bulletin.SubConfirmed, bulletin.SubPending, bulletin.SubUnsubscribed, bulletin.SubBounced, bulletin.SubConfirmed, bulletin.SubComplained}
			for i, st := range statuses {
				if _, err := d.ExecContext(ctx, `INSERT INTO bulletin_subscribers (id, email, lang, status, created_at, updated_at) VALUES (?, ?, 'en', ?, ?, ?)`,
					fmt.Sprintf("sub%d", i), fmt.Sprintf("r%d@example.org", i), st, now, now); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.Migrate(ctx, migrations.FS); err != nil {
				t.Fatal(err)
			}
			svc, err := bulletin.NewService(&platform.Services{DB: d})
			if err != nil {
				t.Fatal(err)
			}
			got, err := svc.SubscriberCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := countedByStatus(t, d); !maps.Equal(got, want) || got[bulletin.SubConfirmed] != 3 {
				t.Fatalf("counts %v after the migration, the table has %v", got, want)
			}
		})
	}
}

// TestSubscriberRacesAreRetried has many requests subscribe and bounce the
// same addresses at the same moment. On PostgreSQL a write can find its
// subscriber changed by another between its read and its update, or two
// first subscriptions of an address insert at once; the loser is run again
// rather than answered with an error, and the counts stay right.
func TestSubscriberRacesAreRetried(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := bulletinSvc(rig)
		ctx := rig.Ctx
		errs := make(chan error, 64)
		for i := range 64 {
			go func() {
				addr := fmt.Sprintf("race%d@example.org", i%4)
				var err error
				if i%3 == 2 {
					_, err = svc.Suppress(ctx, addr, bulletin.KindBounce)
				} else {
					err = svc.Subscribe(ctx, addr, "en")
				}
				errs <- err
			}()
		}
		for range 64 {
			if err := <-errs; err != nil {
				t.Errorf("a concurrent write failed: %v", err)
			}
		}
		got, err := svc.SubscriberCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := countedByStatus(t, rig.DB); !maps.Equal(got, want) {
			t.Fatalf("counts %v, the table has %v", got, want)
		}
	})
}
