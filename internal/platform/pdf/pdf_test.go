package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/pdf"
)

func renderer(t *testing.T) *pdf.Renderer {
	t.Helper()
	r := &pdf.Renderer{Path: pdf.FindChromium(os.Getenv("CYBERNORMS_CHROMIUM")), Concurrency: 1, Timeout: 2 * time.Minute}
	if err := r.Available(); err != nil {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatalf("CYBERNORMS_REQUIRE_ALL=1: %v", err)
		}
		t.Skipf("PDF test skipped: %v", err)
	}
	return r
}

func TestRenderMakesATaggedPDFWithAnOutlineAndFetchesNothing(t *testing.T) {
	r := renderer(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	doc := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A report</title>
<link rel="stylesheet" href="` + srv.URL + `/style.css"></head><body>
<h1>A report</h1><h2 id="a">Norm alpha</h2><p>Text <img src="` + srv.URL + `/pixel.png" alt="a pixel"></p>
<h2 id="b">Norm beta</h2><p>More text.</p></body></html>`
	out, err := r.Render(context.Background(), doc, pdf.Options{Footer: `<div style="font-size:8px"><span class="pageNumber"></span></div>`})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"%PDF-", "/StructTreeRoot", "/MarkInfo", "/Outlines", "Norm alpha", "Norm beta"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the PDF has no %q", want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the browser fetched %d resources named in the document", n)
	}
}

func TestRenderWithoutChromiumSaysSo(t *testing.T) {
	for _, r := range []*pdf.Renderer{nil, {}, {Path: "/nonexistent/chromium"}} {
		if _, err := r.Render(context.Background(), "<p>x</p>", pdf.Options{}); !errors.Is(err, pdf.ErrUnavailable) {
			t.Errorf("Render with %+v: %v, want ErrUnavailable", r, err)
		}
	}
	if pdf.FindChromium("off") != "" {
		t.Error(`"off" still finds a browser`)
	}
}
