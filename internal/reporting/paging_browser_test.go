package reporting_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestReportPagesInBrowser: a public report of three pages passes axe-core
// at 1280 and 390 px in English and Arabic on its first page and one that
// continues a norm, speaks the six languages, does not scroll sideways at
// 390 px in Arabic, and its "next page" leads to the next page.
func TestReportPagesInBrowser(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	w := newWorld(t, rig)
	id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	var ms []any
	for i := range 2*reporting.MeasuresPerPage + 10 {
		ms = append(ms, measure(fmt.Sprintf("gge2015-%c", 'a'+i/50), fmt.Sprintf("Measure %d", i), "planned"))
	}
	w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms}})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	u := rig.URL + "/reports/" + id
	browsertest.AuditPages(t, ctx, "anyone", u, u+"?page=2")
	j := journey{Page: browsertest.Page{T: t, Ctx: ctx}, base: rig.URL}
	j.sixLanguages(u, u+"?page=3")
	j.Do("a phone's width in Arabic", chromedp.EmulateViewport(390, 844), chromedp.Navigate(u+"?page=2&lang=ar"))
	if got := j.Eval(`document.documentElement.scrollWidth <= document.documentElement.clientWidth`); got != "true" {
		t.Errorf("at 390 px in Arabic the report's page scrolls sideways")
	}
	j.Do("back to a laptop in English", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(u+"?lang=en"))
	j.Do("next page", browsertest.Submit(chromedp.CSS(`nav.pager a[rel="next"]`)))
	j.Contains("page 2", "nav.pager", "Page 2 of 3")
	j.Contains("page 2", "main", "Measure 60", "(continued)")
}
