package reporting_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fullReport makes a public report with perNorm measures under each of the
// eleven norms, reopens it for a correction (so the State's own
// users see the draft, everyone else the submitted version) with a comment
// on its thread, and returns its id and an approver's API token.
func fullReport(b *testing.B, rig *testrig.Rig, perNorm int) (id, approver string) {
	sec := newAPI(b, rig, rig.User(b, auth.RoleSecretariat, ""))
	ap := newAPI(b, rig, rig.User(b, auth.RoleStateApprover, "FRA"))
	c := sec.must(b, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": fmt.Sprintf("2026 (%d a norm)", perNorm), "opens_on": day(-24 * time.Hour), "due_on": day(24 * time.Hour), "closes_on": day(48 * time.Hour)})
	id = ap.must(b, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": c["id"]})["id"].(string)
	var ms []any
	for _, n := range "abcdefghijk" {
		for i := range perNorm {
			m := measure("gge2015-"+string(n), fmt.Sprintf("Measure %c%d", n, i), []string{"planned", "in_progress", "implemented"}[i%3])
			m["description"] = strings.Repeat("The national CERT coordinates **incident response** with [partners](https://example.org). ", 4) + "\n\n- one\n- two"
			ms = append(ms, m)
		}
	}
	ap.must(b, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms}})
	ap.must(b, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	ap.must(b, 200, "POST", "/api/v1/reports/"+id+"/reopen", map[string]any{"note": "typo"})
	ap.must(b, 201, "POST", "/api/v1/reports/"+id+"/comments", map[string]any{"body": "Please check the dates under norm C."})
	return id, ap.token
}

// BenchmarkReportPage renders the page of a report of 220 measures (scale 1
// of the demo: DemoMeasuresPerNorm under each norm) and of 902 (about scale
// 10's) through the whole handler stack (middleware, row rules, queries,
// template): the draft to the State's approver (with the comment thread and
// the submit form), the case the load test finds slowest; its first page,
// its third, its print view, the task list and a norm's section editor. The page shows measuresPerPage measures, so its cost
// should not grow with the report; nor should a page of the measures in
// the API; the print view and the exports stay whole.
func BenchmarkReportPage(b *testing.B) {
	rig := testrig.New(b)
	for _, perNorm := range []int{reporting.DemoMeasuresPerNorm, 82} {
		id, approver := fullReport(b, rig, perNorm)
		h := rig.App.Handler()
		// An anonymous reader's page comes from the page cache after the
		// first view: the approver's is rendered every time.
		for _, c := range []struct{ path, token string }{
			{"/reports/" + id, approver}, {"/reports/" + id + "?page=3", approver}, {"/reports/" + id + "/print", approver},
			{"/reports/" + id + "/edit", approver}, {"/reports/" + id + "/edit/gge2015-c", approver},
			{"/api/v1/reports/" + id + "/measures", approver}, {"/api/v1/reports/" + id + "/measures?norm=gge2015-k", approver},
		} {
			name := fmt.Sprintf("%d", perNorm*11) + c.path[strings.LastIndex(c.path, id)+len(id):] + "#"
			if c.token != "" {
				name += "approver"
			}
			b.Run(name, func(b *testing.B) {
				testrig.BenchGet(b, h, c.path, c.token)
			})
		}
	}
}

func BenchmarkMarkdown(b *testing.B) {
	src := strings.Repeat("The national CERT coordinates **incident response** with [partners](https://example.org) and *regional* peers.\n", 10) + "\n- one\n- two\n"
	b.ReportAllocs()
	for b.Loop() {
		_ = reporting.Markdown(src)
	}
}

// BenchmarkEditSection serves a norm's section page of a draft with 80
// measures under that norm to the State's editor: the form of every
// measure (its type and status menus, its other-norms checkboxes, its
// labels) is the page's cost (issue 20).
func BenchmarkEditSection(b *testing.B) {
	rig := testrig.New(b)
	ed := newAPI(b, rig, rig.User(b, auth.RoleStateEditor, "FRA"))
	sec := newAPI(b, rig, rig.User(b, auth.RoleSecretariat, ""))
	c := sec.must(b, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2026", "opens_on": day(-24 * time.Hour), "due_on": day(24 * time.Hour), "closes_on": day(48 * time.Hour)})
	id := ed.must(b, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": c["id"]})["id"].(string)
	var ms []any
	for i := range 80 {
		m := measure("gge2015-c", fmt.Sprintf("Measure %d", i), reporting.MeasureStatuses[i%3])
		m["type"] = reporting.MeasureTypes[i%len(reporting.MeasureTypes)]
		m["other_norms"] = []string{"gge2015-a", "gge2015-k"}[:i%3]
		ms = append(ms, m)
	}
	ed.must(b, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms}})
	testrig.BenchGet(b, rig.App.Handler(), "/reports/"+id+"/edit/gge2015-c", ed.token)
}

// BenchmarkWholeReport answers the whole report through the API and the
// JSON export, at 2,442 measures (222 a norm: the largest report of the
// scale-10 demo), to the State's approver (the draft, then version 1 to
// anyone). The answer is written as its measures are read (writeWhole);
// the recorder's copy of it is in the bytes allocated.
func BenchmarkWholeReport(b *testing.B) {
	rig := testrig.New(b)
	id, approver := fullReport(b, rig, 222)
	h := rig.App.Handler()
	for _, c := range []struct{ name, path, token string }{
		{"draft#approver", "/api/v1/reports/" + id, approver},
		{"version1", "/api/v1/reports/" + id + "/versions/1", ""},
		{"export.json", "/reports/" + id + "/export.json?version=1", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			testrig.BenchGet(b, h, c.path, c.token)
		})
	}
}
