// Package web is the shared web layer: the router with access rules, the
// page layout and templates, translations, and the middleware every request
// passes through.
package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/markdown"
)

//go:embed templates/*.html
var layoutFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed i18n/*.json
var i18nFS embed.FS

// NavItem is an entry of the main navigation.
type NavItem struct {
	Path string
	Key  string // translation key of the label
}

// Site renders pages in the shared layout.
type Site struct {
	Name    string
	Catalog *Catalog
	Log     *slog.Logger
	Nav     []NavItem
	// Demo shows the banner saying the site holds demonstration data.
	Demo bool
	// SecureCookies is set when the site is served over TLS (an https base
	// URL, or HSTS): every cookie is Secure and its name gets the __Host-
	// prefix, so that no other host or plain-http page can set or shadow it.
	SecureCookies bool
	// Version is the software version and revision, shown in the footer of
	// the back office (/admin) to signed-in users.
	Version string

	mu     sync.RWMutex
	layout *template.Template
	pages  map[string]*template.Template
	// partialSets hold each module's partials, all of them (partials.go).
	partialSets map[string]*template.Template
	router      *Router
	// sections are what modules add to other modules' pages (AddSections).
	sections map[string][]SectionFunc
	// chromes are the layout's fixed parts per language (chromeFor).
	chromes sync.Map
}

// NewSite parses the layout and the platform's own translations.
func NewSite(log *slog.Logger, spec *api.Spec) (*Site, error) {
	s := &Site{Name: "cybernorms", Catalog: NewCatalog(), Log: log, pages: map[string]*template.Template{}, partialSets: map[string]*template.Template{}}
	sub, _ := fs.Sub(i18nFS, "i18n")
	if err := s.Catalog.Load(sub); err != nil {
		return nil, err
	}
	layout, err := template.New("layout").Funcs(Funcs).ParseFS(layoutFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	s.layout = layout
	s.router = &Router{mux: http.NewServeMux(), site: s, spec: spec}
	return s, nil
}

// Router returns the site's router.
func (s *Site) Router() *Router { return s.router }

// AddTemplates parses every *.html page in fsys (a module's templates
// folder) on top of the layout, under the name "<module>/<file>". A page
// defines "title" and "content" (and may define "head").
func (s *Site) AddTemplates(module string, fsys fs.FS) error {
	entries, err := fs.Glob(fsys, "*.html")
	if err != nil {
		return err
	}
	partials, err := readPartials(fsys)
	if err != nil {
		return fmt.Errorf("%s: %w", module, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range entries {
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := s.layout.Clone()
		if err != nil {
			return err
		}
		if _, err := t.ParseFS(fsys, name); err != nil {
			return fmt.Errorf("parse %s/%s: %w", module, name, err)
		}
		// The partials after the page, as when every page held them all,
		// so that a partial's definition still wins over the page's.
		if files := partialsFor(t, partials); len(files) > 0 {
			if _, err := t.ParseFS(fsys, files...); err != nil {
				return fmt.Errorf("parse %s/%s: %w", module, name, err)
			}
		}
		s.pages[module+"/"+name] = t
	}
	if len(partials) > 0 {
		t, err := s.layout.Clone()
		if err != nil {
			return err
		}
		files := make([]string, len(partials))
		for i, p := range partials {
			files[i] = p.file
		}
		if _, err := t.ParseFS(fsys, files...); err != nil {
			return fmt.Errorf("parse %s partials: %w", module, err)
		}
		s.partialSets[module] = t
	}
	return nil
}

// Page is what every template receives as its root value.
type Page struct {
	Lang      string
	Dir       string
	Title     string
	User      *auth.User
	Path      string
	Query     url.Values
	Nav       []NavItem
	Languages []Language
	Flash     string
	Status    int
	Data      any
	Year      int
	Demo      bool
	// Sections are what other modules add to the page (AddSections),
	// rendered by the layout after the content; LeadSections are those
	// marked Lead, which the page's template places near its top with
	// {{template "page-sections" .LeadSections}}.
	Sections     []Section
	LeadSections []Section

	site     *Site
	chrome   *chrome
	escPath  string // the path as in the address, for the language menu
	rawQuery string
}

// T translates a key into the page's language.
func (p Page) T(key string, args ...any) string { return p.site.Catalog.T(p.Lang, key, args...) }

// TN translates a text whose words depend on the number n (Catalog.TN).
func (p Page) TN(key string, n int, args ...any) string {
	return p.site.Catalog.TN(p.Lang, key, n, args...)
}

// Version is the software version for the footer of the back office
// (pages under /admin, which only signed-in staff reach); empty elsewhere.
func (p Page) Version() string {
	if p.User == nil || !(p.Path == "/admin" || strings.HasPrefix(p.Path, "/admin/")) {
		return ""
	}
	return p.site.Version
}

// LangURL is the current page in another language.
func (p Page) LangURL(code string) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("lang", code)
	return p.Path + "?" + q.Encode()
}

// NavActive reports whether the nav entry is the current section.
func (p Page) NavActive(item string) bool {
	return item == p.Path || item != "/" && strings.HasPrefix(p.Path, item+"/")
}

// NewPage builds the template root for a request.
func (s *Site) NewPage(w http.ResponseWriter, r *http.Request, title string, data any) Page {
	lang := Lang(r)
	u, pending := CurrentUser(r)
	if pending {
		u = nil
	}
	p := Page{Lang: lang, Dir: "ltr", Title: title, User: u, Path: r.URL.Path, Query: r.URL.Query(), Nav: s.Nav,
		Languages: Languages, Data: data, Year: time.Now().UTC().Year(), Demo: s.Demo, site: s,
		chrome: s.chromeFor(lang), escPath: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery}
	if IsRTL(lang) {
		p.Dir = "rtl"
	}
	p.Flash = s.takeFlash(w, r)
	return p
}

// Render renders a module's page template with the status.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	s.mu.RLock()
	t := s.pages[name]
	s.mu.RUnlock()
	if t == nil {
		s.Log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := s.NewPage(w, r, title, data)
	p.Status = status
	for _, sec := range s.sectionsFor(r, name) {
		if sec.Lead {
			p.LeadSections = append(p.LeadSections, sec)
		} else {
			p.Sections = append(p.Sections, sec)
		}
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageBuffers are the buffers pages are rendered into, reused so that a
// long page does not grow a new buffer from nothing on every request.
var pageBuffers = sync.Pool{New: func() any { b := new(bytes.Buffer); b.Grow(16 << 10); return b }}

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > 1<<20 { // a rare huge page: let it go
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}

// Error renders an error page with a translated message key.
func (s *Site) Error(w http.ResponseWriter, r *http.Request, status int, key string) {
	t, err := s.layout.Clone()
	if err == nil {
		_, err = t.Parse(`{{define "title"}}{{.T "error.title"}} {{.Status}}{{end}}{{define "content"}}<h1>{{.T "error.title"}} {{.Status}}</h1><p>{{.T .Data}}</p><p><a href="/">{{.T "error.home"}}</a></p>{{end}}`)
	}
	if err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	p := s.NewPage(w, r, "", key)
	p.Status = status
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// FieldError renders an error page naming a refused field and why (the
// router's own refusals of malformed parameters and form fields, before a
// module's form could show the message next to the field).
func (s *Site) FieldError(w http.ResponseWriter, r *http.Request, status int, field, message string) {
	t, err := s.layout.Clone()
	if err == nil {
		_, err = t.Parse(`{{define "title"}}{{.T "error.title"}} {{.Status}}{{end}}{{define "content"}}<h1>{{.T "error.title"}} {{.Status}}</h1><p>{{.T "error.field" .Data.Field}}</p><p class="field-error">{{.Data.Field}}: {{.Data.Message}}</p><p>{{.T "error.field_back"}}</p><p><a href="/">{{.T "error.home"}}</a></p>{{end}}`)
	}
	if err != nil {
		http.Error(w, field+": "+message, status)
		return
	}
	p := s.NewPage(w, r, "", struct{ Field, Message string }{field, message})
	p.Status = status
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		http.Error(w, field+": "+message, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ServerError logs err and renders a 500 page (HTML) or error body (API).
func (s *Site) ServerError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		// The client went away (or its deadline passed) before the answer
		// was ready: nothing failed, and nobody reads what is written now.
		s.Log.Debug("request abandoned by the client", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(499) // nginx's "client closed request", for the access log
		return
	}
	s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		api.WriteError(w, err)
		return
	}
	s.Error(w, r, http.StatusInternalServerError, "error.internal")
}

const flashCookie = "cn_flash"

// hostPrefix marks cookies that browsers accept only if Secure, with
// Path=/ and no Domain (RFC 6265bis §4.1.3.2).
const hostPrefix = "__Host-"

// CookieName is the name under which the site sets the cookie called name:
// with the __Host- prefix when the site is served over TLS.
func (s *Site) CookieName(name string) string {
	if s.SecureCookies {
		return hostPrefix + name
	}
	return name
}

// SetCookie sets a site cookie: HttpOnly, SameSite=Lax, Path=/, Secure over
// TLS, named with CookieName. MaxAge < 0 deletes it.
func (s *Site) SetCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(name), Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.SecureCookies || r.TLS != nil})
}

// ReadCookie returns the value of the site cookie called name, or "".
func (s *Site) ReadCookie(r *http.Request, name string) string {
	if c, err := r.Cookie(s.CookieName(name)); err == nil {
		return c.Value
	}
	return ""
}

// Redirect sends the browser to target with a one-time message shown there.
func (s *Site) Redirect(w http.ResponseWriter, r *http.Request, target, flashKey string) {
	if flashKey != "" {
		s.SetCookie(w, r, flashCookie, url.QueryEscape(flashKey), 60)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *Site) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c := s.ReadCookie(r, flashCookie)
	if c == "" {
		return ""
	}
	s.SetCookie(w, r, flashCookie, "", -1)
	v, _ := url.QueryUnescape(c)
	return v
}

// Back is the page a refused form was sent from, for a "back" link on the
// page that says why: the request's Referer when it is a page of this site
// (a path that SafeNext accepts), otherwise fallback.
func Back(r *http.Request, fallback string) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host != r.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return fallback
	}
	return SafeNext(u.RequestURI(), fallback)
}

// SafeNext returns next if it is a same-origin path, otherwise fallback:
// redirects after sign-in or a language change must not send users to other
// sites. Browsers normalise a Location before resolving it (they drop tabs
// and newlines anywhere, strip leading control characters and spaces, read
// a backslash as a slash) and some servers decode %2F, so anything that
// could become "//host", "/\host" or "scheme:" is refused rather than
// repaired: control, format and space characters and backslashes, raw or
// percent-encoded, and empty path segments.
func SafeNext(next, fallback string) string {
	if next == "" || len(next) > 2048 || next[0] != '/' {
		return fallback
	}
	if unsafeChars(next) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	if !strings.HasPrefix(u.Path, "/") || strings.Contains(u.Path, "//") || unsafeChars(u.Path) {
		return fallback
	}
	if raw, err := url.PathUnescape(u.EscapedPath()); err != nil || strings.Contains(raw, "//") || unsafeChars(raw) {
		return fallback
	}
	return u.String()
}

// unsafeChars reports control characters, white space and backslashes.
func unsafeChars(s string) bool {
	for _, r := range s {
		if r < 0x21 || r == 0x7f || r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return true
		}
	}
	return false
}

// Funcs are the template helpers shared by every page.
var Funcs = template.FuncMap{
	// pieces splits a long fragment for printing (Pieces).
	"pieces": Pieces,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	// num and longdate write a number and a date in running text in a
	// language: {{num $.Lang .Count}}, {{longdate $.Lang .Date}} (the page's
	// .Num and .LongDate do the same for its own language).
	"num":      FormatNumber,
	"longdate": LongDate,
	// english isolates an English-only text in a <bdi lang="en">; bdi
	// isolates content of unknown direction (a title, a name).
	"english": English,
	"bdi":     func(s string) template.HTML { return Isolate(s, "") },
	// region names a box that scrolls sideways and lets it take the focus:
	// <div class="table-wrap" {{region (.T "x.caption")}}> (Region).
	"region": Region,
	// item hands a partial template the page and one item of a range:
	// {{template "row" (item $ .)}}, then {{.Page.T …}} and {{.Item.…}}.
	"item":  func(p Page, v any) PageItem { return PageItem{Page: p, Item: v} },
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
	"add":   func(a, b int) int { return a + b },
	"sub":   func(a, b int) int { return a - b },
	"json": func(v any) string {
		b, _ := json.MarshalIndent(v, "", "  ")
		return string(b)
	},
	"base": path.Base,
	// markdown renders user-written markdown as sanitised HTML.
	"markdown": markdown.HTML,
	// safeURL marks a URL the server made itself (a data: URL of a QR code).
	"safeURL": func(s string) template.URL { return template.URL(s) },
	// groupkey turns "states.group.asia-pacific" into a translation key.
	"groupkey": func(s string) string { return strings.ReplaceAll(s, "-", "_") },
	// fieldError and fieldAttrs show a form's refusals at their fields
	// (FormErrors).
	"fieldError": FieldMessage,
	"fieldAttrs": FieldAttrs,
	"contains": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

// PageItem is the page and one item, for a partial template (the item
// template function).
type PageItem struct {
	Page Page
	Item any
}

type ctxKey int

const (
	keyLang ctxKey = iota
	keyPending
	keyInfo
)

// Lang returns the request's interface language.
func Lang(r *http.Request) string { return LangOf(r.Context()) }

// LangOf returns the interface language of the request behind ctx ("en"
// outside a request): for service code that reads names in the reader's
// language, such as the norms' short titles.
func LangOf(ctx context.Context) string {
	if l, ok := ctx.Value(keyLang).(string); ok {
		return l
	}
	return "en"
}

// CurrentUser returns the user behind the request (nil for the public) and
// whether they are still to pass their second factor.
func CurrentUser(r *http.Request) (*auth.User, bool) {
	if u, ok := r.Context().Value(keyPending).(*auth.User); ok && u != nil {
		return u, true
	}
	return auth.UserFrom(r.Context()), false
}

// WithPending marks a request context as part-way through sign-in.
func WithPending(ctx context.Context, u *auth.User) context.Context {
	return context.WithValue(ctx, keyPending, u)
}
