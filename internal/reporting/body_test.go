package reporting

import (
	"html/template"
	"strings"
	"testing"
)

// FuzzTextEscaperIsTemplates: the body's measures are escaped in Go
// (body.go) exactly as html/template escapes a value in HTML text.
func FuzzTextEscaperIsTemplates(f *testing.F) {
	for _, s := range []string{"", "plain", `<a href="x">&'+</a>`, "nul\x00byte", "bad \xc0\x00 utf-8 \xff+", "\uFDD0 \uFFFE ﷐ مرحبا 你好"} {
		f.Add(s)
	}
	tpl := template.Must(template.New("").Parse(`<p>{{.}}</p>`))
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		if err := tpl.Execute(&b, s); err != nil {
			t.Fatal(err)
		}
		if want, got := b.String(), "<p>"+textEscaper.Replace(s)+"</p>"; got != want {
			t.Fatalf("%q: got %q, html/template %q", s, got, want)
		}
	})
}
