package reporting_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// ulidRE matches the identifiers a run makes, which differ between runs.
var ulidRE = regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`)

// reportBody is the part of a report's page the "report-body" template
// writes: from the first norm's section to the end of the international
// law's, identifiers replaced by "ID".
func reportBody(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `<section class="report-norm"`)
	j := strings.Index(page, `<section aria-labelledby="ilaw">`)
	if i < 0 || j < i {
		t.Fatalf("no report body in the page:\n%s", page)
	}
	k := strings.Index(page[j:], "</section>")
	return ulidRE.ReplaceAllString(page[i:j+k+len("</section>")], "ID")
}

// TestReportBodyBytes keeps the report body's bytes as they were when the
// template read the measures through the embedded Measure and translated
// each cell: work on the template's speed (issue 20) must not change a byte.
// go test -run TestReportBodyBytes -update ./internal/reporting/ rewrites
// the files after a deliberate change to the page.
func TestReportBodyBytes(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	m1 := measure("gge2015-a", `Title with <tags> & "quotes" + plus 'single'`, "implemented")
	m1["other_norms"] = []string{"gge2015-b", "paris-call-1"}
	m2 := measure("gge2015-a", "", "planned")
	m2["date"], m2["other_norms"], m2["links"] = "", []string{}, []map[string]string{{"url": "https://example.org/p?a=1&b=2+3"}, {"url": "https://example.org/y%20z", "label": `L <&> "q"`}}
	m2["description"] = "Tricky <script>alert(1)</script> & \"q\" + 's'\n\n# Heading\n\n- one **bold**\n* two [x](https://example.org/?a=1&b=2)\n\nline one\nline two *it*"
	m3 := measure("gge2015-c", "Third", "in_progress")
	m3["type"], m3["links"] = "cbm", []map[string]string{}
	content := map[string]any{"measures": []any{m1, m2, m3},
		"notes":                     []map[string]string{{"norm_id": "gge2015-a", "challenges": "Too **few** staff & <money>", "capacity_gaps": "- training\n- tools"}},
		"international_law_summary": "International law *applies*.",
		"international_law_links":   []map[string]string{{"url": "https://example.org/ilaw", "label": "Position"}}}
	w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": content})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{"note": "typo"})

	ap := rig.SignIn(t, w.fraApU)
	anon := rig.Anonymous(t)
	for _, c := range []struct {
		name   string
		client *testrig.Client
		path   string
	}{
		{"draft-approver-en", ap, "/reports/" + id + "?lang=en"},
		{"draft-approver-ar", ap, "/reports/" + id + "?lang=ar"},
		{"version1-public-fr", anon, "/reports/" + id + "?lang=fr"},
		{"print-blank-approver-zh", ap, "/reports/" + id + "/print?version=0&blank=1&lang=zh"},
		{"questionnaire-ru", anon, "/reports/questionnaire?lang=ru"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := reportBody(t, c.client.GetBody(t, c.path))
			testrig.Golden(t, "report-body-"+c.name, got)
		})
	}
}
