package reporting_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// savedAtRE matches the time the draft was saved, which differs between
// runs.
var savedAtRE = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2})?`)

// editForm is the part of an edit page that reporting/edit.html writes
// itself: from its heading to the end of the form, identifiers replaced by
// "ID" and the time of the last save by "TIME".
func editForm(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, "<h1>")
	j := -1
	if i >= 0 {
		j = strings.Index(page[i:], `id="save-bottom"`)
	}
	if j < 0 {
		t.Fatalf("no edit form in the page:\n%.2000s", page)
	}
	k := strings.Index(page[i+j:], "</form>")
	return savedAtRE.ReplaceAllString(ulidRE.ReplaceAllString(page[i:i+j+k+len("</form>")], "ID"), "TIME")
}

// TestEditPageBytes keeps the edit form's bytes as they were when the
// template wrote each measure's menus, checkboxes and labels with a call a
// word (issue 20): a norm's section page, a refused save of the whole draft
// and of a section, with their refusals at the fields, and a stale save, in
// English, French and Arabic. go test -run TestEditPageBytes -update
// ./internal/reporting/ rewrites the files after a deliberate change.
func TestEditPageBytes(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	id := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	m1 := measure("gge2015-c", `Title with <tags> & "quotes" + plus 'single'`, "implemented")
	m1["other_norms"] = []string{"gge2015-a", "gge2015-k", "paris-call-1"}
	m2 := measure("gge2015-c", "", "planned")
	m2["type"], m2["date"], m2["other_norms"] = "cbm", "", []string{}
	m2["links"] = []map[string]string{{"url": "https://example.org/p?a=1&b=2+3"}, {"url": "https://example.org/y%20z", "label": `L <&> "q"`}}
	m2["description"] = "Tricky <script>alert(1)</script> & \"q\" + 's'\n\nline two"
	m3 := measure("gge2015-c", "Third", "in_progress")
	m3["type"], m3["links"] = "capacity_building", []map[string]string{}
	m4 := measure("gge2015-a", "Elsewhere", "planned")
	content := map[string]any{"measures": []any{m4, m1, m2, m3},
		"notes":                     []map[string]string{{"norm_id": "gge2015-c", "challenges": "Too **few** staff & <money>", "capacity_gaps": "- training\n- tools"}},
		"international_law_summary": "International law *applies*.",
		"international_law_links":   []map[string]string{{"url": "https://example.org/ilaw", "label": "Position"}}}
	w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": content})

	ed := rig.SignIn(t, w.fraEdU)
	for _, lang := range []string{"en", "fr", "ar"} {
		t.Run("section-"+lang, func(t *testing.T) {
			testrig.Golden(t, "edit-section-"+lang, editForm(t, ed.GetBody(t, "/reports/"+id+"/edit/gge2015-c?lang="+lang)))
		})
	}
	t.Run("section-blanks-en", func(t *testing.T) {
		testrig.Golden(t, "edit-section-blanks-en", editForm(t, ed.GetBody(t, "/reports/"+id+"/edit/gge2015-c?blanks=3&lang=en")))
	})
	t.Run("ilaw-fr", func(t *testing.T) {
		testrig.Golden(t, "edit-ilaw-fr", editForm(t, ed.GetBody(t, "/reports/"+id+"/edit/international-law?lang=fr")))
	})

	// Refused saves: mistakes in every field of a measure (an unknown type
	// and status among them), and a stale revision.
	bad := url.Values{"revision": {"2"}, "count": {"3"},
		"m.0.norm": {"gge2015-c"}, "m.0.title": {strings.Repeat("x", 301)}, "m.0.type": {"bogus"}, "m.0.status": {"nope"}, "m.0.date": {"2025-13"}, "m.0.links": {"www.example.org Our page"}, "m.0.other": {"no-such-norm", "gge2015-b"}, "m.0.description": {"<b>&</b>"},
		"m.1.norm": {"gge2015-c"}, "m.1.title": {"Fine"}, "m.1.type": {"practice"}, "m.1.status": {"planned"}, "m.1.date": {"March 2025"},
		"m.2.norm": {"gge2015-a"}, "m.2.title": {"Act"}, "m.2.type": {""}, "m.2.status": {""}, "m.2.date": {"2025"},
		"notes": {"gge2015-c"}, "n.gge2015-c.challenges": {strings.Repeat("y", 20001)}, "ilaw_links": {"not a url"}}
	stale := url.Values{"revision": {"1"}, "count": {"1"}, "m.0.norm": {"gge2015-c"}, "m.0.title": {"Late"}, "m.0.type": {"policy"}, "m.0.status": {"planned"}}
	for _, lang := range []string{"en", "fr", "ar"} {
		for _, c := range []struct {
			name, path string
			form       url.Values
		}{
			{"refused-whole", "/reports/" + id + "/edit", bad},
			{"refused-section", "/reports/" + id + "/edit/gge2015-c", bad},
			{"stale-section", "/reports/" + id + "/edit/gge2015-c", stale},
		} {
			t.Run(c.name+"-"+lang, func(t *testing.T) {
				resp := ed.PostForm(t, c.path+"?lang="+lang, c.form)
				page := testrig.Body(resp)
				if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusSeeOther {
					t.Fatalf("status %d: the save was not refused", resp.StatusCode)
				}
				testrig.Golden(t, "edit-"+c.name+"-"+lang, editForm(t, page))
			})
		}
	}
}
