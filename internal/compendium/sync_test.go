package compendium_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// jsonCall sends body as JSON with u's token and decodes the answer,
// failing unless the status is want.
func jsonCall(t *testing.T, rig *testrig.Rig, tok string, want int, method, path string, body any) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp := rig.Anonymous(t).Do(t, method, path, string(b), bearer(tok))
	raw := testrig.Body(resp)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return out
}

// searchAPI runs a search through the public API.
func searchAPI(t *testing.T, rig *testrig.Rig, q string) compendium.SearchResults {
	t.Helper()
	resp := rig.Anonymous(t).Get(t, "/api/v1/search?"+q)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("search %s: %d %s", q, resp.StatusCode, testrig.Body(resp))
	}
	return decode[compendium.SearchResults](t, resp)
}

// TestPublicationIsSearchableAtOnce goes through the reporting module's
// own API: a submission enqueues the compendium's sync job for that report,
// so draining the queue (what a worker does within a second) makes the
// measure searchable without the periodic run; a confidential correction
// takes it out the same way.
func TestPublicationIsSearchableAtOnce(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		ap := rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA"))
		day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
		cycle := jsonCall(t, rig, sec, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2026", "opens_on": day(-1), "due_on": day(30), "closes_on": day(60)})
		rep := jsonCall(t, rig, ap, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": cycle["id"]})
		id := rep["id"].(string)
		content := map[string]any{"measures": []map[string]any{{"norm_id": "gge2015-g", "title": "Zebrafish resilience protocol",
			"description": "Operators of water utilities rehearse recovery from incidents twice a year.", "type": "practice", "status": "implemented", "other_norms": []string{"gge2015-f"}}}}
		jsonCall(t, rig, ap, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": rep["revision"], "content": content})
		rig.DrainJobs(t) // the cycle's opening mail, so the next drain runs only what the submission queued
		jsonCall(t, rig, ap, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})

		var queued int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND state = 'queued' AND payload LIKE ?`, compendium.JobSyncSearch, "%"+id+"%").Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued != 1 {
			t.Fatalf("%d sync jobs queued for the report by its submission, want 1", queued)
		}
		if got := searchAPI(t, rig, "q=zebrafish"); len(got.Hits) != 0 {
			t.Fatalf("found before any job ran: %+v", got.Hits)
		}
		rig.DrainJobs(t)
		got := searchAPI(t, rig, "q=zebrafish&kind=measure")
		if len(got.Hits) != 1 || got.Hits[0].State != "FRA" || got.Hits[0].StateName != "France" || got.Hits[0].Year != 2026 ||
			strings.Join(got.Hits[0].Norms, ",") != "gge2015-g,gge2015-f" {
			t.Fatalf("after draining the queue: %+v", got.Hits)
		}
		var indexed int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT version FROM compendium_indexed_reports WHERE report_id = ?`, id).Scan(&indexed); err != nil || indexed != 1 {
			t.Fatalf("indexed version %d (%v), want 1", indexed, err)
		}

		t.Run("a confidential correction leaves the index as promptly", func(t *testing.T) {
			reopened := jsonCall(t, rig, ap, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{"note": "correction"})
			rev := reopened["revision"]
			jsonCall(t, rig, ap, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": rev, "content": content})
			jsonCall(t, rig, ap, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "confidential", "note": "now confidential"})
			rig.DrainJobs(t)
			if got := searchAPI(t, rig, "q=zebrafish"); len(got.Hits) != 0 {
				t.Fatalf("a confidential version is still found: %+v", got.Hits)
			}
		})
	})
}

// TestSyncJobOfOneReport checks that the job's payload limits the work to
// its report and that a second run changes nothing.
func TestSyncJobOfOneReport(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		a := publish(t, rig, "FRA", 2025, "public", measure{ID: "ma", Key: "ka", Norm: "gge2015-c", Title: "Alpha", Desc: "First.", Type: "policy", Status: "implemented"})
		publish(t, rig, "KEN", 2025, "public", measure{ID: "mb", Key: "kb", Norm: "gge2015-c", Title: "Beta", Desc: "Second.", Type: "policy", Status: "implemented"})
		svc := service(rig)
		res, err := svc.SyncReport(rig.Ctx, a)
		if err != nil || res.Reports != 1 || res.Measures != 1 {
			t.Fatalf("sync of one report: %+v %v", res, err)
		}
		if again, err := svc.SyncReport(rig.Ctx, a); err != nil || again != (compendium.SyncResult{}) {
			t.Fatalf("a second sync of the report: %+v %v", again, err)
		}
		if got := searchAPI(t, rig, "q=beta"); len(got.Hits) != 0 {
			t.Fatalf("another report was indexed too: %+v", got.Hits)
		}
		if res, err := svc.SyncSearch(rig.Ctx); err != nil || res.Reports != 1 {
			t.Fatalf("the full sync then indexes the other report only: %+v %v", res, err)
		}
		if _, err := svc.SyncReport(rig.Ctx, ""); err == nil {
			t.Fatal("a sync of no report was accepted")
		}
	})
}
