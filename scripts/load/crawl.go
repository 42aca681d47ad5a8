package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// crawlCmd walks the public pages from / and prints the slowest: the load
// test measures the routes of its mix, and a page outside it that reads a
// whole growing table shows here (the twelfth session found searches
// without words at 3.6 s and the open data catalogue at 0.9 s this way).
// Each link's shape (its path with long identifiers and numbers as one
// token, and whether it has a query) is followed at most -per times, so
// the walk covers every kind of page rather than every report.
func crawlCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("crawl", flag.ExitOnError)
	base := fs.String("url", "http://127.0.0.1:18500", "the app")
	pages := fs.Int("pages", 2000, "at most this many pages")
	per := fs.Int("per", 2, "at most this many pages of one shape")
	top := fs.Int("top", 25, "how many of the slowest to print")
	_ = fs.Parse(args)
	if err := loopbackOnly(*base); err != nil {
		return err
	}
	type visit struct {
		path   string
		status int
		bytes  int
		took   time.Duration
	}
	client := &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	queue, seen, shapes := []string{"/"}, map[string]bool{"/": true}, map[string]int{}
	var visits []visit
	for len(queue) > 0 && len(visits) < *pages && ctx.Err() == nil {
		p := queue[0]
		queue = queue[1:]
		start := time.Now()
		resp, err := client.Get(*base + p)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		visits = append(visits, visit{p, resp.StatusCode, len(body), time.Since(start)})
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			continue
		}
		for _, m := range hrefRE.FindAllSubmatch(body, -1) {
			next, ok := crawlable(p, strings.ReplaceAll(string(m[1]), "&amp;", "&"))
			if !ok || seen[next] || shapes[shapeOf(next)] >= *per {
				continue
			}
			seen[next] = true
			shapes[shapeOf(next)]++
			queue = append(queue, next)
		}
	}
	slices.SortFunc(visits, func(a, b visit) int { return int(b.took - a.took) })
	fmt.Printf("%d pages from / (at most %d of a shape), the %d slowest, one request each:\n\n", len(visits), *per, min(*top, len(visits)))
	fmt.Println("| page | status | bytes | ms |")
	fmt.Println("| --- | ---: | ---: | ---: |")
	for _, v := range visits[:min(*top, len(visits))] {
		fmt.Printf("| `%s` | %d | %d | %.1f |\n", v.path, v.status, v.bytes, float64(v.took.Microseconds())/1000)
	}
	var errs []string
	for _, v := range visits {
		if v.status >= 500 {
			errs = append(errs, fmt.Sprintf("%s (%d)", v.path, v.status))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("server errors on %s", strings.Join(errs, ", "))
	}
	return nil
}

var (
	hrefRE = regexp.MustCompile(`href="([^"#]+)"`)
	// idRE is an identifier (20 characters or more: a ULID) or a number in
	// a path: one token of a shape.
	idRE = regexp.MustCompile(`/(?:[0-9A-Za-z_-]{20,}|[0-9]+)`)
)

// crawlable resolves a link of the page at from, and says whether to
// follow it: a page of this site, not a file, a feed, the API, an
// export or signing out.
func crawlable(from, href string) (string, bool) {
	u, err := url.Parse(href)
	if err != nil || (u.Host != "" && !strings.HasPrefix(u.Host, "127.0.0.1")) {
		return "", false
	}
	u = (&url.URL{Path: from}).ResolveReference(u)
	p := u.Path
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/debug/") ||
		strings.Contains(p, "logout") || strings.Contains(p, "export") || strings.HasSuffix(p, "/file") || strings.HasSuffix(p, "/download") {
		return "", false
	}
	if i := strings.LastIndexByte(p, '.'); i > strings.LastIndexByte(p, '/') {
		return "", false // a file: .csv, .atom, .ics, .json, .pdf…
	}
	if u.RawQuery != "" {
		return p + "?" + u.RawQuery, true
	}
	return p, true
}

// shapeOf is a path's shape: identifiers and numbers as one token, and
// whether it has a query.
func shapeOf(p string) string {
	path, query, _ := strings.Cut(p, "?")
	s := idRE.ReplaceAllString(path, "/ID")
	if query != "" {
		s += "?"
	}
	return s
}
