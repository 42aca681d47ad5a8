package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
)

// Section is a part of another module's page that a module adds: the
// framework's norm page shows the positions module's proposal record, the
// monitoring trends show its adoption of proposals, without either page's
// module knowing the other. The layout renders a page's sections after its
// content, each under its heading.
type Section struct {
	ID      string        // the section's anchor, unique on the page
	Heading string        // already in the page's language
	Body    template.HTML // rendered by the adding module (see Fragment)
	// Lead puts the section at the top of the page's content, where the
	// page's template places its Page.LeadSections (home/home.html, after
	// its lead paragraph), for what matters most to this reader; other
	// sections follow the content. A page whose template does not place
	// them shows no lead section: give Lead only to such pages' sections.
	Lead bool
}

// SectionFunc returns what a module adds to a page for this request; none
// is a valid answer. An error is logged and the page is shown without it.
type SectionFunc func(r *http.Request) ([]Section, error)

// AddSections registers f for the page template page ("framework/norm.html").
func (s *Site) AddSections(page string, f SectionFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sections == nil {
		s.sections = map[string][]SectionFunc{}
	}
	s.sections[page] = append(s.sections[page], f)
}

// sectionsFor runs the providers registered for page.
func (s *Site) sectionsFor(r *http.Request, page string) []Section {
	s.mu.RLock()
	fs := s.sections[page]
	s.mu.RUnlock()
	var out []Section
	for _, f := range fs {
		list, err := f(r)
		if err != nil {
			s.Log.Error("page section", "page", page, "err", err)
			continue
		}
		out = append(out, list...)
	}
	return out
}

// Rendered is what a section provider usually answers: the one section
// sec, its body the template named name of page set page (see Fragment)
// rendered with data.
func (s *Site) Rendered(r *http.Request, sec Section, page, name string, data any) ([]Section, error) {
	body, err := s.Fragment(r, page, name, data)
	if err != nil {
		return nil, err
	}
	sec.Body = body
	return []Section{sec}, nil
}

// Fragment renders the template named name, defined in a module's page set
// page (a partial of that module), with a Page root whose Data is data, so
// a section's body is written in the module's own templates, translated
// and escaped like any page.
func (s *Site) Fragment(r *http.Request, page, name string, data any) (template.HTML, error) {
	s.mu.RLock()
	t := s.pages[page]
	if t != nil && t.Lookup(name) == nil {
		// A partial the page itself does not call.
		module, _, _ := strings.Cut(page, "/")
		t = s.partialSets[module]
	}
	s.mu.RUnlock()
	if t == nil {
		return "", fmt.Errorf("fragment: no template %s", page)
	}
	lang := Lang(r)
	p := Page{Lang: lang, Dir: "ltr", Path: r.URL.Path, Query: r.URL.Query(), Languages: Languages, Data: data, site: s}
	if IsRTL(lang) {
		p.Dir = "rtl"
	}
	if u, pending := CurrentUser(r); !pending {
		p.User = u
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, p); err != nil {
		return "", fmt.Errorf("fragment %s %s: %w", page, name, err)
	}
	return template.HTML(buf.String()), nil // #nosec: produced by html/template
}

// Memo keeps fragments (see Fragment) that depend only on the page's
// language and a key, such as a list of the States (fixed reference data,
// translated by a catalog that does not change while the server runs), so
// each is rendered once per language instead of on every request. Never
// put in it what depends on the user, the database or the query.
type Memo struct{ m sync.Map }

// Fragment answers the fragment for the request's language and key,
// rendering the template named name of page set page with data() the first
// time.
func (c *Memo) Fragment(s *Site, r *http.Request, key, page, name string, data func() any) (template.HTML, error) {
	k := Lang(r) + "\x00" + key
	if v, ok := c.m.Load(k); ok {
		return v.(template.HTML), nil
	}
	html, err := s.Fragment(r, page, name, data())
	if err != nil {
		return "", err
	}
	v, _ := c.m.LoadOrStore(k, html)
	return v.(template.HTML), nil
}
