package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// withDemo fills a rig with the demo data (scale 1), so that pages show
// their tables, charts and counts rather than their empty states.
func withDemo(t *testing.T, rig *testrig.Rig) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := demo.Run(context.Background(), rig.App.Config, quiet, demo.Options{Scale: 1, Seed: demo.DefaultSeed}, demo.Default(), io.Discard); err != nil {
		t.Fatalf("demo data: %v", err)
	}
}

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
// table with the demo data, as the public (in English and Arabic) and as the
// secretariat (in English), and fails when a box that scrolls sideways (every
// .table-wrap) cannot take the keyboard focus or has no name (axe's
// scrollable-region-focusable; web.Region), or when two elements of a page
// share an id (two charts with one title once did: an aria-labelledby then
// names the wrong one).
func TestScrollingBoxesAreNamedRegions(t *testing.T) {
	rig := testrig.New(t)
	withDemo(t, rig)
	paths := htmlPaths(t, rig)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	for _, cl := range []struct {
		name string
		c    *testrig.Client
	}{{"public", rig.Anonymous(t)}, {"secretariat", staff}} {
		for _, p := range paths {
			for _, lang := range []string{"en", "ar"} {
				if lang != "en" && cl.name != "public" {
					continue // the secretariat's pages in English only: time
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
