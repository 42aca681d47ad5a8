package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// parsePage fetches path in lang and parses it; nil when it is not HTML
// or not found.
func parsePage(t *testing.T, c *testrig.Client, path, lang string) *html.Node {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	resp := c.Get(t, path+sep+"lang="+lang)
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Errorf("%s (%s): status %d", path, lang, resp.StatusCode)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	for _, c := range strings.Fields(v) {
		if c == class {
			return true
		}
	}
	return false
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestScrollingBoxesAreNamedRegions renders every HTML page of the route
// table with a small demo (smallDemo: every module's lists and details
// have content, and its reports show what other modules add to them,
// which the whole demo's first report did not — in seconds, where the
// whole demo took a minute or two of the CI), as the public (in English and Arabic), as the
// secretariat and as a State's approver (in English) — a route with path
// parameters at the first link to it the crawl of the demo's pages finds
// (reachablePages), or at its pathExamples entry — and fails when a box that scrolls sideways (every
// .table-wrap) cannot take the keyboard focus or has no name (axe's
// scrollable-region-focusable; web.Region), or when two elements of a page
// share an id (two charts with one title once did: an aria-labelledby then
// names the wrong one).
func TestScrollingBoxesAreNamedRegions(t *testing.T) {
	rig := testrig.New(t)
	smallDemo(t, rig)
	public := rig.Anonymous(t)
	secretariat := rig.User(t, auth.RoleSecretariat, "")
	staff := rig.SignIn(t, secretariat)
	// The demo makes no open-data release: one is made, so that a
	// release's page is reached and checked.
	if _, err := rig.App.Data.Service().CreateRelease(rig.Ctx, secretariat.ID); err != nil {
		t.Fatalf("release: %v", err)
	}
	state := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	paths, reached := reachablePages(t, rig, public, staff, state)
	// No State of the demo has two national positions: FRA's approver
	// writes two, so that their comparison (a table) is checked.
	var docs []string
	for i, on := range []string{"2023-05-01", "2024-05-01"} {
		resp := state.PostForm(t, "/positions/documents", url.Values{"kind": {"national"}, "state": {"FRA"}, "title": {"National position on international law " + on[:4]},
			"issued_on": {on}, "languages": {"en"}, "slots": {"1"}, "p1_ref": {"1"}, "p1_text": {[]string{"States are responsible for their acts.", "States are responsible for their acts in cyberspace."}[i]}, "p1_lang": {"en"}, "p1_topics": {"sovereignty"}})
		_ = testrig.Body(resp)
		id, ok := strings.CutPrefix(resp.Header.Get("Location"), "/positions/documents/")
		if resp.StatusCode != http.StatusSeeOther || !ok {
			t.Fatalf("a position of FRA: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		docs = append(docs, id)
	}
	diff := "/positions/documents/" + docs[1] + "/diff?with=" + docs[0]
	reached["/positions/documents/{id}/diff"], paths = diff, append(paths, diff)
	if parsePage(t, state, diff, "en") == nil {
		t.Errorf("FRA's approver cannot read the comparison %s", diff)
	}
	for _, r := range rig.App.Services.Site.Router().Routes() {
		p := strings.ReplaceAll(r.Path, "{$}", "")
		if r.Method == "GET" && !r.IsAPI && strings.Contains(p, "{") && isPagePath(p) && notPages[r.Path] == "" && reached[r.Path] == "" {
			t.Errorf("no page of the demo links to %s: give it a path in pathExamples, or say in notPages why it is not checked", r.Path)
		}
	}
	for _, cl := range []struct {
		name string
		c    *testrig.Client
	}{{"public", public}, {"secretariat", staff}, {"FRA's approver", state}} {
		for _, p := range paths {
			for _, lang := range []string{"en", "ar"} {
				if lang != "en" && cl.name != "public" {
					continue // the signed-in pages in English only: time
				}
				doc := parsePage(t, cl.c, p, lang)
				if doc == nil {
					continue
				}
				where := cl.name + " " + p + " (" + lang + ")"
				ids := map[string]*html.Node{}
				walk(doc, func(n *html.Node) {
					if n.Type != html.ElementNode {
						return
					}
					if id, ok := attr(n, "id"); ok {
						if ids[id] != nil {
							t.Errorf("%s: two elements have the id %q", where, id)
						}
						ids[id] = n
					}
				})
				walk(doc, func(n *html.Node) {
					if n.Type != html.ElementNode || !hasClass(n, "table-wrap") {
						return
					}
					name := "a table"
					walk(n, func(c *html.Node) {
						if c.Type == html.ElementNode && c.Data == "caption" && name == "a table" {
							name = "the table " + textOf(c)
						}
					})
					if v, _ := attr(n, "tabindex"); v != "0" {
						t.Errorf("%s: %s scrolls in a box that cannot take the focus (tabindex %q)", where, name, v)
					}
					if v, _ := attr(n, "role"); v != "region" {
						t.Errorf("%s: %s scrolls in a box that is not a region (role %q)", where, name, v)
					}
					label, _ := attr(n, "aria-label")
					if by, ok := attr(n, "aria-labelledby"); ok {
						for _, id := range strings.Fields(by) {
							if ids[id] != nil {
								label += textOf(ids[id])
							} else {
								t.Errorf("%s: %s is labelled by %q, which is not on the page", where, name, id)
							}
						}
					}
					if strings.TrimSpace(label) == "" {
						t.Errorf("%s: %s scrolls in a region without a name", where, name)
					}
				})
			}
		}
	}
}
