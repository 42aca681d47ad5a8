package reporting_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCapacityGapLinksToANewNeed checks that the State's own users find,
// under a capacity gap of their report, a link to the capacity module's
// new-need form for that report and norm, which opens pre-filled, and that
// the public does not.
func TestCapacityGapLinksToANewNeed(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	content := map[string]any{"measures": []any{}, "notes": []any{map[string]string{"norm_id": "gge2015-c", "challenges": "", "capacity_gaps": "Forensics"}},
		"international_law_summary": "", "international_law_links": []any{}}
	w.fraEd.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": int(rep["revision"].(float64)), "content": content})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})

	link := "/capacity/needs/new?report=" + id + "&amp;gap=gge2015-c"
	ed := rig.SignIn(t, w.fraEdU)
	page := ed.GetBody(t, "/reports/"+id)
	if !strings.Contains(page, link) || strings.Count(page, "/capacity/needs/new") != 1 {
		t.Fatalf("the State's report page should link its one gap to a new need (%s)", link)
	}
	resp := ed.Get(t, html.UnescapeString(link))
	if body := testrig.Body(resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Forensics") {
		t.Errorf("the new-need form from the gap: status %d, gap text shown: %v", resp.StatusCode, strings.Contains(body, "Forensics"))
	}
	if strings.Contains(w.public.c.GetBody(t, "/reports/"+id), "/capacity/needs/new") {
		t.Errorf("the public sees the link")
	}
}
