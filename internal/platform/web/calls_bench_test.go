package web

import (
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

// BenchmarkPageCalls renders a page whose content calls two of the page's
// methods (T, Num) for each of 100 rows: what html/template costs per
// method call on the page. Each call looks the method up by name
// (reflect.Type.MethodByName builds the method's whole type every time)
// and passes through an escaper: about 17 allocations and 4–5 µs a call
// with its escaper. That is why long lists prepare their rows in Go, with
// their labels translated once a page (web.Catalog.Labels).
func BenchmarkPageCalls(b *testing.B) {
	s := layoutSite(b)
	page := `{{define "title"}}x{{end}}{{define "content"}}<ul>{{range .Data}}<li>{{$.T "site.name"}} {{$.Num .}}</li>{{end}}</ul>{{end}}`
	if err := s.AddTemplates("c", fstest.MapFS{"rows.html": {Data: []byte(page)}}); err != nil {
		b.Fatal(err)
	}
	rows := make([]int, 100)
	for i := range rows {
		rows[i] = i * 1000
	}
	r := httptest.NewRequest("GET", "/x", nil)
	b.ReportAllocs()
	for b.Loop() {
		s.Render(httptest.NewRecorder(), r, 200, "c/rows.html", "", rows)
	}
}
