package reporting_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fullReport makes a public report with DemoMeasuresPerNorm measures under
// each of the eleven norms and returns its id.
func fullReport(b *testing.B, rig *testrig.Rig) string {
	sec := newAPI(b, rig, rig.User(b, auth.RoleSecretariat, ""))
	ap := newAPI(b, rig, rig.User(b, auth.RoleStateApprover, "FRA"))
	c := sec.must(b, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2026", "opens_on": day(-24 * time.Hour), "due_on": day(24 * time.Hour), "closes_on": day(48 * time.Hour)})
	id := ap.must(b, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": c["id"]})["id"].(string)
	var ms []any
	for _, n := range "abcdefghijk" {
		for i := range reporting.DemoMeasuresPerNorm {
			m := measure("gge2015-"+string(n), fmt.Sprintf("Measure %c%d", n, i), []string{"planned", "in_progress", "implemented"}[i%3])
			m["description"] = strings.Repeat("The national CERT coordinates **incident response** with [partners](https://example.org). ", 4) + "\n\n- one\n- two"
			ms = append(ms, m)
		}
	}
	ap.must(b, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": ms}})
	ap.must(b, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	return id
}

// BenchmarkReportPage renders the public page of a report of 220 measures
// through the whole handler stack (middleware, row rules, queries, template).
func BenchmarkReportPage(b *testing.B) {
	rig := testrig.New(b)
	id := fullReport(b, rig)
	h := rig.App.Handler()
	for _, path := range []string{"/reports/" + id, "/reports/" + id + "/print", "/api/v1/reports/" + id, "/reports/" + id + "/export.csv"} {
		b.Run(path[strings.LastIndex(path, id)+len(id):]+"#", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

func BenchmarkMarkdown(b *testing.B) {
	src := strings.Repeat("The national CERT coordinates **incident response** with [partners](https://example.org) and *regional* peers.\n", 10) + "\n- one\n- two\n"
	b.ReportAllocs()
	for b.Loop() {
		_ = reporting.Markdown(src)
	}
}
