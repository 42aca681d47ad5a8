package app_test

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// notPages are the GET routes with path parameters that answer something
// other than an HTML page (a file, a download), or an HTML page without a
// table that only its owner reaches by a link (a form, a message's page),
// which the crawl of the demo's public, secretariat and State pages does
// not reach; the reason is beside each. A route with parameters that is
// neither reached nor listed here, nor in pathExamples, fails
// TestScrollingBoxesAreNamedRegions.
var notPages = map[string]string{
	"/incidents/releases/{version}":                  "a release's file",
	"/admin/outbox/{name}":                           "one message of the outbox (mail is not sent in the demo); the outbox's table is on /admin/outbox",
	"/participation/statements/{id}":                 "a statement's text, no table; the demo submits none",
	"/bulletin/items/{id}/edit":                      "the contributor's form, no table",
	"/capacity/needs/{id}/edit":                      "the State's form, no table",
	"/capacity/offers/{id}/edit":                     "the provider's form, no table",
	"/capacity/meetings/{id}":                        "a meeting's page for its two parties, reached from their e-mail, no table",
	"/capacity/events/{id}/cancel":                   "a registration's cancellation, reached from its e-mail, no table",
	"/capacity/events/{id}/invitation":               "an event's invitation, reached from its e-mail, no table",
	"/positions/documents/{id}/edit":                 "the State's form, no table",
	"/incidents/edit/{id}":                           "the secretariat's form for a draft, no table",
	"/incidents/correct/{id}":                        "a stakeholder's proposed correction, a form without a table",
	"/reports/{id}/edit":                             "the delegation's report form (reporting/edit.html), no table",
	"/reports/{id}/edit/{section}":                   "one section of the report form, no table",
	"/reports/{id}/comments":                         "the report's comments, no table",
	"/vep/register/{id}":                             "an entry of a State's sealed register, for its VEP staff only, no table",
	"/positions/documents/{id}/file":                 "the document's file",
	"/participation/statements/{id}/file":            "the statement's PDF",
	"/contacts/requests/{id}/files/{file}":           "a request's attached file",
	"/capacity/events/{id}/documents/{doc}":          "an event's document",
	"/vep/documents/{id}":                            "a policy's PDF",
	"/data/files/{file}":                             "a data file",
	"/data/releases/{version}/download":              "a release's zip",
	"/incidents/dataset/{file}":                      "a dataset file",
	"/incidents/stix/{id}":                           "an incident's STIX bundle",
	"/reports/{id}/export.pdf":                       "a report's PDF",
	"/bulletin/editor/issues/{id}/preview/{channel}": "an e-mail's preview, as the mail is sent (text or HTML mail)",
}

// pathExamples fill the routes that no page links to with a value the
// demo has.
var pathExamples = map[string]string{
	"/incidents/states/{iso3}": "/incidents/states/FRA",
	"/incidents/norms/{id}":    "/incidents/norms/gge2015-a",
}

// routePattern matches the paths of a route with parameters.
func routePattern(path string) *regexp.Regexp {
	p := strings.TrimSuffix(path, "{$}")
	var b strings.Builder
	b.WriteString("^")
	rest := p
	for {
		i := strings.Index(rest, "{")
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(rest))
			break
		}
		j := strings.Index(rest[i:], "}") + i
		b.WriteString(regexp.QuoteMeta(rest[:i]))
		if strings.HasSuffix(rest[i:j], "...") {
			b.WriteString(".+")
		} else {
			b.WriteString("[^/?#]+")
		}
		rest = rest[j+1:]
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// reachablePages are the HTML pages the clients reach: the routes without
// parameters, and each route with parameters filled with the first link to
// it found on the pages already reached (breadth first), so that the pages
// are visited with values the rig's data has. reached lists, by route, the
// path that filled it.
func reachablePages(t *testing.T, rig *testrig.Rig, clients ...*testrig.Client) (paths []string, reached map[string]string) {
	t.Helper()
	type route struct {
		path string
		re   *regexp.Regexp
	}
	var todo []route
	for _, r := range rig.App.Services.Site.Router().Routes() {
		p := strings.ReplaceAll(r.Path, "{$}", "")
		if r.Method != "GET" || r.IsAPI || !strings.Contains(p, "{") || notPages[r.Path] != "" || !isPagePath(p) {
			continue
		}
		todo = append(todo, route{r.Path, routePattern(r.Path)})
	}
	reached = map[string]string{}
	for route, p := range pathExamples {
		reached[route] = p
	}
	var plain []string
	for _, p := range htmlPaths(t, rig) {
		if !strings.Contains(p, "{") {
			plain = append(plain, p)
		}
	}
	seen := map[string]bool{}
	queue := append([]string(nil), plain...)
	for len(queue) > 0 && len(reached) < len(todo) {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		for _, c := range clients {
			for _, link := range pageLinks(t, c, p) {
				path, _, _ := strings.Cut(link, "?")
				for _, r := range todo {
					if reached[r.path] == "" && r.re.MatchString(path) {
						reached[r.path] = link
						queue = append(queue, link)
					}
				}
			}
		}
	}
	paths = append(paths, plain...)
	for _, p := range reached {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return slices.Compact(paths), reached
}

// pageLinks are the paths of the site that page path links to, with their
// query (a comparison's ?with=).
func pageLinks(t *testing.T, c *testrig.Client, path string) []string {
	t.Helper()
	resp := c.Get(t, path)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return nil
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		return nil
	}
	var out []string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "a" {
			return
		}
		href, _ := attr(n, "href")
		u, err := url.Parse(href)
		if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
			return
		}
		if u.RawQuery != "" {
			out = append(out, u.Path+"?"+u.RawQuery)
			return
		}
		out = append(out, u.Path)
	})
	return out
}
