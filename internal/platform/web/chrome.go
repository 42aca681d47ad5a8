package web

import (
	"html/template"
	"net/url"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// The layout's fixed parts — the head, the language menu, the navigation's
// entries and the footer — are the same on every page in a language. They
// are written once per language (chrome) and a page adds only what depends
// on its request: the address the language menu returns to, which entry is
// the current one, the signed-in user's entries, the demo banner and the
// one-time message. Written through the template, the layout cost every
// page about 50 reflective calls and 800 allocations (BenchmarkLayout).

// chrome is the layout's fixed parts in one language, as HTML.
type chrome struct {
	// built from: the catalog's loads, the navigation's length, the
	// demo flag; a change to any of them rebuilds (chromeFor).
	loads  int64
	navLen int
	demo   bool

	top         string // <!DOCTYPE html> … <head> and its fixed elements, up to <title>
	titleSuffix string // " · cybernorms", after the page's title
	head        string // </title> … the stylesheet and scripts
	bodyTop     string // </head><body> … up to the language menu's return address
	menu        string // the rest of the language menu, up to the navigation's entries
	nav         []navEntry
	admin       navEntry
	account     navEntry
	signout     string
	signin      navEntry
	main        string // </ul></nav></header><main>, and the demo banner
	flashOpen   string
	footer      string // </main><footer> … up to the version
	end         string // the rest of the page after the version
}

// navEntry is one entry of the navigation, as it is and as the current one.
type navEntry struct {
	path           string
	plain, current string
}

func (e navEntry) write(b *strings.Builder, p *Page) {
	if p.NavActive(e.path) {
		b.WriteString(e.current)
	} else {
		b.WriteString(e.plain)
	}
}

// chromeFor returns the fixed parts in lang, building them on first use and
// again when the catalog, the navigation or the demo flag has changed.
func (s *Site) chromeFor(lang string) *chrome {
	loads := s.Catalog.loads.Load()
	if v, ok := s.chromes.Load(lang); ok {
		c := v.(*chrome)
		if c.loads == loads && c.navLen == len(s.Nav) && c.demo == s.Demo {
			return c
		}
	}
	c := s.buildChrome(lang, loads)
	s.chromes.Store(lang, c)
	return c
}

// HTMLText escapes text for HTML text, quoted attribute values and a
// textarea exactly as html/template does (its own escaper is not exported;
// text/template's HTMLEscaper, which html/template re-exports, leaves "+"
// and NUL as they are): for HTML written in Go that must match a
// template's bytes.
var HTMLText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

func (s *Site) buildChrome(lang string, loads int64) *chrome {
	t := func(key string) string { return HTMLText.Replace(s.Catalog.T(lang, key)) }
	dir := "ltr"
	if IsRTL(lang) {
		dir = "rtl"
	}
	c := &chrome{loads: loads, navLen: len(s.Nav), demo: s.Demo}
	c.top = `<!DOCTYPE html>
<html lang="` + lang + `" dir="` + dir + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
`
	c.titleSuffix = " · " + s.Catalog.T(lang, "site.name")
	c.head = `<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script src="/static/errorsummary.js" defer></script>
`
	c.bodyTop = `</head>
<body>
<a class="skip" href="#main">` + t("site.skip") + `</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/">` + t("site.name") + `<span class="tagline">` + t("site.tagline") + `</span></a>
    <form class="lang" method="get" action="/lang">
      <input type="hidden" name="next" value="`
	var m strings.Builder
	m.WriteString(`">
      <label for="lang-select">` + t("site.language") + `</label>
      <select id="lang-select" name="to">`)
	for _, l := range Languages {
		m.WriteString(`<option value="` + l.Code + `" lang="` + l.Code + `"`)
		if l.Code == lang {
			m.WriteString(" selected")
		}
		m.WriteString(">" + HTMLText.Replace(l.Name) + "</option>")
	}
	m.WriteString(`</select>
      <button type="submit">` + t("site.change") + `</button>
    </form>
  </div>
  <nav aria-label="` + t("site.mainnav") + `">
    <ul>
      `)
	c.menu = m.String()
	entry := func(path, key string) navEntry {
		a := `<li><a href="` + HTMLText.Replace(path) + `"`
		label := ">" + t(key) + "</a></li>"
		return navEntry{path: path, plain: a + label, current: a + ` aria-current="page"` + label}
	}
	for _, n := range s.Nav {
		c.nav = append(c.nav, entry(n.Path, n.Key))
	}
	c.admin = entry("/admin", "nav.admin")
	c.account = entry("/account", "nav.account")
	c.signout = `<li><form method="post" action="/signout" class="inline"><button type="submit" class="link">` + t("nav.signout") + "</button></form></li>"
	c.signin = entry("/signin", "nav.signin")
	c.main = `
    </ul>
  </nav>
</header>
<main id="main" tabindex="-1">
`
	if s.Demo {
		c.main += `<p class="demo-banner" role="note">` + t("site.demo") + "</p>\n"
	}
	c.flashOpen = `<p class="flash" role="status">`
	c.footer = `</main>
<footer class="site-footer">
  <p>` + t("site.footer") + `</p>
  <p><a href="/api/v1/openapi.json">` + t("site.openapi") + `</a></p>
`
	c.end = `</footer>
<svg class="chart-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs><pattern id="chart-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" class="chart-hatch-bg"/><line x1="0" y1="0" x2="0" y2="6" class="chart-hatch-line"/></pattern></defs></svg>
</body>
</html>`
	return c
}

// LayoutTop is the start of the page up to its <title> (the layout).
func (p Page) LayoutTop() template.HTML { return template.HTML(p.chrome.top) }

// TitleSuffix follows the page's own title in <title>.
func (p Page) TitleSuffix() string { return p.chrome.titleSuffix }

// LayoutHead is the head's fixed elements, before a page's own (the
// "head" block).
func (p Page) LayoutHead() template.HTML { return template.HTML(p.chrome.head) }

// LayoutHeader is the end of the head, the site's header with the language
// menu and the navigation, and the start of <main> with the demo banner
// and the one-time message.
func (p Page) LayoutHeader() template.HTML {
	c := p.chrome
	var b strings.Builder
	b.Grow(len(c.bodyTop) + len(c.menu) + len(c.main) + 160*(len(c.nav)+3))
	b.WriteString(c.bodyTop)
	b.WriteString(HTMLText.Replace(p.returnTo()))
	b.WriteString(c.menu)
	for _, e := range c.nav {
		e.write(&b, &p)
	}
	if p.User != nil {
		if p.User.Role == auth.RoleSecretariat {
			c.admin.write(&b, &p)
		}
		c.account.write(&b, &p)
		b.WriteString(c.signout)
	} else {
		c.signin.write(&b, &p)
	}
	b.WriteString(c.main)
	if p.Flash != "" {
		b.WriteString(c.flashOpen)
		b.WriteString(HTMLText.Replace(p.T(p.Flash)))
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// LayoutFooter closes <main> and writes the footer.
func (p Page) LayoutFooter() template.HTML {
	v := p.Version()
	if v == "" {
		return template.HTML(p.chrome.footer + p.chrome.end)
	}
	return template.HTML(p.chrome.footer + `  <p class="version">cybernorms ` + HTMLText.Replace(v) + "</p>\n" + p.chrome.end)
}

// returnTo is where the language menu sends the reader back to: this page
// with its query (a report's ?page=, a list's filters), without a ?lang=
// that would override the language chosen and without a link's one-time
// token (linkTokens).
func (p Page) returnTo() string {
	if p.rawQuery == "" {
		return p.escPath
	}
	if !strings.Contains(p.rawQuery, "lang=") && !strings.Contains(p.rawQuery, "t=") && !strings.Contains(p.rawQuery, "token=") {
		return p.escPath + "?" + p.rawQuery
	}
	q, err := url.ParseQuery(p.rawQuery)
	if err != nil {
		return p.escPath
	}
	q.Del("lang")
	for _, k := range linkTokens {
		q.Del(k)
	}
	if len(q) == 0 {
		return p.escPath
	}
	return p.escPath + "?" + q.Encode()
}

// linkTokens are the query parameters that carry a one-time token from an
// e-mailed link (a password reset, a subscription's confirmation or
// unsubscription, a contact's acknowledgement, an invitation, the first
// set-up): the language menu never repeats them, so that a token reaches
// no address, log or Referer but its own link's.
var linkTokens = []string{"token", "t"}
