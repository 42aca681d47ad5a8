package compendium_test

import (
	"maps"
	"testing"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// countedBefore is how PracticeCounts counted before the counts were kept
// (migration 0305): every practice with a published measure, per norm it
// serves.
const countedBefore = `SELECT n.norm_id, COUNT(*) FROM compendium_practice_norms n CROSS JOIN compendium_practices p
	WHERE p.measure_key = n.measure_key AND p.measure_id <> '' GROUP BY n.norm_id`

func TestPracticeCountsMatchACountOfEveryPracticeAfterEachWrite(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := service(rig)
		ctx := auth.WithUser(rig.Ctx, rig.User(t, auth.RoleSecretariat, ""))
		check := func(t *testing.T, after string) {
			t.Helper()
			rows, err := rig.DB.QueryContext(rig.Ctx, countedBefore)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for rows.Next() {
				var n string
				var c int
				if err := rows.Scan(&n, &c); err != nil {
					t.Fatal(err)
				}
				want[n] = c
			}
			rows.Close()
			got, err := svc.PracticeCounts(rig.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("after %s: counts %v, want %v", after, got, want)
			}
		}
		check(t, "nothing")
		first := publish(t, rig, "FRA", 2019, "public",
			measure{ID: "m-1", Key: "k-1", Norm: "gge2015-a", Others: []string{"gge2015-b", "gge2015-c"}, Title: "One", Type: "policy", Status: "implemented"},
			measure{ID: "m-2", Key: "k-2", Norm: "gge2015-b", Title: "Two", Type: "policy", Status: "implemented"},
			measure{ID: "m-3", Key: "k-3", Norm: "gge2015-h", Others: []string{"gge2015-a"}, Title: "Three", Type: "policy", Status: "implemented"})
		for _, id := range []string{"m-1", "m-2", "m-3"} {
			if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: id}); err != nil {
				t.Fatal(err)
			}
			check(t, "a mark")
		}
		if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: "m-1", Note: "Again, with a note"}); err != nil {
			t.Fatal(err)
		}
		check(t, "a practice marked again")
		if err := svc.UnmarkPractice(ctx, "k-2"); err != nil {
			t.Fatal(err)
		}
		check(t, "an unmark")

		// The report turns confidential: the sync stops counting its
		// practices, and counts them again once it is public.
		for _, public := range []bool{false, true} {
			for _, table := range []string{"report_versions", "report_measures", "report_measure_norms"} {
				where := `report_id = ?`
				if table == "report_measure_norms" {
					where = `measure_id IN (SELECT id FROM report_measures WHERE report_id = ?)`
				}
				if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE `+table+` SET published = ? WHERE `+where, public, first); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.SyncReport(rig.Ctx, first); err != nil {
				t.Fatal(err)
			}
			check(t, "a sync after the report's visibility changed")
		}

		// A later cycle's report carries the measure on with other norms:
		// the sync points the practice at it.
		later := publish(t, rig, "FRA", 2021, "public",
			measure{ID: "m-1b", Key: "k-1", Norm: "gge2015-j", Others: []string{"gge2015-h"}, Title: "One, later", Type: "policy", Status: "implemented"})
		if _, err := svc.SyncReport(rig.Ctx, later); err != nil {
			t.Fatal(err)
		}
		check(t, "a sync that changed a practice's norms")
		if got, _ := svc.PracticeCounts(rig.Ctx); got["gge2015-j"] != 1 || got["gge2015-b"] != 0 {
			t.Errorf("counts %v: the practice moved to j and h, off a, b and c", got)
		}
	})
}
