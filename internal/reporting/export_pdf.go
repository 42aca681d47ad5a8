package reporting

import (
	"container/list"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/pdf"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// pdfData is what the PDF's document template receives: the printable
// report, where it is online and when the PDF was made.
type pdfData struct {
	showData
	Source    string
	Generated string
}

// exportPDF answers a report version as a tagged PDF with a contents page
// and an outline (bookmarks) of its norms, made on the server by headless
// Chromium from the print view's document, rendered in-process. The
// version is chosen and its reader checked exactly as for the other
// exports; drafts and confidential versions are sent "private, no-store".
// Without a browser, or when the renders in progress do not free a place
// in time, the answer is 503 with the reason.
func (m *Module) exportPDF(w http.ResponseWriter, r *http.Request) {
	isAPI := strings.HasPrefix(r.URL.Path, "/api/")
	d, err := m.showData(r, true)
	if err != nil {
		if isAPI {
			m.apiFail(w, r, err)
		} else {
			m.fail(w, r, err)
		}
		return
	}
	v := d.View
	if v.Version == 0 || v.Meta == nil || v.Meta.Visibility != Public {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	lang := web.Lang(r)
	key := pdfKey{report: v.Report.ID, version: v.Version, lang: lang}
	if v.Version == 0 {
		// A draft changes with every save: its revision names its content.
		key.revision = v.Report.Revision
	}
	out, ok := m.pdfs.get(key)
	if !ok {
		d.Print = true
		doc, err := m.site.Fragment(r, "reporting/pdf.html", "pdf-document", pdfData{showData: d,
			Source:    m.Svc.P.Link(fmt.Sprintf("/reports/%s?version=%d", v.Report.ID, v.Version)),
			Generated: time.Now().UTC().Format("2006-01-02 15:04 UTC")})
		if err != nil {
			m.site.ServerError(w, r, err)
			return
		}
		footer := `<div style="font-size:8pt;width:100%;margin:0 18mm;display:flex;justify-content:space-between;font-family:sans-serif" dir="` + webDir(lang) + `"><span>` +
			html.EscapeString(m.site.Catalog.T(lang, "reporting.report_of", d.StateName, v.Report.CycleName)) +
			`</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`
		out, err = m.Svc.P.PDF.Render(r.Context(), string(doc), pdf.Options{Footer: footer})
		if err != nil {
			m.pdfUnavailable(w, r, isAPI, err)
			return
		}
		m.pdfs.put(key, out)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+exportName(v, "pdf")+`"`)
	_, _ = w.Write(out)
}

func webDir(lang string) string {
	if web.IsRTL(lang) {
		return "rtl"
	}
	return "ltr"
}

// pdfUnavailable answers 503 with the reason a PDF could not be made.
func (m *Module) pdfUnavailable(w http.ResponseWriter, r *http.Request, isAPI bool, err error) {
	reason, code := "reporting.pdf_failed", "pdf_failed"
	switch {
	case errors.Is(err, pdf.ErrUnavailable):
		reason, code = "reporting.pdf_no_browser", "pdf_unavailable"
	case errors.Is(err, pdf.ErrBusy):
		reason, code = "reporting.pdf_busy", "pdf_busy"
		w.Header().Set("Retry-After", "60")
	default:
		m.Svc.P.Log.Error("make PDF", "path", r.URL.Path, "err", err)
	}
	if isAPI {
		api.WriteError(w, &api.Error{Status: http.StatusServiceUnavailable, Code: code, Message: m.site.Catalog.T("en", reason)})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	m.site.Error(w, r, http.StatusServiceUnavailable, reason)
}

// pdfKey names one made PDF: a submitted version never changes, and a
// draft's revision changes with each save.
type pdfKey struct {
	report   string
	version  int
	revision int
	lang     string
}

// pdfCache keeps made PDFs in memory up to a total size, forgetting the
// least recently used first. It is a cache, never the only copy: any
// instance makes a PDF again when it does not hold it.
type pdfCache struct {
	mu    sync.Mutex
	max   int
	used  int
	order *list.List // of *pdfEntry, most recent first
	byKey map[pdfKey]*list.Element
}

type pdfEntry struct {
	key  pdfKey
	body []byte
}

func newPDFCache(maxBytes int) *pdfCache {
	return &pdfCache{max: maxBytes, order: list.New(), byKey: map[pdfKey]*list.Element{}}
}

func (c *pdfCache) get(k pdfKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[k]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*pdfEntry).body, true
}

func (c *pdfCache) put(k pdfKey, body []byte) {
	if len(body) > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[k]; ok {
		c.used -= len(e.Value.(*pdfEntry).body)
		c.order.Remove(e)
	}
	c.byKey[k] = c.order.PushFront(&pdfEntry{key: k, body: body})
	c.used += len(body)
	for c.used > c.max {
		last := c.order.Back()
		ent := last.Value.(*pdfEntry)
		c.order.Remove(last)
		delete(c.byKey, ent.key)
		c.used -= len(ent.body)
	}
}
