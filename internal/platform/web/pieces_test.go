package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

func TestPiecesPrintTheSameBytes(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 150<<10; i++ {
		b.WriteString(`<path d="M1 2L3 4" class="chart-area"><title>État n° `)
		b.WriteString(strings.Repeat("é", i%7))
		b.WriteString(`</title></path>`)
	}
	long := template.HTML(b.String())
	noTags := template.HTML(strings.Repeat("日本", 30<<10))
	page := template.Must(template.New("p").Funcs(Funcs).Parse(`<figure>{{range pieces .}}{{.}}{{end}}</figure>`))
	for _, h := range []template.HTML{"", "<b>short</b>", long, noTags} {
		ps := Pieces(h)
		var out bytes.Buffer
		if err := page.Execute(&out, h); err != nil {
			t.Fatal(err)
		}
		if out.String() != "<figure>"+string(h)+"</figure>" {
			t.Errorf("%d bytes in %d pieces do not print as themselves", len(h), len(ps))
		}
		for i, p := range ps {
			if len(p) > pieceSize || (i > 0 && strings.Contains(string(h), "<") && !strings.HasPrefix(string(p), "<")) {
				t.Errorf("piece %d of %d: %d bytes, starts %q", i, len(ps), len(p), string(p)[:min(len(p), 10)])
			}
		}
	}
	if n := len(Pieces(long)); n < 5 {
		t.Errorf("%d bytes in %d pieces, want at least 5", len(long), n)
	}
}

// BenchmarkPrintMap prints a map-sized fragment whole and in pieces.
func BenchmarkPrintMap(b *testing.B) {
	h := template.HTML(strings.Repeat(`<path d="M1 2L3 4" class="chart-area"><title>Name</title></path>`, 2200))
	for _, c := range []struct{ name, src string }{
		{"whole", `<figure>{{.}}</figure>`},
		{"pieces", `<figure>{{range pieces .}}{{.}}{{end}}</figure>`},
	} {
		page := template.Must(template.New("p").Funcs(Funcs).Parse(c.src))
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := page.Execute(&out, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
