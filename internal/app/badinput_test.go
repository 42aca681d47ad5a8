package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBadInputIsRefusedEverywhere walks every operation of the OpenAPI
// document and every form action and page of the router, on both
// databases, with bad text: NUL, C0 and C1 controls, line breaks and bidi
// overrides in single-line fields, lone surrogates, invalid UTF-8, 1 MB
// strings and numbers beyond their columns, in JSON bodies, form fields,
// path parameters, query parameters and cursors. Every request must be
// refused with a 4xx in the error shape (the API's answers also match the
// document), and nothing may be written: no row in any table (audit log,
// jobs and mail queue included) and no mail in the outbox. A new route is
// walked without editing this test.
func TestBadInputIsRefusedEverywhere(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWalker(t, rig)
		before := w.snapshot()
		w.walk()
		after := w.snapshot()
		for table, n := range after {
			// Throttling counts refused attempts too: that is its job; and
			// settings holds keys made on first use (HMAC secrets).
			if n != before[table] && table != "throttle_hits" && table != "settings" {
				t.Errorf("bad input changed the table %s: %d rows before the walk, %d after", table, before[table], n)
			}
		}
		t.Logf("%d requests, all refused", w.count)
	})
}

type walkActor struct {
	user   *auth.User
	token  string
	client *http.Client // with the signed-in session's cookies
}

type walker struct {
	t      *testing.T
	rig    *testrig.Rig
	actors []walkActor // the public first
	mu     sync.Mutex
	count  int
	jobs   chan func()
	wg     sync.WaitGroup
}

func newWalker(t *testing.T, rig *testrig.Rig) *walker {
	w := &walker{t: t, rig: rig}
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w.actors = append(w.actors, walkActor{client: &http.Client{CheckRedirect: noRedirect}})
	for _, role := range auth.Roles {
		u := rig.User(t, role, "")
		c := rig.SignIn(t, u)
		w.actors = append(w.actors, walkActor{user: u, token: rig.Token(t, u), client: &http.Client{Jar: c.Client.Jar, CheckRedirect: noRedirect}})
	}
	return w
}

// actorFor is the first actor the route's rule lets through, so that the
// bad input reaches the handler rather than the access rule.
func (w *walker) actorFor(rule web.Rule) walkActor {
	for _, a := range w.actors {
		if rule.Allows(a.user, false) {
			return a
		}
	}
	return w.actors[0]
}

// snapshot counts the rows of every table, and the mail in the outbox.
func (w *walker) snapshot() map[string]int {
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if w.rig.DB.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := w.rig.DB.QueryContext(ctx, q)
	if err != nil {
		w.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			w.t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]int{}
	for _, name := range tables {
		var n int
		if err := w.rig.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+name).Scan(&n); err != nil {
			w.t.Fatalf("count %s: %v", name, err)
		}
		out[name] = n
	}
	if dir := w.rig.OutboxDir(); dir != "" {
		entries, _ := os.ReadDir(dir)
		out["(mail outbox)"] = len(entries)
	}
	return out
}

// probe is one bad request and what its refusal must name.
type probe struct {
	actor       walkActor
	method      string
	path        string // already escaped
	contentType string
	body        []byte
	isAPI       bool
	what        string // the bad input, for messages
	wantStatus  int    // 0: any 4xx
	wantField   string // "": any
}

var placeholder = regexp.MustCompile(`\{([A-Za-z0-9_]+)(\.\.\.)?\}`)

// fill puts "zz-test" in every path parameter but bad in the one named.
func fill(path, name, bad string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	return placeholder.ReplaceAllStringFunc(path, func(s string) string {
		m := placeholder.FindStringSubmatch(s)
		if m[1] == name {
			return bad
		}
		return "zz-test"
	})
}

// Bad text for parameters (already URL-escaped) and for fields.
var (
	badParams = map[string]string{
		"NUL":               "a%00b",
		"invalid UTF-8":     "%FF%FE%FD",
		"C0 control":        "a%07b",
		"C1 control":        "a%C2%85b",
		"line break":        "a%0D%0Ab",
		"10,000 characters": strings.Repeat("x", 10000),
	}
	badStrings = map[string]string{ // JSON string literals
		"NUL":            `"a\u0000b"`,
		"C0 control":     `"a\u0007b"`,
		"C1 control":     `"a\u0085b"`,
		"lone surrogate": `"a\ud800b"`,
		"DEL":            `"a\u007fb"`,
	}
	badLineStrings = map[string]string{ // refused in single-line fields
		"line break":    `"a\r\nb"`,
		"tab":           `"a\tb"`,
		"bidi override": `"a\u202eb"`,
	}
	badNumbers = []string{"2147483648", "-2147483649", "-9223372036854775808", "9223372036854775807"}
	badForm    = map[string]url.Values{
		"NUL in a title":          {"title": {"a\x00b"}},
		"C0 control in a body":    {"body": {"a\x07b"}},
		"C1 control in a name":    {"name": {"a\u0085b"}},
		"line break in a title":   {"title": {"a\r\nb"}},
		"line break in an e-mail": {"email": {"a@example.org\r\nBcc: x@example.org"}},
		"bidi override in a name": {"name": {"a\u202eb"}},
		"1 MB title":              {"title": {strings.Repeat("x", 1<<20)}},
	}
)

func (w *walker) walk() {
	w.jobs = make(chan func())
	for range 4 {
		go func() {
			for f := range w.jobs {
				f()
				w.wg.Done()
			}
		}()
	}
	defer close(w.jobs)
	rules := map[string]web.Rule{}
	var routes []web.Route
	for _, r := range w.rig.App.Services.Site.Router().Routes() {
		rules[r.Method+" "+r.Path] = r.Rule
		routes = append(routes, r)
	}
	doc := w.rig.App.Spec.Document()
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	ops := w.rig.App.Spec.Ops()
	if len(ops) < 50 {
		w.t.Fatalf("only %d API operations", len(ops))
	}
	for _, op := range ops {
		if op.Path == "/api/v1/openapi.json" {
			continue
		}
		a := w.actorFor(rules[op.Method+" "+op.Path])
		w.params(a, op.Method, op.Path, true, queryNames(op))
		if op.Request != nil && op.Method != http.MethodGet {
			w.bodies(a, op, schemas)
		}
	}
	for _, r := range routes {
		if r.IsAPI || r.Path == "/static/" {
			continue
		}
		a := w.actorFor(r.Rule)
		w.params(a, r.Method, r.Path, false, []string{"q", "next"})
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			for what, form := range badForm {
				w.send(probe{actor: a, method: r.Method, path: fill(r.Path, "", ""), contentType: "application/x-www-form-urlencoded",
					body: []byte(form.Encode()), what: what, wantStatus: http.StatusUnprocessableEntity})
			}
		}
	}
	w.wg.Wait()
}

func queryNames(op api.Op) []string {
	names := []string{"q", "cursor"}
	for _, p := range op.Params {
		if p.In != "path" {
			names = append(names, p.Name)
		}
	}
	return names
}

// params sends bad path and query parameters.
func (w *walker) params(a walkActor, method, path string, isAPI bool, query []string) {
	var body []byte
	ct := ""
	if method != http.MethodGet && method != http.MethodHead {
		if isAPI {
			body, ct = []byte("{}"), "application/json"
		} else {
			ct = "application/x-www-form-urlencoded"
		}
	}
	for _, m := range placeholder.FindAllStringSubmatch(path, -1) {
		for what, bad := range badParams {
			w.send(probe{actor: a, method: method, path: fill(path, m[1], bad), contentType: ct, body: body, isAPI: isAPI,
				what: what + " in the path parameter " + m[1], wantStatus: http.StatusBadRequest, wantField: m[1]})
		}
	}
	base := fill(path, "", "")
	for _, name := range query {
		for what, bad := range badParams {
			w.send(probe{actor: a, method: method, path: base + "?" + name + "=" + bad, contentType: ct, body: body, isAPI: isAPI,
				what: what + " in the query parameter " + name, wantStatus: http.StatusBadRequest, wantField: name})
		}
		if method != http.MethodGet {
			continue // an acceptable value would let a write through
		}
		for _, n := range badNumbers[:2] {
			w.send(probe{actor: a, method: method, path: base + "?" + name + "=" + n, contentType: ct, body: body, isAPI: isAPI,
				what: n + " in the query parameter " + name, wantStatus: okIfFine})
		}
	}
	if method != http.MethodGet {
		return
	}
	// A cursor that decodes to a NUL.
	w.send(probe{actor: a, method: method, path: base + "?cursor=AA", contentType: ct, body: body, isAPI: isAPI, what: "a cursor holding NUL", wantStatus: okIfFine})
}

// okIfFine marks probes whose value may be acceptable to a route that does
// not read the parameter (a number, a cursor where none is read): such a
// probe may succeed, but must never fail with a server error or write.
const okIfFine = -1

// bodies sends JSON bodies with one bad field each.
func (w *walker) bodies(a walkActor, op api.Op, schemas map[string]any) {
	path := fill(op.Path, "", "")
	fields := fieldsOf(op, schemas)
	sent1MB := false
	for _, f := range fields {
		switch f.typ {
		case "string", "array-of-string":
			bad := map[string]string{}
			for k, v := range badStrings {
				bad[k] = v
			}
			if !api.MultilineName(f.name) {
				for k, v := range badLineStrings {
					bad[k] = v
				}
			}
			if !sent1MB {
				bad["1 MB string"] = `"` + strings.Repeat("x", 1<<20) + `"`
				sent1MB = true
			}
			for what, lit := range bad {
				if f.typ == "array-of-string" {
					lit = "[" + lit + "]"
				}
				w.send(probe{actor: a, method: op.Method, path: path, contentType: "application/json", isAPI: true,
					body: []byte(`{"` + f.name + `":` + lit + `}`), what: what + " in the field " + f.name})
			}
		case "integer":
			for _, n := range badNumbers[:3] {
				w.send(probe{actor: a, method: op.Method, path: path, contentType: "application/json", isAPI: true,
					body: []byte(`{"` + f.name + `":` + n + `}`), what: n + " in the field " + f.name})
			}
		}
	}
	w.send(probe{actor: a, method: op.Method, path: path, contentType: "application/json", isAPI: true,
		body: []byte("{\"x\":\"\xff\xfe\"}"), what: "invalid UTF-8 in the body"})
}

type walkField struct{ name, typ string }

// fieldsOf lists the top-level fields of an operation's request schema.
func fieldsOf(op api.Op, schemas map[string]any) []walkField {
	s := api.Spec{}
	s.Add(op)
	doc := s.Document()
	item := doc["paths"].(map[string]any)
	var sch map[string]any
	for _, v := range item {
		o := v.(map[string]any)[strings.ToLower(op.Method)].(map[string]any)
		sch = o["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)
	}
	all := doc["components"].(map[string]any)["schemas"].(map[string]any)
	if ref, ok := sch["$ref"].(string); ok {
		sch, _ = all[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	props, _ := sch["properties"].(map[string]any)
	var out []walkField
	for name, p := range props {
		pm := p.(map[string]any)
		if inner, ok := pm["allOf"].([]any); ok && len(inner) == 1 {
			pm = inner[0].(map[string]any)
		}
		switch pm["type"] {
		case "string":
			out = append(out, walkField{name, "string"})
		case "integer":
			out = append(out, walkField{name, "integer"})
		case "array":
			if it, ok := pm["items"].(map[string]any); ok && it["type"] == "string" {
				out = append(out, walkField{name, "array-of-string"})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (w *walker) send(p probe) {
	w.wg.Add(1)
	w.jobs <- func() { w.do(p) }
}

func (w *walker) do(p probe) {
	t := w.t
	var rd io.Reader
	if p.body != nil {
		rd = bytes.NewReader(p.body)
	}
	req, err := http.NewRequest(p.method, w.rig.URL+p.path, rd)
	if err != nil {
		t.Errorf("%s %.100s: %v", p.method, p.path, err)
		return
	}
	if p.contentType != "" {
		req.Header.Set("Content-Type", p.contentType)
	}
	if p.isAPI && p.actor.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.actor.token)
	}
	resp, err := p.actor.client.Do(req)
	if err != nil {
		t.Errorf("%s %.100s: %v", p.method, p.path, err)
		return
	}
	defer resp.Body.Close()
	w.mu.Lock()
	w.count++
	w.mu.Unlock()
	where := fmt.Sprintf("%s %.120s (%s)", p.method, p.path, p.what)
	if p.isAPI {
		for _, problem := range w.rig.Contract.Check(p.method, req.URL.Path, resp) {
			t.Error(problem + " [" + p.what + "]")
		}
	}
	body, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode >= 500:
		t.Errorf("%s: server error %d: %.300s", where, resp.StatusCode, body)
		return
	case p.wantStatus == okIfFine:
		return
	case resp.StatusCode < 400:
		t.Errorf("%s: accepted with %d, want a refusal", where, resp.StatusCode)
		return
	case p.wantStatus != 0 && resp.StatusCode != p.wantStatus:
		t.Errorf("%s: status %d, want %d: %.300s", where, resp.StatusCode, p.wantStatus, body)
		return
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if p.isAPI || strings.HasPrefix(req.URL.Path, "/api/") {
		var e struct {
			Error *api.Error `json:"error"`
		}
		if ct != "application/json" || json.Unmarshal(body, &e) != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("%s: status %d without the error shape: %.300s", where, resp.StatusCode, body)
			return
		}
		if p.wantField != "" && e.Error.Field != p.wantField {
			t.Errorf("%s: the error names %q, want %q", where, e.Error.Field, p.wantField)
		}
		if resp.StatusCode == http.StatusUnprocessableEntity && e.Error.Field == "" {
			t.Errorf("%s: a 422 that names no field: %.300s", where, body)
		}
		return
	}
	if p.wantField != "" && ct == "text/html" && !bytes.Contains(body, []byte(p.wantField)) {
		t.Errorf("%s: the error page does not name %q", where, p.wantField)
	}
}
