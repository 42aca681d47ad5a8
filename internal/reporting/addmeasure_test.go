package reporting_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestAddAnotherMeasureWithoutJavaScript adds three measures under one
// norm through the section page's "add another measure" button as a
// browser without JavaScript does: each press saves what was typed and
// comes back to the same norm's page, at a new blank measure, keeping
// the blanks left empty.
func TestAddAnotherMeasureWithoutJavaScript(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	ed := rig.SignIn(t, w.fraEdU)
	section := "/reports/" + id + "/edit/gge2015-c"

	page := ed.GetBody(t, section)
	if !strings.Contains(page, `name="add" value="gge2015-c"`) || !strings.Contains(page, `data-blank-measure="gge2015-c"`) || !strings.Contains(page, `src="/static/measures.js"`) {
		t.Fatalf("the section page has no add-another button or blank measure")
	}
	fill := func(f map[string][]string, i, title string) {
		f["m."+i+".title"] = []string{title}
		f["m."+i+".type"] = []string{"policy"}
		f["m."+i+".status"] = []string{"in_progress"}
	}
	post := func(t *testing.T, page string, filled []string, titles []string) string {
		t.Helper()
		f := browserForm(page)
		for i, idx := range filled {
			fill(f, idx, titles[i])
		}
		f.Set("add", "gge2015-c")
		resp := ed.PostForm(t, section, f)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("add another: status %d: %.500s", resp.StatusCode, testrig.Body(resp))
		}
		return resp.Header.Get("Location")
	}

	loc := post(t, page, []string{"0"}, []string{"First"})
	if loc != section+"?blanks=1#m.1.fieldset" {
		t.Fatalf("after adding one: back to %q", loc)
	}
	page = ed.GetBody(t, strings.Split(loc, "#")[0])
	if !strings.Contains(page, `id="m.1.fieldset"`) || !strings.Contains(page, `value="First"`) {
		t.Fatalf("the page does not show the saved measure and a new blank at #m.1.fieldset")
	}
	loc = post(t, page, []string{"1"}, []string{"Second"})
	page = ed.GetBody(t, strings.Split(loc, "#")[0])
	// Ask for three blanks at once, fill one, leave two: the page comes
	// back with the two left blank and one more.
	page = ed.GetBody(t, section+"?blanks=3")
	if n := strings.Count(page, `data-blank-measure="gge2015-c"`); n != 3 || !strings.Contains(page, "New measure 3") {
		t.Fatalf("?blanks=3 shows %d blank measures", n)
	}
	loc = post(t, page, []string{"2"}, []string{"Third"})
	if loc != section+"?blanks=3#m.5.fieldset" {
		t.Errorf("after filling one of three blanks: back to %q", loc)
	}
	v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id+"/measures?norm=gge2015-c", nil)
	var titles []string
	for _, m := range v["items"].([]any) {
		titles = append(titles, m.(map[string]any)["title"].(string))
	}
	if strings.Join(titles, ",") != "First,Second,Third" {
		t.Errorf("measures under (c): %v", titles)
	}
	if big := ed.GetBody(t, section+"?blanks=500"); strings.Count(big, `data-blank-measure="gge2015-c"`) != 20 {
		t.Errorf("?blanks=500 is not capped at 20")
	}
}
