package contacts_test

import (
	"io"
	"net/http"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// BenchmarkPages times, uncached (no page cache), a State's page (as the
// public and as a signed-in State user, who also reads the directory) and
// a round's public results (HTML and JSON) on the contacts demo: 140 States'
// contacts, four quarterly rounds, 40 requests. The contacts' tables do not
// grow with the demo's scale, which only adds other modules' rows. It
// reports the median per request (ms-median) besides Go's mean.
// CYBERNORMS_BENCH_DB=postgres runs it on PostgreSQL.
func BenchmarkPages(b *testing.B) {
	kind := "sqlite"
	if os.Getenv("CYBERNORMS_BENCH_DB") == "postgres" {
		kind = "postgres"
	}
	rig := testrig.NewWith(b, kind, func(c *config.Config) { c.PageCacheMB = 0 })
	if err := contacts.GenerateDemo(rig.Ctx, rig.App.Services, demo.RNG(1, "contacts"), 1, func(string) {}); err != nil {
		b.Fatal(err)
	}
	var rid string
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT id FROM contacts_rounds ORDER BY started_at DESC LIMIT 1`).Scan(&rid); err != nil {
		b.Fatal(err)
	}
	public := rig.Anonymous(b)
	state := rig.SignIn(b, rig.User(b, auth.RoleStateApprover, "KEN"))
	for _, c := range []struct {
		name   string
		client *testrig.Client
		path   string
	}{
		{"StatePage/public", public, "/contacts/states/FRA"},
		{"StatePage/state-user", state, "/contacts/states/FRA"},
		{"RoundResults/html", public, "/contacts/rounds/" + rid},
		{"RoundResults/json", public, "/api/v1/contacts/rounds/" + rid},
		{"RoundResults/csv", public, "/contacts/rounds/" + rid + "/results.csv"},
		{"Rounds", public, "/contacts/rounds"},
		{"Coverage", public, "/contacts"},
		{"RequestStatistics", public, "/api/v1/contacts/requests/statistics"},
	} {
		b.Run(c.name, func(b *testing.B) {
			get := func() {
				resp, err := c.client.Client.Get(rig.URL + c.path)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", c.path, resp.StatusCode)
				}
			}
			get()
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				get()
				times = append(times, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "ms-p95")
		})
	}
}
