package reporting

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// Module serves the reporting pages and API.
type Module struct {
	Svc  *Service
	site *web.Site
	// pdfs keeps the PDFs made (export.pdf), by version and language.
	pdfs *pdfCache
}

// New registers the module's templates, translations and background jobs.
func New(p *platform.Services, fw *framework.Store) (*Module, error) {
	t, _ := fs.Sub(templatesFS, "templates")
	if err := p.Site.AddTemplates("reporting", t); err != nil {
		return nil, err
	}
	tr, _ := fs.Sub(i18nFS, "i18n")
	if err := p.Site.Catalog.Load(tr); err != nil {
		return nil, err
	}
	m := &Module{Svc: NewService(p, fw), site: p.Site, pdfs: newPDFCache(32 << 20)}
	m.addSections()
	return m, nil
}

// Routes registers the module's routes. Row rules (a State's drafts and
// confidential versions are its own and the secretariat's) are enforced by
// the service, which answers "not found" to everyone else.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /reports", web.Public, m.index)
	r.Handle("POST /cycles", web.Secretariat, m.createCycle)
	r.Handle("GET /cycles/{id}", web.Public, m.cyclePage)
	r.Handle("GET /reports/questionnaire", web.Public, m.questionnaire)
	r.Handle("POST /reports/start", web.StateStaff, m.start)
	r.Handle("GET /reports/{id}", web.Public, m.show)
	r.Handle("GET /reports/{id}/print", web.Public, m.print)
	r.Handle("GET /reports/{id}/edit", web.StateStaff, m.edit)
	r.Handle("POST /reports/{id}/edit", web.StateStaff, m.save)
	r.Handle("GET /reports/{id}/edit/{section}", web.StateStaff, m.editSection)
	r.Handle("POST /reports/{id}/edit/{section}", web.StateStaff, m.saveSection)
	r.Handle("POST /reports/{id}/submit", web.StateApprover, m.submit)
	r.Handle("POST /reports/{id}/reopen", web.StateApprover, m.reopen)
	r.Handle("POST /reports/{id}/send", web.StateStaff, m.sendForApproval)
	r.Handle("POST /reports/{id}/return", web.StateApprover, m.returnToEditors)
	r.Handle("GET /reports/{id}/comments", web.StateStaff, m.comments)
	r.Handle("POST /reports/{id}/comments", web.StateStaff, m.addComment)
	r.Handle("GET /reports/{id}/diff", web.Public, m.diff)
	r.Handle("GET /reports/{id}/export.json", web.Public, m.exportJSON)
	r.Handle("GET /reports/{id}/export.csv", web.Public, m.exportCSV)
	r.Handle("GET /reports/{id}/export.pdf", web.Public, m.exportPDF)
	m.apiRoutes(r)
}

// fail answers a service error on a page: a Problem with its status and
// message, anything else a logged 500.
func (m *Module) fail(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if errors.As(err, &p) {
		m.site.Render(w, r, p.Status, "reporting/problem.html", "", problemView{Problem: p, Text: m.problemText(r, p)})
		return
	}
	m.site.ServerError(w, r, err)
}

// said reports whether the catalogs say the problem's own reason in every
// language (not the generic "a field is not valid", nor a reason without
// a text).
func (m *Module) said(p *Problem) bool {
	if p.Key == "" || p.Key == "reporting.err.invalid" {
		return false
	}
	_, ok := m.site.Catalog.Lookup("en", p.Key)
	return ok
}

type problemView struct {
	Problem *Problem
	Text    string
}

func (m *Module) problemText(r *http.Request, p *Problem) string {
	if !m.said(p) {
		return p.Error()
	}
	return m.site.Catalog.T(web.Lang(r), p.Key, p.Args...)
}

// apiFail answers a service error in the API's shape.
func (m *Module) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	var p *Problem
	if errors.As(err, &p) {
		api.WriteError(w, p.API())
		return
	}
	m.site.ServerError(w, r, err)
}

// versionParam reads ?version= (absent: -1, the default version).
func versionParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("version")
	if s == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100000 {
		return 0, &Problem{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "version", Key: "reporting.err.invalid", Message: "must be a whole number (0 is the draft)"}
	}
	return n, nil
}

// normLabels maps norm ids to their citation, e.g. "(a)".
func (s *Service) normLabel(ctx context.Context, id string) string {
	if n, ok := s.NormByID(ctx, id); ok {
		return n.Label()
	}
	return id
}

// section is one norm of a report as pages show it: Measures for the edit
// form, Body and the rendered notes for the report's body (body.go).
type section struct {
	Norm     framework.Norm
	Label    string
	Measures []measureView
	Body     []bodyMeasure
	Notes    NormNotes
	NotesCh  template.HTML
	NotesGap template.HTML
	// Continued and More mark, on a page of a paged view, a norm whose
	// measures began on an earlier page or go on to a later one (its
	// notes then wait for the page of its last measure).
	Continued, More bool
}

type measureView struct {
	Measure
	Index int
	Blank int // 1, 2, … for the blank "new measure" rows of the form
}

// sections groups c's measures and notes under the reportable norms, in
// the context's language.
func (s *Service) sections(ctx context.Context, c Content) ([]section, error) {
	norms, err := s.ReportableNorms(ctx)
	if err != nil {
		return nil, err
	}
	norms = framework.Localise(norms, web.LangOf(ctx))
	idx := map[string]int{}
	out := make([]section, len(norms))
	for i, n := range norms {
		idx[n.ID] = i
		out[i] = section{Norm: n, Label: n.Label()}
	}
	for i, ms := range c.Measures {
		k, ok := idx[ms.NormID]
		if !ok {
			continue
		}
		out[k].Measures = append(out[k].Measures, measureView{Measure: ms, Index: i})
	}
	for _, n := range c.Notes {
		if k, ok := idx[n.NormID]; ok {
			out[k].Notes = n
		}
	}
	return out, nil
}
