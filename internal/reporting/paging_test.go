package reporting_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestPageSpans(t *testing.T) {
	for _, c := range []struct {
		counts      []int
		start, last []int
		pages       int
	}{
		{[]int{}, nil, nil, 1},
		{[]int{0, 0}, []int{1, 1}, []int{1, 1}, 1},
		{[]int{3, 0, 2}, []int{1, 1, 1}, []int{1, 1, 1}, 1},
		// 10 measures a page: a norm of 12 runs onto page 2; a norm
		// without measures after exactly two pages goes on the last.
		{[]int{12, 8, 0}, []int{1, 2, 2}, []int{2, 2, 2}, 2},
		{[]int{12, 0, 8, 25}, []int{1, 2, 2, 3}, []int{2, 2, 2, 5}, 5},
	} {
		start, last, pages := reporting.PageSpans(c.counts, 10)
		if !slices.Equal(start, c.start) || !slices.Equal(last, c.last) || pages != c.pages {
			t.Errorf("PageSpans(%v) = %v, %v, %d; want %v, %v, %d", c.counts, start, last, pages, c.start, c.last, c.pages)
		}
	}
}

var (
	measureTitleRE = regexp.MustCompile(`<h4>(M-[a-k]-\d+)</h4>`)
	tocLinkRE      = regexp.MustCompile(`<a href="\?page=(\d+)#norm-(gge2015-[a-k])">`)
)

// TestReportPages: a report longer than a page shows a page's worth of
// measures on each page, the pages together show every measure once and
// in order, the contents link to the page where each norm starts, and a
// page number that is not one gives 400, one beyond the last 404. The
// print view stays whole.
func TestReportPages(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	per := reporting.MeasuresPerPage
	// Norm a runs over more than a page, b has none, c a few, d runs over
	// two page breaks; the others have none.
	counts := map[string]int{"a": per + 7, "c": 5, "d": 2*per + 3}
	var ms []any
	var titles []string
	for _, n := range "abcdefghijk" {
		for i := range counts[string(n)] {
			title := fmt.Sprintf("M-%c-%d", n, i)
			ms = append(ms, measure("gge2015-"+string(n), title, "planned"))
			titles = append(titles, title)
		}
	}
	notes := []map[string]string{{"norm_id": "gge2015-a", "challenges": "Challenge of norm a"}}
	w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms, "notes": notes, "international_law_summary": "The position on law."}})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	total := len(titles)
	pages := (total + per - 1) / per

	anon := rig.Anonymous(t)
	var seen []string
	bodies := map[int]string{}
	for p := 1; p <= pages; p++ {
		path := "/reports/" + id + "?page=" + strconv.Itoa(p)
		if p == 1 {
			path = "/reports/" + id // the first page is the report's address
		}
		b := anon.GetBody(t, path)
		bodies[p] = b
		got := measureTitleRE.FindAllStringSubmatch(b, -1)
		if p < pages && len(got) != per || len(got) == 0 || len(got) > per {
			t.Errorf("page %d shows %d measures; a page shows %d", p, len(got), per)
		}
		for _, g := range got {
			seen = append(seen, g[1])
		}
		if !strings.Contains(b, fmt.Sprintf("Page %d of %d", p, pages)) {
			t.Errorf("page %d does not say which page of %d it is", p, pages)
		}
		if (p > 1) != strings.Contains(b, `rel="prev"`) || (p < pages) != strings.Contains(b, `rel="next"`) {
			t.Errorf("page %d: previous/next links wrong", p)
		}
		if !strings.Contains(b, fmt.Sprintf(`aria-label="Page %d" aria-current="page">`, p)) {
			t.Errorf("page %d is not marked current in the list of pages", p)
		}
		if (p == pages) != strings.Contains(b, "The position on law.") {
			t.Errorf("page %d: the position on international law belongs on the last page only", p)
		}
	}
	if !slices.Equal(seen, titles) {
		t.Fatalf("the pages together show %d measures, not the report's %d once each in order:\n%v", len(seen), total, seen)
	}
	// Norm a's notes follow its last measure, on page 2, which continues it.
	if strings.Contains(bodies[1], "Challenge of norm a") || !strings.Contains(bodies[2], "Challenge of norm a") {
		t.Error("norm a's challenges are not on the page of its last measure")
	}
	if !strings.Contains(bodies[2], `<span class="continued">(continued)</span>`) {
		t.Error("page 2 does not mark norm a as continued")
	}

	toc := tocLinkRE.FindAllStringSubmatch(bodies[1], -1)
	if len(toc) != 11 {
		t.Fatalf("the contents link %d norms, not 11", len(toc))
	}
	for _, l := range toc {
		k, _ := strconv.Atoi(l[1])
		b := bodies[k]
		i := strings.Index(b, `<h2 id="norm-`+l[2]+`">`)
		if i < 0 {
			t.Errorf("the contents send %s to page %d, which does not have it", l[2], k)
			continue
		}
		if h := b[i : i+strings.Index(b[i:], "</h2>")]; strings.Contains(h, "continued") {
			t.Errorf("the contents send %s to page %d, which continues it: %s", l[2], k, h)
		}
	}
	if !strings.Contains(bodies[1], `href="?page=2#norm-gge2015-c"`) || !strings.Contains(bodies[1], `href="?page=2#norm-gge2015-d"`) || !strings.Contains(bodies[1], `href="?page=1#norm-gge2015-a"`) {
		t.Error("the contents link norms to the wrong pages")
	}

	for _, c := range []struct {
		page string
		want int
	}{{"abc", http.StatusBadRequest}, {"0", http.StatusBadRequest}, {"-1", http.StatusBadRequest}, {"1.5", http.StatusBadRequest},
		{strconv.Itoa(pages + 1), http.StatusNotFound}, {"99999999999999999999", http.StatusBadRequest}} {
		resp := anon.Get(t, "/reports/"+id+"?page="+c.page)
		b := testrig.Body(resp)
		if resp.StatusCode != c.want || !strings.Contains(b, `role="alert"`) || !strings.Contains(b, "page") {
			t.Errorf("?page=%s: status %d, want %d with the reason: %.300s", c.page, resp.StatusCode, c.want, b)
		}
	}

	print := anon.GetBody(t, "/reports/"+id+"/print")
	if n := len(measureTitleRE.FindAllString(print, -1)); n != total {
		t.Errorf("the print view shows %d measures, not the report's %d", n, total)
	}
}

// TestMeasuresAPIPages walks a report's measures through the API a few at
// a time, all of them and one norm's, and finds each measure of the
// report's content once, in its order, on both databases; a cursor that
// names no measure of the list is refused with 400 naming the cursor.
func TestMeasuresAPIPages(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		var ms []any
		for i, n := range "kacjd" { // out of the norms' order: the list follows the framework's
			for j := range 3 + i {
				ms = append(ms, measure("gge2015-"+string(n), fmt.Sprintf("M-%c-%d", n, j), "planned"))
			}
		}
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms}})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
		whole := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id, nil)["content"].(map[string]any)["measures"].([]any)
		if len(whole) != len(ms) {
			t.Fatalf("the report has %d measures, not %d", len(whole), len(ms))
		}
		walk := func(query string) (keys []string) {
			for cursor, pages := "", 0; pages == 0 || cursor != ""; pages++ {
				page := w.fraAp.must(t, 200, "GET", "/api/v1/reports/"+id+"/measures?limit=4"+query+"&cursor="+cursor, nil)
				for _, m := range page["items"].([]any) {
					keys = append(keys, m.(map[string]any)["key"].(string))
				}
				cursor, _ = page["next_cursor"].(string)
				if pages > len(ms) {
					t.Fatalf("%s: the pages do not end", query)
				}
			}
			return keys
		}
		for _, norm := range []string{"", "gge2015-c", "gge2015-b"} {
			var want []string
			for _, m := range whole {
				if m := m.(map[string]any); norm == "" || m["norm_id"] == norm {
					want = append(want, m["key"].(string))
				}
			}
			query := ""
			if norm != "" {
				query = "&norm=" + norm
			}
			if got := walk(query); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("measures%s walked four at a time:\n%v\nwant\n%v", query, got, want)
			}
		}
		other := whole[0].(map[string]any)
		for _, q := range []string{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("no-such-key")), "norm=gge2015-k&cursor=" + base64.RawURLEncoding.EncodeToString([]byte(other["key"].(string)))} {
			body := w.fraAp.must(t, 400, "GET", "/api/v1/reports/"+id+"/measures?"+q, nil)
			if e, _ := body["error"].(map[string]any); e["field"] != "cursor" {
				t.Errorf("measures?%s: %v, want a refusal naming the cursor", q, body)
			}
		}
	})
}
