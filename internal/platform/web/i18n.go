package web

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// Languages are the six official UN languages the interface speaks.
var Languages = []Language{
	{"ar", "العربية", true}, {"zh", "中文", false}, {"en", "English", false},
	{"fr", "Français", false}, {"ru", "Русский", false}, {"es", "Español", false},
}

// Language is an interface language.
type Language struct {
	Code string
	Name string // in the language itself
	RTL  bool
}

var matcher = language.NewMatcher([]language.Tag{
	language.English, language.Arabic, language.Chinese, language.French, language.Russian, language.Spanish,
})

// KnownLanguage reports whether code is one of the six.
func KnownLanguage(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// IsRTL reports whether code is written right to left.
func IsRTL(code string) bool { return code == "ar" }

// Catalog holds interface strings: one JSON object of key → text per
// language and per module, merged. A key missing in a language falls back
// to English, then to the key itself.
type Catalog struct {
	mu      sync.RWMutex
	strings map[string]map[string]string
	// loads counts the Load calls, so that what was built from the
	// catalog's texts (the layout's fixed parts) knows when to rebuild.
	loads atomic.Int64
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog { return &Catalog{strings: map[string]map[string]string{}} }

// Load merges every <lang>.json file in fsys's root into the catalog.
func (c *Catalog) Load(fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.loads.Add(1)
	for _, e := range entries {
		lang := strings.TrimSuffix(e.Name(), ".json")
		if e.IsDir() || path.Ext(e.Name()) != ".json" || !KnownLanguage(lang) {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("translations %s: %w", e.Name(), err)
		}
		if c.strings[lang] == nil {
			c.strings[lang] = map[string]string{}
		}
		for k, v := range m {
			c.strings[lang][k] = v
		}
	}
	return nil
}

// Labels is T for one language without arguments, each key looked up once:
// for a page that labels many rows with the same few words.
func (c *Catalog) Labels(lang string) func(key string) string {
	memo := map[string]string{}
	return func(key string) string {
		l, ok := memo[key]
		if !ok {
			l = c.T(lang, key)
			memo[key] = l
		}
		return l
	}
}

// T translates key into lang; args fill %s/%d verbs in the text.
func (c *Catalog) T(lang, key string, args ...any) string {
	c.mu.RLock()
	s, ok := c.strings[lang][key]
	if !ok {
		s, ok = c.strings["en"][key]
	}
	c.mu.RUnlock()
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, c.localArgs(lang, args)...)
	}
	return s
}

// localNumber is a whole-number argument of a catalog text. Its %d is written in
// the text's language by FormatNumber ("3,510", "3 510", "3.510"), so that
// every count in every message is formatted in one place, without each
// caller formatting it; %v writes it as it is, for a number that is a name
// rather than a quantity (a year: "Report for %v").
type localNumber struct {
	lang string
	v    any
}

// Format implements fmt.Formatter.
func (n localNumber) Format(f fmt.State, verb rune) {
	_, width := f.Width()
	_, prec := f.Precision()
	if verb == 'd' && !width && !prec && !f.Flag('+') && !f.Flag('-') && !f.Flag('0') && !f.Flag(' ') {
		_, _ = io.WriteString(f, FormatNumber(n.lang, n.v))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), n.v)
}

// localArgs writes the arguments of a catalog text in its language: whole
// numbers through localNumber, dates given as api.Day or api.Moment in
// the language's long form (LongDate, the time in UTC after it), and an
// argument that is itself a Message (a reason inside a reason) in the
// language (ErrorText).
func (c *Catalog) localArgs(lang string, args []any) []any {
	out, copied := args, false
	set := func(i int, v any) {
		if !copied {
			out, copied = append([]any(nil), args...), true
		}
		out[i] = v
	}
	for i, a := range args {
		switch v := a.(type) {
		case int, int64, int32, uint, uint64, uint32:
			set(i, localNumber{lang, a})
		case api.Day:
			set(i, LongDate(lang, time.Time(v)))
		case api.Moment:
			t := time.Time(v).UTC()
			set(i, LongDate(lang, t)+" "+t.Format("15:04")+" UTC")
		case Message:
			set(i, c.ErrorText(lang, v))
		}
	}
	return out
}

// PluralForms names the CLDR plural categories, as they end plural keys.
var PluralForms = map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two", plural.Few: "few", plural.Many: "many", plural.Other: "other"}

// PluralForm is the CLDR cardinal plural category of the whole number n in
// lang: "one", "few", "other"…
func PluralForm(lang string, n int) string {
	tag, err := language.Parse(lang)
	if err != nil {
		return "other"
	}
	if n < 0 {
		n = -n
	}
	return PluralForms[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]
}

// TN translates a text that depends on the number n: the key names a
// message whose forms are the keys key#one, key#few, key#other… (each
// language gives the forms its grammar has; #other is always there). args
// fill the text's verbs, and n is usually among them.
func (c *Catalog) TN(lang, key string, n int, args ...any) string {
	form := key + "#" + PluralForm(lang, n)
	c.mu.RLock()
	s, ok := c.strings[lang][form]
	if !ok {
		s, ok = c.strings[lang][key+"#other"]
	}
	if !ok {
		if s, ok = c.strings["en"][key+"#"+PluralForm("en", n)]; !ok {
			s, ok = c.strings["en"][key+"#other"]
		}
	}
	c.mu.RUnlock()
	if !ok {
		s = key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, c.localArgs(lang, args)...)
	}
	return s
}

// Keys returns the keys defined for lang.
func (c *Catalog) Keys(lang string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for k := range c.strings[lang] {
		out = append(out, k)
	}
	return out
}

// LangCookie remembers a visitor's chosen language.
const LangCookie = "cn_lang"

// langCookie reads the language cookie under either name (with the __Host-
// prefix over TLS); the language is no secret, so either will do.
func langCookie(r *http.Request) (*http.Cookie, error) {
	if c, err := r.Cookie(hostPrefix + LangCookie); err == nil {
		return c, nil
	}
	return r.Cookie(LangCookie)
}

// negotiate picks the request's language: ?lang=, the cookie, the account's
// preference, then Accept-Language.
func negotiate(r *http.Request, userLang string) string {
	if l := queryLang(r); KnownLanguage(l) {
		return l
	}
	if c, err := langCookie(r); err == nil && KnownLanguage(c.Value) {
		return c.Value
	}
	if KnownLanguage(userLang) && userLang != "en" {
		return userLang
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// queryLang is the ?lang= parameter, without parsing the query (and
// allocating) when there is none.
func queryLang(r *http.Request) string {
	if !strings.Contains(r.URL.RawQuery, "lang=") {
		return ""
	}
	return r.URL.Query().Get("lang")
}

// acceptLanguage matches an Accept-Language header against the six
// languages. Browsers send a handful of distinct headers, so the answers
// are remembered (up to a bound).
func acceptLanguage(header string) string {
	acceptMu.RLock()
	l, ok := acceptSeen[header]
	acceptMu.RUnlock()
	if ok {
		return l
	}
	l = "en"
	tags, _, _ := language.ParseAcceptLanguage(header)
	if _, idx, conf := matcher.Match(tags...); conf != language.No {
		l = []string{"en", "ar", "zh", "fr", "ru", "es"}[idx]
	}
	acceptMu.Lock()
	if len(acceptSeen) >= 1000 {
		clear(acceptSeen)
	}
	acceptSeen[header] = l
	acceptMu.Unlock()
	return l
}

var (
	acceptMu   sync.RWMutex
	acceptSeen = map[string]string{}
)
