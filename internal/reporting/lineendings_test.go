package reporting_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/migrations"
)

var (
	inputRE    = regexp.MustCompile(`<input ([^>]*)>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea ([^>]*)>(.*?)</textarea>`)
	selectRE   = regexp.MustCompile(`(?s)<select ([^>]*)>(.*?)</select>`)
	optionRE   = regexp.MustCompile(`<option value="([^"]*)"( selected)?`)
	attrRE     = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
)

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	if strings.Contains(s, " checked") {
		out["checked"] = "checked"
	}
	return out
}

// browserForm reads the form of a page as a browser would post it without
// any edit: every named input (checkboxes only when checked), every
// textarea with its line endings turned into CRLF (as the HTML standard
// says a textarea is submitted) and every selected option. Buttons are not
// sent.
func browserForm(page string) url.Values {
	f := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		if a["name"] == "" || a["type"] == "submit" || (a["type"] == "checkbox" && a["checked"] == "") {
			continue
		}
		f.Add(a["name"], a["value"])
	}
	for _, m := range textareaRE.FindAllStringSubmatch(page, -1) {
		v := strings.TrimPrefix(html.UnescapeString(m[2]), "\n")
		f.Add(attrs(m[1])["name"], strings.ReplaceAll(v, "\n", "\r\n"))
	}
	for _, m := range selectRE.FindAllStringSubmatch(page, -1) {
		name := attrs(m[1])["name"]
		for _, o := range optionRE.FindAllStringSubmatch(m[2], -1) {
			if o[2] != "" {
				f.Add(name, html.UnescapeString(o[1]))
			}
		}
	}
	return f
}

// TestSavingTheFormUnchangedChangesNothingInTheComparison saves every
// section's edit form back exactly as a browser posts it (textareas with CRLF) and
// checks that the comparison with the previous version, for the State and
// for the public, lists no change: multi-line text is stored with LF
// whichever way it came in.
func TestSavingTheFormUnchangedChangesNothingInTheComparison(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		id := rep["id"].(string)
		multi := func(norm, title string) map[string]any {
			m := measure(norm, title, "implemented")
			m["description"] = "First paragraph.\n\n- one\n- two\nLast line."
			return m
		}
		content := map[string]any{"measures": []any{multi("gge2015-a", "Cyber act"), multi("gge2015-c", "CSIRT"), multi("gge2015-c", "Exercises")},
			"notes":                     []any{map[string]string{"norm_id": "gge2015-c", "challenges": "Few staff.\nFew funds.", "capacity_gaps": "Forensics.\nMalware analysis."}},
			"international_law_summary": "International law applies.\n\nIn full.", "international_law_links": []any{}}
		w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(rep["revision"].(float64)), "content": content})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{})

		ed := rig.SignIn(t, w.fraEdU)
		sections := regexp.MustCompile(`href="(/reports/`+id+`/edit/[^"]+)"`).FindAllStringSubmatch(ed.GetBody(t, "/reports/"+id+"/edit"), -1)
		if len(sections) != 12 {
			t.Fatalf("%d sections on the task list", len(sections))
		}
		for _, sec := range sections {
			form := browserForm(ed.GetBody(t, sec[1]))
			if sec[1] == "/reports/"+id+"/edit/international-law" && !strings.Contains(form.Get("ilaw_summary"), "\r\n") {
				t.Fatalf("the form as posted should carry CRLF line endings: %q", form.Get("ilaw_summary"))
			}
			if resp := ed.PostForm(t, sec[1], form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving %s unchanged: status %d: %s", sec[1], resp.StatusCode, testrig.Body(resp))
			}
		}
		noChange := func(t *testing.T, d map[string]any) {
			t.Helper()
			if d["added"].(float64) != 0 || d["changed"].(float64) != 0 || d["removed"].(float64) != 0 || d["international_law_changed"] != false {
				t.Errorf("comparison after an unchanged save: %v", d)
			}
			for _, n := range d["norms"].([]any) {
				if n.(map[string]any)["notes_changed"] == true {
					t.Errorf("notes changed: %v", n)
				}
			}
		}
		t.Run("the draft saved unchanged compares equal to the version it came from", func(t *testing.T) {
			noChange(t, w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id+"/diff?version=0", nil))
		})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public", "note": "No change."})
		t.Run("the public comparison of the new version lists no change", func(t *testing.T) {
			d := w.public.must(t, 200, "GET", "/api/v1/reports/"+id+"/diff", nil)
			if d["to"].(map[string]any)["version"].(float64) != 2 {
				t.Fatalf("public diff is not of version 2: %v", d["to"])
			}
			noChange(t, d)
			if page := w.public.c.GetBody(t, "/reports/"+id+"/diff"); strings.Contains(page, "description") {
				t.Errorf("the public comparison page names a changed description")
			}
		})
		t.Run("the line-endings migration repairs texts stored with CRLF", func(t *testing.T) {
			ctx := rig.Ctx
			for _, q := range []string{
				`UPDATE report_measures SET description = 'a' || ? || 'b' || ? || 'c' WHERE report_id = ?`,
				`UPDATE report_norm_notes SET challenges = 'a' || ? || 'b' || ? || 'c', capacity_gaps = 'a' || ? || 'b' || ? || 'c' WHERE report_id = ?`,
			} {
				args := []any{"\r\n", "\r", id}
				if strings.Contains(q, "capacity_gaps") {
					args = []any{"\r\n", "\r", "\r\n", "\r", id}
				}
				if _, err := rig.DB.ExecContext(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			sqlText, err := migrations.FS.ReadFile("0202_report_line_endings." + string(rig.DB.Dialect) + ".sql")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rig.DB.SQL.ExecContext(ctx, string(sqlText)); err != nil {
				t.Fatal(err)
			}
			var bad int
			if err := rig.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_measures WHERE report_id = ? AND description <> ?`, id, "a\nb\nc").Scan(&bad); err != nil || bad != 0 {
				t.Errorf("%d descriptions not repaired (%v)", bad, err)
			}
			if err := rig.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM report_norm_notes WHERE report_id = ? AND (challenges <> ? OR capacity_gaps <> ?)`, id, "a\nb\nc", "a\nb\nc").Scan(&bad); err != nil || bad != 0 {
				t.Errorf("%d notes not repaired (%v)", bad, err)
			}
		})
	})
}
