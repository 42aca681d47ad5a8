package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// redirectBypasses are Location values known to send browsers (or servers
// that decode the path) to another host, collected from open-redirect
// write-ups: tabs and newlines that browsers drop, backslashes they read
// as slashes, encoded slashes, scheme-relative and scheme-only forms.
var redirectBypasses = []string{
	"//evil.example", "///evil.example", "////evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example",
	"/\t/evil.example", "/%09/evil.example", "/\n/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/\r\n/evil.example",
	"/%2f%2fevil.example", "/%2F/evil.example", "/%2f/evil.example", "/%5cevil.example", "/%5C%5Cevil.example", "/%5c/evil.example",
	"https:evil.example", "https://evil.example", "http:/evil.example", "javascript:alert(1)", "data:text/html,x",
	" //evil.example", "\t//evil.example", "\x00//evil.example", "/\x00/evil.example", "/%00/evil.example",
	"/.//evil.example", "/./%2f/evil.example", "/%2e%2f/evil.example", "/\u3000/evil.example", "/%E3%80%80/evil.example",
	"/\u00a0/evil.example", "/\x7f/evil.example", "evil.example", "", "/%", "/%zz",
	"/\u202e/evil.example", "//evil.example/%2f..", "/\\t/evil.example",
}

// browserResolve resolves a Location as a browser would: it strips leading
// and trailing C0 controls and spaces, removes tabs and newlines anywhere,
// and reads backslashes as slashes.
func browserResolve(t *testing.T, loc string) *url.URL {
	base, _ := url.Parse("https://site.example/signin")
	loc = strings.TrimFunc(loc, func(r rune) bool { return r <= 0x20 })
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc)
	u, err := url.Parse(loc)
	if err != nil {
		return base
	}
	return base.ResolveReference(u)
}

func TestSafeNextRefusesBypasses(t *testing.T) {
	for _, next := range redirectBypasses {
		got := SafeNext(next, "/fallback")
		if got != "/fallback" {
			t.Errorf("SafeNext(%q) = %q, want the fallback", next, got)
		}
		if u := browserResolve(t, got); u.Host != "site.example" {
			t.Errorf("SafeNext(%q) = %q leads a browser to %q", next, got, u.Host)
		}
	}
}

func TestSafeNextKeepsLocalPaths(t *testing.T) {
	for next, want := range map[string]string{
		"/":                      "/",
		"/reports":               "/reports",
		"/reports?state=FRA&x=1": "/reports?state=FRA&x=1",
		"/norms/a-1#part":        "/norms/a-1#part",
		"/search?q=a%20b":        "/search?q=a%20b",
		"/@evil.example":         "/@evil.example",
	} {
		if got := SafeNext(next, "/fallback"); got != want {
			t.Errorf("SafeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// TestBackLinksOnlyToPagesOfThisSite: the link back from a refusal is the
// page the form was on when the Referer is one of this site's pages, and
// the fallback for another site's page, a scheme that is no web page's, a
// path SafeNext refuses, or no Referer at all.
func TestBackLinksOnlyToPagesOfThisSite(t *testing.T) {
	for referer, want := range map[string]string{
		"https://cyber.example/bulletin/items/X?lang=fr": "/bulletin/items/X?lang=fr",
		"http://cyber.example/incidents/INC-1#a":         "/incidents/INC-1",
		"https://evil.example/bulletin/items/X":          "/fallback",
		"javascript:alert(1)":                            "/fallback",
		"https://cyber.example//evil.example":            "/fallback",
		"https://cyber.example/%2f/evil.example":         "/fallback",
		"":                                               "/fallback",
	} {
		r := httptest.NewRequest("POST", "https://cyber.example/bulletin/items/X/review", nil)
		if referer != "" {
			r.Header.Set("Referer", referer)
		}
		if got := Back(r, "/fallback"); got != want {
			t.Errorf("Referer %q: back to %q, want %q", referer, got, want)
		}
	}
}
