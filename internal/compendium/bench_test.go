package compendium_test

import (
	"fmt"
	"testing"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// BenchmarkPracticesPage reads the first and a middle page of a norm's
// good practices, with few and with many practices in the database: a
// page's cost must not grow with the number of practices.
func BenchmarkPracticesPage(b *testing.B) {
	for _, n := range []int{300, 3000} {
		b.Run(fmt.Sprintf("practices=%d", n), func(b *testing.B) {
			rig := testrig.New(b)
			svc := service(rig)
			sec := rig.User(b, auth.RoleSecretariat, "")
			ctx := auth.WithUser(rig.Ctx, sec)
			states := []string{"FRA", "KEN", "BRA", "JPN", "CAN", "DEU", "IND", "MEX", "NGA", "AUS"}
			norms := []string{"gge2015-a", "gge2015-b", "gge2015-c", "gge2015-h", "gge2015-j"}
			var keys []string
			for r := range n / 30 {
				var ms []measure
				for j := range 30 {
					k := fmt.Sprintf("k-%d-%d", r, j)
					ms = append(ms, measure{ID: "m" + k[1:], Key: k, Norm: norms[j%len(norms)], Others: []string{norms[(j+1)%len(norms)]},
						Title: fmt.Sprintf("Measure %d of report %d", j, r), Desc: "A description of the measure.", Type: "policy", Status: "implemented"})
					keys = append(keys, k)
				}
				publish(b, rig, states[r%len(states)], 2015+r/len(states)%10, "public", ms...)
			}
			for _, k := range keys {
				if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: "m" + k[1:]}); err != nil {
					b.Fatal(err)
				}
			}
			first, next, err := svc.Practices(rig.Ctx, compendium.PracticeFilter{Norm: "gge2015-h", Limit: 20}, "en")
			if err != nil || len(first) != 20 || next == "" {
				b.Fatalf("%d practices, next %q: %v", len(first), next, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				after := ""
				if i%2 == 1 {
					after = next
				}
				if _, _, err := svc.Practices(rig.Ctx, compendium.PracticeFilter{Norm: "gge2015-h", After: after, Limit: 20}, "en"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompendiumPages serves the compendium's index and a norm's page
// (page cache off) with 300 and 3,000 good practices: both counted every
// practice per norm on each view; their cost must not grow with the number
// of practices.
func BenchmarkCompendiumPages(b *testing.B) {
	for _, kind := range testrig.DBKinds(b) {
		rig := testrig.NewWith(b, kind, func(c *config.Config) { c.PageCacheMB = 0 })
		svc := service(rig)
		ctx := auth.WithUser(rig.Ctx, rig.User(b, auth.RoleSecretariat, ""))
		h := rig.App.Handler()
		states := []string{"FRA", "KEN", "BRA", "JPN", "CAN", "DEU", "IND", "MEX", "NGA", "AUS"}
		norms := []string{"gge2015-a", "gge2015-b", "gge2015-c", "gge2015-h", "gge2015-j"}
		have := 0
		for _, n := range []int{300, 3000} {
			for r := have / 30; r < n/30; r++ {
				var ms []measure
				for j := range 30 {
					k := fmt.Sprintf("k-%d-%d", r, j)
					ms = append(ms, measure{ID: "m" + k[1:], Key: k, Norm: norms[j%len(norms)], Others: []string{norms[(j+1)%len(norms)]},
						Title: fmt.Sprintf("Measure %d of report %d", j, r), Desc: "A description of the measure.", Type: "policy", Status: "implemented"})
				}
				publish(b, rig, states[r%len(states)], 2015+r/len(states)%10, "public", ms...)
				for j := range 30 {
					if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: fmt.Sprintf("m-%d-%d", r, j)}); err != nil {
						b.Fatal(err)
					}
				}
			}
			have = n
			if kind == "postgres" {
				// As autovacuum would after such a load.
				if _, err := rig.DB.ExecContext(rig.Ctx, `ANALYZE`); err != nil {
					b.Fatal(err)
				}
			}
			for _, path := range []string{"/compendium", "/compendium/norms/gge2015-h"} {
				b.Run(fmt.Sprintf("%s/practices=%d%s", kind, n, path), func(b *testing.B) {
					testrig.BenchGet(b, h, path, "")
				})
			}
		}
	}
}
