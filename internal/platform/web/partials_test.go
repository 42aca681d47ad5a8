package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// A page's set holds the partials it calls, directly or through another
// partial, and no other; Fragment still finds every partial of the module.
func TestPagesHoldOnlyThePartialsTheyCall(t *testing.T) {
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	mod := fstest.MapFS{
		"a.html":  {Data: []byte(`{{define "title"}}A{{end}}{{define "content"}}{{if .Data}}{{range .Data}}{{template "x" .}}{{end}}{{end}}{{end}}`)},
		"b.html":  {Data: []byte(`{{define "title"}}B{{end}}{{define "content"}}<p>b</p>{{end}}`)},
		"_x.html": {Data: []byte(`{{define "x"}}<i>x {{.}}</i>{{with .}}{{template "y" .}}{{end}}{{end}}`)},
		"_y.html": {Data: []byte(`{{define "y"}}<b>y {{.}}</b>{{end}}`)},
		"_z.html": {Data: []byte(`{{define "z"}}<u>z {{.Data}}</u>{{end}}`)},
	}
	if err := site.AddTemplates("m", mod); err != nil {
		t.Fatal(err)
	}
	for page, want := range map[string]map[string]bool{
		"m/a.html": {"x": true, "y": true, "z": false},
		"m/b.html": {"x": false, "y": false, "z": false},
	} {
		for name, held := range want {
			if got := site.pages[page].Lookup(name) != nil; got != held {
				t.Errorf("%s holds %q: %v, want %v", page, name, got, held)
			}
		}
	}
	rec := httptest.NewRecorder()
	site.Render(rec, httptest.NewRequest("GET", "/a", nil), http.StatusOK, "m/a.html", "A", []string{"1", "2"})
	if out := rec.Body.String(); rec.Code != 200 || !strings.Contains(out, "<i>x 1</i><b>y 1</b><i>x 2</i><b>y 2</b>") {
		t.Errorf("page a does not show its partials (%d):\n%s", rec.Code, out)
	}
	html, err := site.Fragment(httptest.NewRequest("GET", "/b", nil), "m/b.html", "z", "<&>")
	if err != nil || html != "<u>z &lt;&amp;&gt;</u>" {
		t.Errorf("Fragment of a partial page b does not call: %q, %v", html, err)
	}
	if _, err := site.Fragment(httptest.NewRequest("GET", "/b", nil), "m/b.html", "nowhere", nil); err == nil {
		t.Error("Fragment of a template no file defines: no error")
	}
}
