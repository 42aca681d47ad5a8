package web

import (
	"errors"
	"fmt"
	"html"
	"html/template"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// Lookup returns the text of key in lang alone, without falling back to
// English, and whether there is one.
func (c *Catalog) Lookup(lang, key string) (string, bool) {
	c.mu.RLock()
	s, ok := c.strings[lang][key]
	c.mu.RUnlock()
	return s, ok
}

// Term is the word for an internal value (a kind, a status, a role, a
// modality) in the page's language: the catalog's text under prefix + "." +
// value, e.g. {{.Term "bulletin.kind" .Kind}} reads "bulletin.kind.threat".
// A value without a word in the catalog is shown as it is, isolated in a
// <bdi lang="en">, so that a raw value is never passed off as the page's
// language and never reorders the text around it.
func (p Page) Term(prefix string, value any) template.HTML { return p.site.Term(p.Lang, prefix, value) }

// Term is Page.Term in lang, for the rows a handler prepares so that a
// long list's template does not look each word up itself.
func (s *Site) Term(lang, prefix string, value any) template.HTML {
	v := fmt.Sprint(value)
	if v == "" {
		return ""
	}
	if t, ok := s.Catalog.Lookup(lang, prefix+"."+v); ok {
		return template.HTML(html.EscapeString(t))
	}
	if t, ok := s.Catalog.Lookup("en", prefix+"."+v); ok {
		v = t
	}
	return English(v)
}

// LanguageName is the name of the language code ("fr") in lang
// ("French", "francés", "法语"): the six UN languages are named by the
// catalog's site.lang.<code>, whose texts are CLDR's names; any other code
// is shown as it is.
func (c *Catalog) LanguageName(lang, code string) string {
	if s, ok := c.Lookup(lang, "site.lang."+code); ok {
		return s
	}
	return code
}

// Autonym is the one of the six languages whose code is code, to be
// named in itself (nil for any other code): one call where a template
// would otherwise walk the six to find it.
func (p Page) Autonym(code string) *Language {
	for i := range Languages {
		if Languages[i].Code == code {
			return &Languages[i]
		}
	}
	return nil
}

// LanguageName is the name of the language code in the page's language
// (Catalog.LanguageName), where a page shows a language rather than
// offers to switch to it (the switcher names each in its own language).
func (p Page) LanguageName(code string) string { return p.site.Catalog.LanguageName(p.Lang, code) }

// English isolates a text that exists only in English (a reference text, a
// source's title, an internal value without a translation) inside a page
// in any language: <bdi lang="en">, so that screen readers read it as
// English and, in Arabic, its parentheses and full stops stay where they
// belong.
func English(s string) template.HTML {
	if s == "" {
		return ""
	}
	return template.HTML(`<bdi lang="en">` + html.EscapeString(s) + `</bdi>`)
}

// Isolate wraps a piece of content of unknown direction (a title, a name,
// user text) in a <bdi>, which takes its direction from its own first
// strong character; lang, when given, says its language.
func Isolate(s, lang string) template.HTML {
	if s == "" {
		return ""
	}
	if lang == "" {
		return template.HTML(`<bdi>` + html.EscapeString(s) + `</bdi>`)
	}
	return template.HTML(`<bdi lang="` + html.EscapeString(lang) + `">` + html.EscapeString(s) + `</bdi>`)
}

// Region makes a box that may scroll sideways (a wide table's
// <div class="table-wrap">, a long <pre>) a named region that takes the
// keyboard focus, so it scrolls by keyboard and a screen reader says what
// it holds (WCAG 2.1.1, axe's scrollable-region-focusable):
// <div class="table-wrap" {{region (.T "x.caption")}}>, named by its
// table's caption or the heading above it. Every .table-wrap has one
// (TestScrollingBoxesAreNamedRegions).
func Region(name string) template.HTMLAttr {
	return template.HTMLAttr(`tabindex="0" role="region" aria-label="` + html.EscapeString(name) + `"`)
}

// Message is a refusal that can be said in every language: the catalog key
// of its text and the text's arguments. A service's error implements it
// beside Error() (the English reason the API keeps), and a page shows it
// with ErrorText.
type Message interface {
	error
	MessageKey() (key string, args []any)
}

// Msg is a Message made of its parts: an English text kept for the API and
// logs, the catalog key that says it in every language and the key's
// arguments. With Plural, the key names a plural message (Catalog.TN) and
// N is its number.
type Msg struct {
	English string
	Key     string
	Args    []any
	Plural  bool
	N       int
}

func (m Msg) Error() string { return m.English }

// MessageKey is the message's catalog key and arguments.
func (m Msg) MessageKey() (string, []any) { return m.Key, m.Args }

// PluralN is the number a plural message counts, and whether it is one.
func (m Msg) PluralN() (int, bool) { return m.N, m.Plural }

// ErrorText is err in lang: the catalog's text of a Message (when the
// catalog has its key), otherwise err's own English text.
func (c *Catalog) ErrorText(lang string, err error) string {
	var m Message
	if errors.As(err, &m) {
		key, args := m.MessageKey()
		if pm, ok := m.(interface{ PluralN() (int, bool) }); ok {
			if n, counted := pm.PluralN(); counted {
				if _, ok := c.Lookup("en", key+"#other"); ok {
					return c.TN(lang, key, n, args...)
				}
				key = "" // no plural forms: the English text below
			}
		}
		if _, ok := c.Lookup("en", key); ok && key != "" {
			return c.T(lang, key, args...)
		}
	}
	if err == nil {
		return ""
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}

// ErrorText is err in the page's language (Catalog.ErrorText).
func (p Page) ErrorText(err error) string { return p.site.Catalog.ErrorText(p.Lang, err) }

// Say is a message (a service's explanation of an outcome, say) in the
// page's language (Catalog.ErrorText).
func (p Page) Say(m Message) string {
	if m == nil {
		return ""
	}
	return p.site.Catalog.ErrorText(p.Lang, m)
}

// English isolates an English-only text (English).
func (p Page) English(s string) template.HTML { return English(s) }
