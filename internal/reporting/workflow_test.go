package reporting_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// api is a JSON client acting with a personal token (empty: the public).
type apiClient struct {
	c     *testrig.Client
	token string
}

func newAPI(t testing.TB, rig *testrig.Rig, u *auth.User) apiClient {
	a := apiClient{c: rig.Anonymous(t)}
	if u != nil {
		a.token = rig.Token(t, u)
	}
	return a
}

func (a apiClient) do(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b any
	if body != nil {
		switch v := body.(type) {
		case string:
			b = v
		default:
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			b = string(j)
		}
	}
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, method, path, b, h)
	raw := testrig.Body(resp)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return resp.StatusCode, out
}

func (a apiClient) must(t testing.TB, want int, method, path string, body any) map[string]any {
	t.Helper()
	code, out := a.do(t, method, path, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %v", method, path, code, want, out)
	}
	return out
}

func day(d time.Duration) string { return time.Now().UTC().Add(d).Format("2006-01-02") }

// world is a rig with a secretariat, an editor and approver of France and
// of Kenya, and an open cycle.
type world struct {
	rig                        *testrig.Rig
	sec, fraEd, fraAp, kenAp   apiClient
	public                     apiClient
	secU, fraEdU, fraApU, kenU *auth.User
	cycle                      string
}

func newWorld(t *testing.T, rig *testrig.Rig) *world {
	w := &world{rig: rig}
	w.secU = rig.User(t, auth.RoleSecretariat, "")
	w.fraEdU = rig.User(t, auth.RoleStateEditor, "FRA")
	w.fraApU = rig.User(t, auth.RoleStateApprover, "FRA")
	w.kenU = rig.User(t, auth.RoleStateApprover, "KEN")
	w.sec, w.fraEd, w.fraAp, w.kenAp, w.public = newAPI(t, rig, w.secU), newAPI(t, rig, w.fraEdU), newAPI(t, rig, w.fraApU), newAPI(t, rig, w.kenU), newAPI(t, rig, nil)
	c := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2026", "opens_on": day(-24 * time.Hour), "due_on": day(30 * 24 * time.Hour), "closes_on": day(60 * 24 * time.Hour)})
	w.cycle = c["id"].(string)
	return w
}

func measure(norm, title, status string) map[string]any {
	return map[string]any{"norm_id": norm, "title": title, "description": "We **did** it. See [the act](https://example.org/act).", "type": "legislation", "status": status, "date": "2025-03",
		"links": []map[string]string{{"url": "https://example.org/evidence", "label": "Evidence"}}, "other_norms": []string{"gge2015-b"}}
}

func TestReportWorkflowFromDraftToCorrection(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		id := rep["id"].(string)
		rev := int(rep["revision"].(float64))

		t.Run("a second report for the same State and cycle is refused", func(t *testing.T) {
			w.fraAp.must(t, 409, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		})
		content := map[string]any{"measures": []any{measure("gge2015-a", "Cyber act", "implemented"), measure("gge2015-c", "CSIRT", "planned")},
			"notes": []any{map[string]string{"norm_id": "gge2015-c", "challenges": "Few staff", "capacity_gaps": "Forensics"}}, "international_law_summary": "International law applies.", "international_law_links": []any{}}
		saved := w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": rev, "content": content})
		newRev := int(saved["revision"].(float64))

		t.Run("a second editor sees the first's saved changes and who saved them", func(t *testing.T) {
			v := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			if n := len(v["content"].(map[string]any)["measures"].([]any)); n != 2 || v["report"].(map[string]any)["updated_by_name"] != w.fraEdU.Name {
				t.Errorf("approver sees %d measures saved by %v", n, v["report"].(map[string]any)["updated_by_name"])
			}
		})
		t.Run("a stale save is refused naming who saved last, and changes nothing", func(t *testing.T) {
			code, out := w.fraAp.do(t, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": rev, "content": map[string]any{"measures": []any{}}})
			if code != http.StatusConflict {
				t.Fatalf("status %d, want 409: %v", code, out)
			}
			msg := out["error"].(map[string]any)["message"].(string)
			if !strings.Contains(msg, w.fraEdU.Name) {
				t.Errorf("message %q does not name %q", msg, w.fraEdU.Name)
			}
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			if n := len(v["content"].(map[string]any)["measures"].([]any)); n != 2 {
				t.Errorf("draft has %d measures after a refused save, want 2", n)
			}
		})
		t.Run("another State's approver cannot read, save or submit the draft", func(t *testing.T) {
			w.kenAp.must(t, 404, "GET", "/api/v1/reports/"+id, nil)
			w.kenAp.must(t, 404, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": newRev, "content": content})
			w.kenAp.must(t, 404, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		})
		t.Run("the public cannot see the draft", func(t *testing.T) {
			w.public.must(t, 404, "GET", "/api/v1/reports/"+id, nil)
			if n := len(w.public.must(t, 200, "GET", "/api/v1/reports", nil)["items"].([]any)); n != 0 {
				t.Errorf("public list holds %d reports, want 0", n)
			}
		})
		t.Run("the secretariat can read the draft", func(t *testing.T) {
			w.sec.must(t, 200, "GET", "/api/v1/reports/"+id+"?version=0", nil)
		})
		t.Run("an editor cannot submit", func(t *testing.T) {
			w.fraEd.must(t, 403, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		})
		t.Run("an unknown visibility is refused", func(t *testing.T) {
			w.fraAp.must(t, 422, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "secret"})
		})
		v1 := w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		if v1["version"].(float64) != 1 || v1["late"].(bool) {
			t.Fatalf("first version: %v", v1)
		}
		t.Run("the public reads the published version", func(t *testing.T) {
			v := w.public.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			if v["version"].(float64) != 1 {
				t.Errorf("public sees version %v", v["version"])
			}
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM report_measures WHERE report_id = ? AND published = TRUE`, id).Scan(&n); err != nil || n != 2 {
				t.Errorf("published measures: %d, %v", n, err)
			}
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COALESCE(SUM(measures), 0) FROM report_stats WHERE state_iso3 = 'FRA' AND public = TRUE`).Scan(&n); err != nil || n != 2 {
				t.Errorf("stats: %d, %v", n, err)
			}
		})
		t.Run("a submitted version cannot be edited", func(t *testing.T) {
			w.fraEd.must(t, 409, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": newRev + 1, "content": content})
			w.fraEd.must(t, 403, "POST", "/api/v1/reports/"+id+"/reopen", nil)
		})
		r2 := w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{"note": "typo"})
		content["measures"] = []any{measure("gge2015-a", "Cyber act (amended)", "implemented")}
		got := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id+"?version=0", nil)
		ms := got["content"].(map[string]any)["measures"].([]any)
		// Keep the key of the first measure so it counts as changed, not added.
		content["measures"].([]any)[0].(map[string]any)["key"] = ms[0].(map[string]any)["key"]
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(r2["revision"].(float64)), "content": content})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "confidential"})

		t.Run("the old version stays readable and unchanged", func(t *testing.T) {
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id+"/versions/1", nil)
			if n := len(v["content"].(map[string]any)["measures"].([]any)); n != 2 {
				t.Errorf("version 1 has %d measures, want 2", n)
			}
		})
		t.Run("the public sees version 1 only once version 2 is confidential", func(t *testing.T) {
			w.public.must(t, 404, "GET", "/api/v1/reports/"+id+"/versions/2", nil)
			vs := w.public.must(t, 200, "GET", "/api/v1/reports/"+id+"/versions", nil)["items"].([]any)
			if len(vs) != 1 {
				t.Errorf("public sees %d versions, want 1", len(vs))
			}
			var n int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM report_measures WHERE report_id = ? AND published = TRUE`, id).Scan(&n)
			if n != 0 {
				t.Errorf("%d measures still published after a confidential version", n)
			}
		})
		t.Run("the diff with the previous version names added, changed and removed measures", func(t *testing.T) {
			d := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id+"/diff?version=2", nil)
			if d["changed"].(float64) != 1 || d["removed"].(float64) != 1 || d["added"].(float64) != 0 {
				t.Errorf("diff: added %v changed %v removed %v, want 0 1 1", d["added"], d["changed"], d["removed"])
			}
			body := w.fraAp.c.Do(t, "GET", "/reports/"+id+"/diff?version=2", nil, map[string]string{"Authorization": "Bearer " + w.fraAp.token})
			_ = body
		})
		t.Run("the CSV export has a header and a row per measure", func(t *testing.T) {
			resp := w.fraAp.c.Do(t, "GET", "/api/v1/reports/"+id+"/export.csv?version=1", nil, map[string]string{"Authorization": "Bearer " + w.fraAp.token})
			body := testrig.Body(resp)
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "state,cycle,version,record,") || strings.Count(body, "\nFRA,2026,1,measure,") != 2 {
				t.Errorf("csv %d:\n%s", resp.StatusCode, body)
			}
		})
	})
}

func TestCyclesRefuseDraftsOutsideTheirDates(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		closed := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2020", "opens_on": "2020-01-01", "due_on": "2020-06-30", "closes_on": "2020-12-31"})
		code, out := w.fraAp.do(t, "POST", "/api/v1/reports", map[string]any{"cycle_id": closed["id"]})
		if code != http.StatusConflict || !strings.Contains(fmt.Sprint(out), "closed") {
			t.Errorf("closed cycle: %d %v", code, out)
		}
		future := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2099", "opens_on": "2099-01-01", "due_on": "2099-06-30", "closes_on": "2099-12-31"})
		w.fraAp.must(t, 409, "POST", "/api/v1/reports", map[string]any{"cycle_id": future["id"]})
		t.Run("a State user cannot open a cycle", func(t *testing.T) {
			w.fraAp.must(t, 403, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "x", "opens_on": "2030-01-01", "due_on": "2030-01-02", "closes_on": "2030-01-03"})
		})
		t.Run("a due date before the opening is refused", func(t *testing.T) {
			w.sec.must(t, 422, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "bad", "opens_on": "2030-01-02", "due_on": "2030-01-01", "closes_on": "2030-01-03"})
		})
		t.Run("opening a cycle e-mails State users once", func(t *testing.T) {
			rig.DrainJobs(t)
			rig.DrainJobs(t)
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send' AND payload LIKE ?`, "%"+w.fraEdU.Email+"%2026 reporting cycle%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d opening e-mails to the French editor for 2026, want 1", n)
			}
		})
	})
}

func TestHTMLJourneyWithoutJavaScript(t *testing.T) {
	rig := testrig.New(t)
	sec := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	resp := sec.PostForm(t, "/cycles", url.Values{"name": {"2026"}, "opens_on": {day(-24 * time.Hour)}, "due_on": {day(24 * time.Hour)}, "closes_on": {day(48 * time.Hour)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create cycle: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	cyclePath := resp.Header.Get("Location")
	ed := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
	cycleID := strings.TrimPrefix(cyclePath, "/cycles/")
	resp = ed.PostForm(t, "/reports/start", url.Values{"cycle_id": {cycleID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	editPath := resp.Header.Get("Location")
	page := ed.GetBody(t, editPath)
	if !strings.Contains(page, `href="`+editPath+`/gge2015-c"`) {
		t.Fatalf("the task list lacks norm (c)")
	}
	if page := ed.GetBody(t, editPath+"/gge2015-c"); !strings.Contains(page, `name="count" value="1"`) || !strings.Contains(page, `name="m.0.norm" value="gge2015-c"`) {
		t.Fatalf("the page of norm (c) lacks its blank measure")
	}
	form := url.Values{"revision": {"1"}, "count": {"11"}, "m.2.norm": {"gge2015-c"}, "m.2.title": {"National CSIRT"}, "m.2.type": {"institution"}, "m.2.status": {"implemented"}, "m.2.links": {"https://example.org/csirt CSIRT site"}, "ilaw_summary": {"It applies."}}
	resp = ed.PostForm(t, editPath, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	t.Run("a stale form save answers 409 naming the last editor", func(t *testing.T) {
		resp := ed.PostForm(t, editPath, form)
		body := testrig.Body(resp)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, ed.User.Name) {
			t.Errorf("stale save: %d", resp.StatusCode)
		}
	})
	t.Run("a javascript: link is refused with 422 naming the field", func(t *testing.T) {
		bad := url.Values{"revision": {"2"}, "count": {"11"}, "m.0.norm": {"gge2015-a"}, "m.0.title": {"x"}, "m.0.links": {"javascript:alert(1)"}}
		resp := ed.PostForm(t, editPath, bad)
		body := testrig.Body(resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `href="#m.0.links"`) {
			t.Errorf("bad link: %d", resp.StatusCode)
		}
	})
	reportPath := strings.TrimSuffix(editPath, "/edit")
	show := ed.GetBody(t, reportPath)
	if !strings.Contains(show, "National CSIRT") || strings.Contains(show, `action="`+reportPath+`/submit"`) {
		t.Errorf("editor's view of the draft is wrong")
	}
	ap := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	resp = ap.PostForm(t, reportPath+"/submit", url.Values{"visibility": {"public"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	pub := rig.Anonymous(t)
	if body := pub.GetBody(t, reportPath); !strings.Contains(body, "National CSIRT") {
		t.Errorf("public page lacks the measure")
	}
	t.Run("every page renders its strings without formatting errors or missing keys", func(t *testing.T) {
		for _, c := range []*testrig.Client{pub, ed, ap, sec} {
			for _, p := range []string{reportPath, reportPath + "/print", reportPath + "/print?blank=1", reportPath + "/diff", reportPath + "/diff?against=previous-cycle", "/reports", cyclePath, "/reports/questionnaire"} {
				body := c.GetBody(t, p)
				if strings.Contains(body, "%!") || strings.Contains(body, ">reporting.") || strings.Contains(body, " reporting.") {
					i := max(strings.Index(body, "%!"), strings.Index(body, "reporting."))
					t.Errorf("%s: bad string near %q", p, body[max(0, i-80):min(len(body), i+80)])
				}
			}
		}
		for _, p := range []string{reportPath + "/export.json", reportPath + "/export.csv"} {
			pub.GetBody(t, p)
		}
	})
	t.Run("the approver reopens, and the editor's form shows the submitted content", func(t *testing.T) {
		resp := ap.PostForm(t, reportPath+"/reopen", url.Values{"note": {"fix"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reopen: %d", resp.StatusCode)
		}
		body := ed.GetBody(t, editPath+"/gge2015-c")
		if !strings.Contains(body, "National CSIRT") || strings.Contains(body, "%!") {
			t.Errorf("edit form after reopening lacks the measure")
		}
	})
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A measure that also serves a proposed norm, which has no citation like
// "(b)", names it by its short title on the report's page.
func TestOtherNormsWithoutCitationAreNamed(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		id := rep["id"].(string)
		m := measure("gge2015-a", "Cyber act", "implemented")
		m["other_norms"] = []string{"proposed-supply-chain", "gge2015-b"}
		content := map[string]any{"measures": []any{m}, "notes": []any{}, "international_law_summary": "", "international_law_links": []any{}}
		w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(rep["revision"].(float64)), "content": content})
		norm := w.public.must(t, 200, "GET", "/api/v1/norms/proposed-supply-chain", nil)
		title, _ := norm["short_title"].(string)
		page := rig.SignIn(t, w.fraEdU).GetBody(t, "/reports/"+id)
		if want := "<dd>" + template.HTMLEscapeString(title) + ", (b)</dd>"; title == "" || !strings.Contains(page, want) {
			t.Errorf("the other norms are not named %q", want)
		}
	})
}
