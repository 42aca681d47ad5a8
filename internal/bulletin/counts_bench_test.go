package bulletin_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// BenchmarkSubscriberCounts reads the list's counts by status, as the
// editor's page does on every view, at two sizes of the list: its time
// should not grow with the number of subscribers. SQLite by default,
// PostgreSQL with CYBERNORMS_BENCH_DB=postgres.
func BenchmarkSubscriberCounts(b *testing.B) {
	kind := os.Getenv("CYBERNORMS_BENCH_DB")
	if kind == "" {
		kind = "sqlite"
	}
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			rig := testrig.NewOn(b, kind)
			svc := bulletinSvc(rig)
			addrs := make([]string, n)
			for i := range addrs {
				addrs[i] = fmt.Sprintf("reader%07d@example.org", i)
			}
			if added, err := svc.BulkConfirmed(rig.Ctx, addrs, "en"); err != nil || added != n {
				b.Fatalf("bulk: %d %v", added, err)
			}
			for b.Loop() {
				counts, err := svc.SubscriberCounts(rig.Ctx)
				if err != nil || counts[bulletin.SubConfirmed] != n {
					b.Fatalf("%v %v", counts, err)
				}
			}
		})
	}
}
