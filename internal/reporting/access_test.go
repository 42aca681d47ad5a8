package reporting_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestEveryReportRouteObeysTheRowRules reads every page and API route of a
// draft, a confidential and a public report as each kind of user: the
// State's own users and the secretariat see everything; another State and
// the public see only the public report, and "not found" for the rest.
func TestEveryReportRouteObeysTheRowRules(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		// France: a public report in 2025 and a draft in 2026; Kenya: a confidential report in 2026.
		prev := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2025", "opens_on": day(-48 * time.Hour), "due_on": day(24 * time.Hour), "closes_on": day(48 * time.Hour)})
		pub := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": prev["id"]})["id"].(string)
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+pub+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{measure("gge2015-a", "Public measure", "implemented")}}})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+pub+"/submit", map[string]any{"visibility": "public"})
		draft := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		conf := w.kenAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.kenAp.must(t, 200, "PUT", "/api/v1/reports/"+conf+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{measure("gge2015-b", "Secret measure", "planned")}}})
		w.kenAp.must(t, 201, "POST", "/api/v1/reports/"+conf+"/submit", map[string]any{"visibility": "confidential"})

		stakeholder := newAPI(t, rig, rig.User(t, auth.RoleStakeholder, ""))
		routes := []string{"/api/v1/reports/%s", "/api/v1/reports/%s/versions", "/api/v1/reports/%s/measures", "/api/v1/reports/%s/diff", "/api/v1/reports/%s/export.csv",
			"/reports/%s", "/reports/%s/print", "/reports/%s/diff", "/reports/%s/export.json", "/reports/%s/export.csv"}
		type who struct {
			name string
			c    apiClient
		}
		for _, tc := range []struct {
			report string
			kind   string
			see    []who
			blind  []who
		}{
			{pub, "a public report", []who{{"the public", w.public}, {"a stakeholder", stakeholder}, {"another State", w.kenAp}, {"the secretariat", w.sec}, {"its State", w.fraEd}}, nil},
			{draft, "a draft", []who{{"its editor", w.fraEd}, {"its approver", w.fraAp}, {"the secretariat", w.sec}}, []who{{"the public", w.public}, {"a stakeholder", stakeholder}, {"another State", w.kenAp}}},
			{conf, "a confidential report", []who{{"its approver", w.kenAp}, {"the secretariat", w.sec}}, []who{{"the public", w.public}, {"a stakeholder", stakeholder}, {"another State", w.fraAp}}},
		} {
			for _, p := range routes {
				path := fmt.Sprintf(p, tc.report)
				for _, u := range tc.see {
					t.Run(u.name+" reads "+tc.kind+" at "+p, func(t *testing.T) {
						if code, out := u.c.do(t, "GET", path, nil); code != http.StatusOK {
							t.Errorf("status %d: %v", code, out)
						}
					})
				}
				for _, u := range tc.blind {
					t.Run(u.name+" gets 404 for "+tc.kind+" at "+p, func(t *testing.T) {
						resp := u.c.c.Do(t, "GET", path, nil, map[string]string{"Authorization": "Bearer " + u.c.token})
						body := testrig.Body(resp)
						if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Secret measure") {
							t.Errorf("status %d", resp.StatusCode)
						}
					})
				}
			}
		}
		t.Run("the public list names no draft or confidential report", func(t *testing.T) {
			items := w.public.must(t, 200, "GET", "/api/v1/reports", nil)["items"].([]any)
			if len(items) != 1 || items[0].(map[string]any)["id"] != pub {
				t.Errorf("public list: %v", items)
			}
		})
		t.Run("the cycle page counts the confidential report without naming Kenya", func(t *testing.T) {
			body := testrig.Body(w.public.c.Get(t, "/cycles/"+w.cycle))
			if strings.Contains(body, "Kenya") || !strings.Contains(body, "1 confidential") {
				t.Errorf("cycle page leaks or miscounts")
			}
		})
		t.Run("another State cannot edit through the pages", func(t *testing.T) {
			ken := rig.SignIn(t, w.kenU)
			if resp := ken.Get(t, "/reports/"+draft+"/edit"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET edit: %d", resp.StatusCode)
			}
			if resp := ken.PostForm(t, "/reports/"+draft+"/edit", nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("POST edit: %d", resp.StatusCode)
			}
			if resp := ken.PostForm(t, "/reports/"+pub+"/reopen", nil); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
				t.Errorf("reopen another State's public report: %d", resp.StatusCode)
			}
		})
		t.Run("the secretariat reads but cannot edit a State's draft", func(t *testing.T) {
			w.sec.must(t, 403, "PUT", "/api/v1/reports/"+draft+"/draft", map[string]any{"revision": 1, "content": map[string]any{}})
		})
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		id := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{measure("gge2015-a", "Original", "planned")}}})
		snapshot := func() string {
			var rev, n int
			var title string
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT r.revision, (SELECT COUNT(*) FROM report_measures WHERE report_id = r.id), (SELECT MIN(title) FROM report_measures WHERE report_id = r.id) FROM reports r WHERE r.id = ?`, id).Scan(&rev, &n, &title); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(rev, n, title)
		}
		before := snapshot()
		bad := func(m map[string]any) string {
			return fmt.Sprintf(`{"revision":2,"content":{"measures":[%s]}}`, mustJSON(t, m))
		}
		big := measure("gge2015-a", strings.Repeat("x", 301), "planned")
		for _, tc := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"an oversized title", bad(big), 422, "measures[0].title"},
			{"an invalid link", bad(map[string]any{"norm_id": "gge2015-a", "links": []any{map[string]string{"url": "javascript:alert(1)"}}}), 422, "measures[0].links[0].url"},
			{"an unknown norm", bad(map[string]any{"norm_id": "gge2015-z"}), 422, "measures[0].norm_id"},
			{"an unknown type", bad(map[string]any{"norm_id": "gge2015-a", "type": "treaty"}), 422, "measures[0].type"},
			{"an unknown field", `{"revision":2,"content":{"measures":[{"norm_id":"gge2015-a","colour":"red"}]}}`, 422, "colour"},
			{"malformed JSON", `{"revision":2,`, 400, ""},
			{"a body over the limit", `{"revision":2,"content":{"international_law_summary":"` + strings.Repeat("a", 9<<20) + `"}}`, 413, ""},
		} {
			t.Run(tc.name+" is refused", func(t *testing.T) {
				code, out := w.fraEd.do(t, "PUT", "/api/v1/reports/"+id+"/draft", tc.body)
				if code != tc.status {
					t.Fatalf("status %d, want %d: %v", code, tc.status, out)
				}
				if tc.field != "" {
					if f := out["error"].(map[string]any)["field"]; f != tc.field {
						t.Errorf("field %v, want %s", f, tc.field)
					}
				}
				if after := snapshot(); after != before {
					t.Errorf("draft changed: %s → %s", before, after)
				}
			})
		}
		t.Run("an unknown cycle is refused when starting", func(t *testing.T) {
			w.kenAp.must(t, 422, "POST", "/api/v1/reports", map[string]any{"cycle_id": "nope"})
		})
		t.Run("a bad version parameter is a 400", func(t *testing.T) {
			w.fraEd.must(t, 400, "GET", "/api/v1/reports/"+id+"?version=abc", nil)
		})
	})
}

func TestCarryForwardAndPreviousCycleDiff(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		old := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2025", "opens_on": day(-30 * 24 * time.Hour), "due_on": day(-2 * 24 * time.Hour), "closes_on": day(5 * 24 * time.Hour)})
		r1 := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": old["id"]})["id"].(string)
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+r1+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{measure("gge2015-a", "Kept", "planned"), measure("gge2015-b", "Dropped", "planned")}}})
		v := w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+r1+"/submit", map[string]any{"visibility": "public"})
		t.Run("a submission after the due date is accepted and marked late", func(t *testing.T) {
			if v["late"] != true {
				t.Errorf("late = %v", v["late"])
			}
		})
		t.Run("carrying forward without an earlier report is refused", func(t *testing.T) {
			w.kenAp.must(t, 422, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle, "carry_forward": true})
		})
		r2 := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle, "carry_forward": true})
		if r2["started_from"] != r1 {
			t.Fatalf("started_from %v", r2["started_from"])
		}
		id := r2["id"].(string)
		view := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
		ms := view["content"].(map[string]any)["measures"].([]any)
		if len(ms) != 2 {
			t.Fatalf("carried %d measures, want 2", len(ms))
		}
		kept := ms[0].(map[string]any)
		kept["status"] = "implemented"
		added := measure("gge2015-c", "Added", "planned")
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(view["report"].(map[string]any)["revision"].(float64)), "content": map[string]any{"measures": []any{kept, added}}})
		d := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id+"/diff?against=previous-cycle", nil)
		if d["added"].(float64) != 1 || d["changed"].(float64) != 1 || d["removed"].(float64) != 1 {
			t.Errorf("diff against 2025: %v added, %v changed, %v removed; want 1 each", d["added"], d["changed"], d["removed"])
		}
		if body := testrig.Body(w.fraAp.c.Do(t, "GET", "/reports/"+id+"/diff?against=previous-cycle", nil, map[string]string{"Authorization": "Bearer " + w.fraAp.token})); !strings.Contains(body, "Dropped") || !strings.Contains(body, "Added") {
			t.Errorf("diff page lacks the added and removed measures")
		}
	})
}

func TestReminderGoesOnlyToStatesThatHaveNotSubmitted(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE jobs SET run_at = ? WHERE kind = 'reporting.reminder'`, time.Now().UTC().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		rig.DrainJobs(t)
		count := func(email string) int {
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send' AND payload LIKE ? AND payload LIKE '%Reminder%'`, "%"+email+"%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(w.kenU.Email); n != 1 {
			t.Errorf("Kenya's approver got %d reminders, want 1", n)
		}
		if n := count(w.fraApU.Email); n != 0 {
			t.Errorf("France, which submitted, got %d reminders", n)
		}
	})
}
