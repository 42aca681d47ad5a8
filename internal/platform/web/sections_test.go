package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

func TestSectionsAreAddedToAnotherModulesPage(t *testing.T) {
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	host := fstest.MapFS{"page.html": {Data: []byte(`{{define "title"}}Host{{end}}{{define "content"}}<p id="host">host content</p>{{end}}`)}}
	guest := fstest.MapFS{
		"index.html":    {Data: []byte(`{{define "title"}}Guest{{end}}{{define "content"}}guest{{end}}`)},
		"_section.html": {Data: []byte(`{{define "guest-section"}}<p>{{.Data}} &amp; <a href="/guest">more</a></p>{{end}}`)},
	}
	if err := site.AddTemplates("host", host); err != nil {
		t.Fatal(err)
	}
	if err := site.AddTemplates("guest", guest); err != nil {
		t.Fatal(err)
	}
	site.AddSections("host/page.html", func(r *http.Request) ([]Section, error) {
		body, err := site.Fragment(r, "guest/index.html", "guest-section", "<b>escaped</b>")
		return []Section{{ID: "guest", Heading: "From the guest", Body: body}}, err
	})
	site.AddSections("host/page.html", func(r *http.Request) ([]Section, error) { return nil, errors.New("broken provider") })
	rec := httptest.NewRecorder()
	site.Render(rec, httptest.NewRequest("GET", "/page", nil), http.StatusOK, "host/page.html", "Host", nil)
	out := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(out, `<p id="host">host content</p>`) {
		t.Fatalf("the host page is not rendered (%d): %s", rec.Code, out)
	}
	want := `<section class="page-section" id="guest" aria-labelledby="guest-heading"><h2 id="guest-heading">From the guest</h2><p>&lt;b&gt;escaped&lt;/b&gt; &amp; <a href="/guest">more</a></p></section>`
	if !strings.Contains(out, want) {
		t.Errorf("the section is missing or unescaped:\n%s", out)
	}
	if strings.Index(out, "host content") > strings.Index(out, "From the guest") {
		t.Errorf("the section is not after the page's content")
	}
	rec = httptest.NewRecorder()
	site.Render(rec, httptest.NewRequest("GET", "/other", nil), http.StatusOK, "guest/index.html", "Guest", nil)
	if strings.Contains(rec.Body.String(), "page-section") {
		t.Errorf("a section shows on a page it was not added to")
	}
}

// A Memo renders a fragment once per language and key.
func TestMemoRendersOncePerLanguageAndKey(t *testing.T) {
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	if err := site.AddTemplates("m", fstest.MapFS{"p.html": {Data: []byte(`{{define "title"}}P{{end}}{{define "content"}}{{end}}{{define "rows"}}<li>{{.Lang}} {{.Data}}</li>{{end}}`)}}); err != nil {
		t.Fatal(err)
	}
	var memo Memo
	calls := 0
	get := func(lang, key string) string {
		r := httptest.NewRequest("GET", "/p", nil)
		r = r.WithContext(context.WithValue(r.Context(), keyLang, lang))
		html, err := memo.Fragment(site, r, key, "m/p.html", "rows", func() any { calls++; return "<" + key + ">" })
		if err != nil {
			t.Fatal(err)
		}
		return string(html)
	}
	for range 3 {
		if got := get("fr", "a"); got != "<li>fr &lt;a&gt;</li>" {
			t.Fatalf("fragment: %q", got)
		}
	}
	if got := get("ar", "a"); got != "<li>ar &lt;a&gt;</li>" {
		t.Errorf("another language: %q", got)
	}
	if got := get("fr", "b"); got != "<li>fr &lt;b&gt;</li>" {
		t.Errorf("another key: %q", got)
	}
	if calls != 3 {
		t.Errorf("rendered %d times for 3 language and key pairs", calls)
	}
}
