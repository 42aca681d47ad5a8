package reporting_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestTaskListEditsOneNormAtATime carries last cycle's report forward and
// works through the task list: carried sections are "to review", each norm
// is saved on its own page and returns there, a section marked completed
// shows so, a section's save leaves the other norms as they were, and the
// task list says what is left.
func TestTaskListEditsOneNormAtATime(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		prev := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2025", "opens_on": day(-48 * time.Hour), "due_on": day(30 * 24 * time.Hour), "closes_on": day(60 * 24 * time.Hour)})
		old := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": prev["id"]})
		content := map[string]any{"measures": []any{measure("gge2015-a", "Cyber act", "implemented"), measure("gge2015-c", "CSIRT", "planned"), measure("gge2015-c", "Exercises", "planned")},
			"notes": []any{}, "international_law_summary": "", "international_law_links": []any{}}
		w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+old["id"].(string)+"/draft", map[string]any{"revision": 1, "content": content})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+old["id"].(string)+"/submit", map[string]any{"visibility": "public"})
		rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle, "carry_forward": true})
		id := rep["id"].(string)
		ed := rig.SignIn(t, w.fraEdU)
		status := func(t *testing.T, page, section string) string {
			t.Helper()
			m := regexp.MustCompile(`id="task-` + regexp.QuoteMeta(section) + `">([^<]*)<`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no status for %s on the task list", section)
			}
			return m[1]
		}

		tasks := ed.GetBody(t, "/reports/"+id+"/edit")
		t.Run("the task list shows every section with its status and what is left", func(t *testing.T) {
			if n := strings.Count(tasks, `class="task-list"`); n != 1 || strings.Count(tasks, `href="/reports/`+id+`/edit/`) != 12 {
				t.Errorf("want one task list of 12 sections (11 norms and international law)")
			}
			if s := status(t, tasks, "gge2015-c"); s != "To review" {
				t.Errorf("carried-forward (c) is %q", s)
			}
			if s := status(t, tasks, "gge2015-b"); s != "Not started" {
				t.Errorf("(b) is %q", s)
			}
			if !strings.Contains(tasks, "Norms without any measure: 9") || !strings.Contains(tasks, "Completed: 0 of 12 sections") {
				t.Errorf("the task list does not say what is left")
			}
			if strings.Contains(tasks, `name="m.0.title"`) {
				t.Errorf("the task list holds the form")
			}
		})

		page := ed.GetBody(t, "/reports/"+id+"/edit/gge2015-c")
		form := browserForm(page)
		t.Run("a norm's page holds that norm only and posts to itself", func(t *testing.T) {
			if !strings.Contains(page, `action="/reports/`+id+`/edit/gge2015-c"`) || form.Get("count") != "3" || strings.Contains(page, "Cyber act") || !strings.Contains(page, "CSIRT") {
				t.Errorf("the (c) page: count %s", form.Get("count"))
			}
			if strings.Contains(page, `name="ilaw_summary"`) || !strings.Contains(page, `href="/reports/`+id+`/edit/gge2015-d"`) {
				t.Errorf("the (c) page shows the position, or does not lead to (d)")
			}
		})
		form.Set("m.2.title", "Cyber range")
		form.Set("m.2.type", "practice")
		form.Set("m.2.status", "implemented")
		form.Set("completed", "1")
		resp := ed.PostForm(t, "/reports/"+id+"/edit/gge2015-c", form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/reports/"+id+"/edit/gge2015-c" {
			t.Fatalf("saving (c): %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		t.Run("saving a norm keeps the other norms and marks it completed", func(t *testing.T) {
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			var titles []string
			for _, m := range v["content"].(map[string]any)["measures"].([]any) {
				titles = append(titles, m.(map[string]any)["title"].(string))
			}
			if strings.Join(titles, ",") != "Cyber act,CSIRT,Exercises,Cyber range" {
				t.Errorf("measures after saving (c): %v", titles)
			}
			tasks := ed.GetBody(t, "/reports/"+id+"/edit")
			if s := status(t, tasks, "gge2015-c"); s != "Completed" {
				t.Errorf("(c) is %q", s)
			}
			if s := status(t, tasks, "gge2015-a"); s != "To review" {
				t.Errorf("(a) is %q", s)
			}
			if !strings.Contains(tasks, "Completed: 1 of 12 sections") {
				t.Errorf("completed count not shown")
			}
		})
		t.Run("a norm saved without marking it is in progress", func(t *testing.T) {
			f := browserForm(ed.GetBody(t, "/reports/"+id+"/edit/gge2015-a"))
			if resp := ed.PostForm(t, "/reports/"+id+"/edit/gge2015-a", f); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving (a): %d", resp.StatusCode)
			}
			if s := status(t, ed.GetBody(t, "/reports/"+id+"/edit"), "gge2015-a"); s != "In progress" {
				t.Errorf("(a) is %q", s)
			}
		})
		t.Run("a section refuses another norm's measures and unknown sections", func(t *testing.T) {
			f := browserForm(ed.GetBody(t, "/reports/"+id+"/edit/gge2015-b"))
			f.Set("m.0.norm", "gge2015-c")
			f.Set("m.0.title", "Smuggled")
			if resp := ed.PostForm(t, "/reports/"+id+"/edit/gge2015-b", f); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("another norm's measure: %d", resp.StatusCode)
			}
			if resp := ed.Get(t, "/reports/"+id+"/edit/nonsense"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("unknown section: %d", resp.StatusCode)
			}
			if resp := w.kenAp.c.Get(t, "/reports/"+id+"/edit/gge2015-a"); resp.StatusCode == http.StatusOK {
				t.Errorf("the public reads a section page")
			}
		})
		t.Run("the international-law section saves the position alone", func(t *testing.T) {
			f := browserForm(ed.GetBody(t, "/reports/"+id+"/edit/international-law"))
			f.Set("ilaw_summary", "International law applies.")
			if resp := ed.PostForm(t, "/reports/"+id+"/edit/international-law", f); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("saving the position: %d", resp.StatusCode)
			}
			v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil)
			c := v["content"].(map[string]any)
			if c["international_law_summary"] != "International law applies." || len(c["measures"].([]any)) != 4 {
				t.Errorf("after saving the position: %v, %d measures", c["international_law_summary"], len(c["measures"].([]any)))
			}
		})
		t.Run("submitting ends the draft's task list", func(t *testing.T) {
			w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
			w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{})
			if s := status(t, ed.GetBody(t, "/reports/"+id+"/edit"), "gge2015-c"); s != "In progress" {
				t.Errorf("after a reopening (c) is %q", s)
			}
		})
	})
}
