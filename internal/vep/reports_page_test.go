package vep_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

// manyReports publishes, straight into the table, reports of every fifteenth
// State for 2023 to 2025 (not every State every year), figures varied so
// that suppressed and withheld ones occur, and a draft of France's for
// 2026.
func manyReports(t testing.TB, rig *testrig.Rig) {
	t.Helper()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		tx.MarkChanged()
		add := func(id, iso3 string, year int, status string, f vep.Figures, published any) error {
			figs, err := json.Marshal(f)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(rig.Ctx, `INSERT INTO vep_reports (id, state_iso3, year, status, figures, generated_at, generated_by, published_at) VALUES (?, ?, ?, ?, ?, ?, 'u', ?)`,
				id, iso3, year, status, string(figs), at, published)
			return err
		}
		for i, st := range states.All() {
			if i%15 != 0 {
				continue
			}
			for year := 2023; year <= 2025; year++ {
				if (i+year)%4 == 0 {
					continue
				}
				n := (i*7 + year) % 40
				f := vep.Figures{Evaluated: n + 5, Disclosed: n, MitigationsOnly: vep.Fewer, PartnersInformed: n % 9, Retained: (n * 3) % 13,
					Released: vep.Withheld, Reviews: n % 6, ReviewsOnTime: vep.Fewer, MedianDaysNotify: 10 + n, MedianDaysToPatch: 1000 + n*37}
				if err := add(fmt.Sprintf("rep-%s-%d", st.ISO3, year), st.ISO3, year, "published", f, at); err != nil {
					return err
				}
			}
		}
		return add("rep-FRA-draft", "FRA", 2026, "draft", vep.Figures{Evaluated: 777}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReportsPageBytes keeps the bytes of /vep/reports as they were before
// its rows and charts were kept between requests (issue 20): the latest
// year and another, in three languages, and to France's approver (its
// draft and the form). go test -run TestReportsPageBytes -update
// ./internal/vep/ rewrites the files after a deliberate change.
func TestReportsPageBytes(t *testing.T) {
	rig := testrig.NewWith(t, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	manyReports(t, rig)
	anon := rig.Anonymous(t)
	ap := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	for _, c := range []struct {
		name   string
		client *testrig.Client
		path   string
	}{
		{"reports-en", anon, "/vep/reports?lang=en"},
		{"reports-ar", anon, "/vep/reports?lang=ar"},
		{"reports-zh-2023", anon, "/vep/reports?lang=zh&year=2023"},
		{"reports-en-2025", anon, "/vep/reports?lang=en&year=2025"},
		{"reports-approver-fr", ap, "/vep/reports?lang=fr"},
	} {
		testrig.Golden(t, c.name, c.client.GetBody(t, c.path))
		// The second time from what is kept for the language and year.
		testrig.Golden(t, c.name, c.client.GetBody(t, c.path))
	}
	for _, path := range []string{"/vep/reports?year=2026", "/vep/reports?year=2022", "/vep/reports?year=x", "/vep/reports?year=99999999999999999999"} {
		if resp := anon.Get(t, path); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestReportsPageShowsPublicationAtOnce: a report published after the
// page was read is on the next page, in its year's chart too.
func TestReportsPageShowsPublicationAtOnce(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.PageCacheMB = 0 }, func(t *testing.T, rig *testrig.Rig) {
		manyReports(t, rig)
		anon := rig.Anonymous(t)
		row := `<a href="/vep/reports/rep-FRA-draft">France</a>`
		for _, path := range []string{"/vep/reports", "/vep/reports?year=2025"} {
			if page := anon.GetBody(t, path); strings.Contains(page, row) || !strings.Contains(page, `value="2025" selected`) {
				t.Fatalf("%s: a draft is shown, or 2025 is not the year shown", path)
			}
		}
		if resp := anon.Get(t, "/vep/reports?year=2026"); resp.StatusCode != 404 {
			t.Fatalf("2026 before its report: status %d", resp.StatusCode)
		}
		approver := apiClient{rig.Anonymous(t), rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA"))}
		st, body := approver.do(t, "POST", "/api/v1/vep/reports/rep-FRA-draft/publish", nil)
		want(t, "publish", st, 200, body)
		page := anon.GetBody(t, "/vep/reports")
		if !strings.Contains(page, row) || !strings.Contains(page, `value="2026" selected`) {
			t.Error("the page does not show the report just published as the latest year")
		}
		if page := anon.GetBody(t, "/vep/reports?year=2025"); !strings.Contains(page, row) || !strings.Contains(page, `<option value="2026">`) {
			t.Error("2025's page does not list the report just published, or its year")
		}
		if !strings.Contains(anon.GetBody(t, "/vep/reports?year=2026"), row) {
			t.Error("2026's page does not show its report")
		}
	})
}
