package positions_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestGenerateDemo(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		if err := positions.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(s string) { t.Log(s) }); err != nil {
			t.Fatal(err)
		}
		checkTopicCounts(t, rig)
		var states int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(DISTINCT state_iso3) FROM positions_documents WHERE status = 'published' AND kind = 'national'`).Scan(&states); err != nil {
			t.Fatal(err)
		}
		if states != 40 {
			t.Errorf("%d States with a published position, want 40", states)
		}
		c := rig.Anonymous(t)
		if page := c.GetBody(t, "/positions/topics/due-diligence"); !strings.Contains(page, "Common African Position") {
			t.Error("the joint position is not on the due diligence page")
		}
		var ds struct {
			Documents []struct{ Status string }
			Proposals []struct {
				Counts map[string]int
			}
		}
		decode(t, c.Get(t, "/api/v1/positions/export"), &ds)
		if len(ds.Documents) != 49 || len(ds.Proposals) != 3 {
			t.Errorf("export: %d documents, %d proposals; want 49 published or superseded and 3", len(ds.Documents), len(ds.Proposals))
		}
		checkDocumentPages(t, c, len(ds.Documents))
		for _, p := range ds.Proposals {
			if stated := 195 - p.Counts["not-stated"]; stated < 100 || stated > 125 {
				t.Errorf("a proposal has %d States' positions, want about 120", stated)
			}
		}
		for _, table := range []string{"passages", "stances", "endorsements", "proposal-positions"} {
			if body := c.GetBody(t, "/api/v1/positions/export.csv?table="+table); strings.Count(body, "\n") < 10 {
				t.Errorf("export.csv?table=%s has %d lines", table, strings.Count(body, "\n"))
			}
		}
		if r := c.Get(t, "/api/v1/positions/export.csv?table=secrets"); r.StatusCode != 422 {
			t.Errorf("unknown table: %d", r.StatusCode)
		}
		// The list's and a norm page's counts, read grouped, are the
		// consensus view's, read from each proposal's history.
		props, err := positions.Proposals(rig.Ctx, rig.DB)
		if err != nil {
			t.Fatal(err)
		}
		all, err := positions.ProposalCounts(rig.Ctx, rig.DB, "")
		if err != nil {
			t.Fatal(err)
		}
		svc := positions.NewService(rig.App.Services)
		for _, p := range props {
			view, err := svc.ConsensusView(rig.Ctx, p.ID, "en")
			if err != nil {
				t.Fatal(err)
			}
			one, err := positions.ProposalCounts(rig.Ctx, rig.DB, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprint(view.Counts); fmt.Sprint(all[p.ID]) != want || fmt.Sprint(one[p.ID]) != want {
				t.Errorf("%s: counts %v (all), %v (one); the consensus view's %s", p.ID, all[p.ID], one[p.ID], want)
			}
			if page := c.GetBody(t, "/positions/proposals"); !strings.Contains(page, p.Title) {
				t.Errorf("the list of proposals lacks %q", p.Title)
			}
		}
		if page := c.GetBody(t, "/positions/proposals/supply-chain"); !strings.Contains(page, "What stands between") {
			t.Error("the consensus view lacks its obstacles")
		}
		if page := c.GetBody(t, "/positions/states/BRA"); strings.Contains(page, "under interministerial review") {
			t.Error("a draft is shown to the public")
		}
	})
}

// checkDocumentPages walks /api/v1/positions/documents a few documents at a
// time: every published or superseded document once, newest first, as
// many as the export holds; a bad cursor or limit is refused.
func checkDocumentPages(t *testing.T, c *testrig.Client, want int) {
	t.Helper()
	seen := map[string]bool{}
	last, cursor, pages := "9999-99-99", "", 0
	for {
		var page struct {
			Items []struct {
				ID, Status string
				Issued     string `json:"issued_on"`
			}
			NextCursor string `json:"next_cursor"`
		}
		u := "/api/v1/positions/documents?limit=7"
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		decode(t, c.Get(t, u), &page)
		pages++
		for _, d := range page.Items {
			if seen[d.ID] || d.Issued > last || d.Status == "draft" {
				t.Fatalf("page %d: %s (%s, %s) repeated, out of order or a draft", pages, d.ID, d.Issued, d.Status)
			}
			seen[d.ID], last = true, d.Issued
		}
		if page.NextCursor == "" {
			break
		}
		if len(page.Items) != 7 || pages > want {
			t.Fatalf("page %d: %d items with a next cursor", pages, len(page.Items))
		}
		cursor = page.NextCursor
	}
	if len(seen) != want || pages != (want+6)/7 {
		t.Errorf("%d documents in %d pages of 7; the export has %d", len(seen), pages, want)
	}
	var all struct{ Items []struct{ ID string } }
	decode(t, c.Get(t, "/api/v1/positions/documents"), &all)
	if len(all.Items) != min(want, 50) {
		t.Errorf("the first page has %d documents, want %d (at most 50 by default)", len(all.Items), min(want, 50))
	}
	for _, q := range []string{"limit=0", "limit=201", "cursor=bm90LWEtY3Vyc29y", "cursor=%21"} {
		var e struct{ Error struct{ Field string } }
		r := c.Get(t, "/api/v1/positions/documents?"+q)
		decode(t, r, &e)
		if field := strings.SplitN(q, "=", 2)[0]; r.StatusCode != 400 || e.Error.Field != field {
			t.Errorf("?%s: %d, field %q; want 400 on %s", q, r.StatusCode, e.Error.Field, field)
		}
	}
}
