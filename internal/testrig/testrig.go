// Package testrig builds a complete, running cybernorms for tests: a fresh
// database (SQLite, or PostgreSQL in its own schema), the assembled app
// behind an httptest server, and helpers to make accounts and signed-in
// clients. Integration tests live in external test packages (package
// foo_test) so that they can import it.
package testrig

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/migrations"
)

// Password is the password of every account the rig makes.
const Password = "correct horse battery staple"

// Rig is a running app for one test.
type Rig struct {
	App    *app.App
	DB     *db.DB
	Server *httptest.Server
	URL    string
	Dir    string
	Ctx    context.Context
	// Contract validates every API answer a Client of this rig receives
	// against the OpenAPI document (see contract.go).
	Contract *Contract
	n        atomic.Int64
}

// DBKinds returns the databases to run against: SQLite always, PostgreSQL
// when CYBERNORMS_TEST_DATABASE_URL is set. With CYBERNORMS_REQUIRE_ALL=1 a
// missing PostgreSQL fails the test instead of skipping it.
func DBKinds(t testing.TB) []string {
	kinds := []string{"sqlite"}
	if os.Getenv("CYBERNORMS_TEST_DATABASE_URL") != "" {
		kinds = append(kinds, "postgres")
	} else if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
		t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but CYBERNORMS_TEST_DATABASE_URL is not set")
	}
	return kinds
}

// Each runs fn as a subtest on every database of DBKinds.
func Each(t *testing.T, fn func(t *testing.T, rig *Rig)) {
	for _, kind := range DBKinds(t) {
		t.Run(kind, func(t *testing.T) { fn(t, NewOn(t, kind)) })
	}
	if os.Getenv("CYBERNORMS_TEST_DATABASE_URL") == "" && os.Getenv("CYBERNORMS_REQUIRE_ALL") != "1" {
		t.Log("PostgreSQL skipped: set CYBERNORMS_TEST_DATABASE_URL to run these tests on PostgreSQL too")
	}
}

// New builds a rig on SQLite.
func New(t testing.TB) *Rig { return NewOn(t, "sqlite") }

var schemaRE = regexp.MustCompile(`[^a-z0-9_]`)

// OpenDB opens a fresh, migrated database of the kind: a temporary SQLite
// file, or a new PostgreSQL schema dropped at the end of the test.
func OpenDB(t testing.TB, kind, dir string) (*db.DB, config.Config) {
	return openDB(t, kind, dir, "")
}

// OpenKept opens a database that outlives the test, for benchmarks that
// fill it once: on SQLite the one in dir, on PostgreSQL the schema named
// keep (created if missing) of CYBERNORMS_TEST_DATABASE_URL's database.
func OpenKept(t testing.TB, kind, dir, keep string) (*db.DB, config.Config) {
	return openDB(t, kind, dir, keep)
}

func openDB(t testing.TB, kind, dir, keep string) (*db.DB, config.Config) {
	t.Helper()
	auth.UseCheapHashesInTests()
	ctx := context.Background()
	cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = dir
	cfg.Workers = 0
	cfg.MasterKey = seal.Generate() // each test app has its own master key
	if keep != "" {
		// A kept database keeps its data keys: its master key is derived
		// from its name, the same at every run (test data only).
		sum := sha256.Sum256([]byte("cybernorms test master key\x00" + keep))
		cfg.MasterKey = base64.StdEncoding.EncodeToString(sum[:])
	}
	if kind == "postgres" {
		cfg.DatabaseURL = postgresURL(t, keep, true)
	} else if err := copySQLiteTemplate(dir); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CYBERNORMS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatalf("open %s database: %v", kind, err)
	}
	t.Cleanup(func() { d.Close() })
	return d, cfg
}

// postgresURL makes a schema of CYBERNORMS_TEST_DATABASE_URL's database —
// a new one dropped at the end of the test, or the one named keep, kept —
// and returns the URL whose search path is that schema; or, for a new
// database that is to be migrated, returns a copy of the migrated template
// (postgresCopy) where the server allows it.
func postgresURL(t testing.TB, keep string, migrated bool) string {
	t.Helper()
	ctx := context.Background()
	base := os.Getenv("CYBERNORMS_TEST_DATABASE_URL")
	if base == "" {
		t.Skip("PostgreSQL skipped: CYBERNORMS_TEST_DATABASE_URL is not set")
	}
	schema := "t_" + schemaRE.ReplaceAllString(strings.ToLower(id.New()), "")
	if keep != "" {
		schema = schemaRE.ReplaceAllString(strings.ToLower(keep), "")
	}
	admin, err := db.Open(ctx, base, db.Options{MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	if keep == "" && migrated {
		if u, ok := postgresCopy(t, admin, base); ok {
			return u
		}
	}
	if _, err := admin.SQL.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if keep == "" {
			_, _ = admin.SQL.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenUnmigrated opens an empty database of the kind that no migration has
// run on (a SQLite file, or a new PostgreSQL schema), for tests that
// migrate it step by step: MigrationsBefore, rows as older code wrote
// them, then the rest.
func OpenUnmigrated(t testing.TB, kind string) *db.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "c.db")
	if kind == "postgres" {
		dsn = postgresURL(t, "", false)
	}
	d, err := db.Open(context.Background(), dsn, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// MigrationsBefore are the migrations older than version (a file name's
// prefix, e.g. "1201").
func MigrationsBefore(t testing.TB, version string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	files, err := migrations.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range files {
		if e.Name() < version {
			body, err := migrations.FS.ReadFile(e.Name())
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = &fstest.MapFile{Data: body}
		}
	}
	return out
}

// EachWith runs fn on every database of DBKinds, with a rig whose
// configuration configure has changed (a base URL, trusted proxies, keys).
// Its subtests are named "sqlite-configured" and "postgres-configured": a
// second "sqlite" subtest would be "sqlite#01", and a "#" in the SQLite
// file's path ends the file name in its "file:" URI.
func EachWith(t *testing.T, configure func(*config.Config), fn func(t *testing.T, rig *Rig)) {
	for _, kind := range DBKinds(t) {
		t.Run(kind+"-configured", func(t *testing.T) { fn(t, NewWith(t, kind, configure)) })
	}
}

// NewOn builds a rig on the given database kind ("sqlite" or "postgres").
func NewOn(t testing.TB, kind string) *Rig { return NewWith(t, kind, nil) }

// NewWith builds a rig on the database kind with its configuration changed
// by configure (nil for none) after the defaults and the test's base URL.
func NewWith(t testing.TB, kind string, configure func(*config.Config)) *Rig {
	t.Helper()
	dir := t.TempDir()
	d, cfg := OpenDB(t, kind, filepath.Join(dir, "data"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("CYBERNORMS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + srv.Listener.Addr().String()
	if configure != nil {
		configure(&cfg)
	}
	a, err := app.New(context.Background(), cfg, d, log)
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })
	return &Rig{App: a, DB: d, Server: srv, URL: srv.URL, Dir: dir, Ctx: context.Background(), Contract: &Contract{spec: a.Spec}}
}

// Organisation makes a stakeholder organisation and returns its slug.
func (r *Rig) Organisation(t testing.TB, name string) string {
	t.Helper()
	slug := strings.Trim(schemaRE.ReplaceAllString(strings.ToLower(strings.ReplaceAll(name, " ", "-")), "-"), "-")
	if len(slug) > 40 {
		slug = slug[:40]
	}
	slug = fmt.Sprintf("%s-%d", slug, r.n.Add(1))
	req := httptest.NewRequest("POST", "/", nil).WithContext(r.Ctx)
	if _, err := admin.CreateOrganisation(req, r.DB, admin.Organisation{Slug: slug, Name: name, Kind: "business"}); err != nil {
		t.Fatal(err)
	}
	return slug
}

// User makes an account. For State roles pass the ISO3 code as scope; for
// stakeholders the organisation slug (made if empty).
func (r *Rig) User(t testing.TB, role auth.Role, scope string) *auth.User {
	t.Helper()
	n := r.n.Add(1)
	nu := auth.NewUser{Email: fmt.Sprintf("%s-%d@example.org", role, n), Name: fmt.Sprintf("Test %s %d", role, n), Role: role, Password: Password}
	switch {
	case role.IsState():
		if scope == "" {
			scope = "FRA"
		}
		nu.StateISO3 = scope
	case role == auth.RoleStakeholder:
		if scope == "" {
			scope = r.Organisation(t, fmt.Sprintf("Org %d", n))
		}
		nu.OrgSlug = scope
	}
	u, err := r.App.Services.Auth.Create(r.Ctx, nu)
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// Client is an HTTP client with a cookie jar, acting as one browser.
type Client struct {
	*http.Client
	Base string
	User *auth.User
	// TOTPSecret and RecoveryCodes are the second factor SignIn enrolled.
	TOTPSecret    string
	RecoveryCodes []string
	t             testing.TB
	// contract, when set, validates every API answer (Rig.Contract).
	contract *Contract
}

var recoveryCodeRE = regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`)

// TOTPCode is the code of secret at now+offset. A code is accepted once per
// 30-second step, and only for a step later than the last one accepted: a
// test that signs in again soon after an enrolment uses offset 30 s.
func TOTPCode(t testing.TB, secret string, offset time.Duration) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// Anonymous returns a client that is not signed in and does not follow
// redirects.
func (r *Rig) Anonymous(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{Client: &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, Base: r.URL, t: t, contract: r.Contract}
}

// SignIn returns a client signed in as u through the real sign-in pages,
// enrolling and passing the second factor where the role requires it.
func (r *Rig) SignIn(t testing.TB, u *auth.User) *Client {
	t.Helper()
	c := r.Anonymous(t)
	c.User = u
	resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", u.Email, resp.StatusCode)
	}
	if strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
		body := c.GetBody(t, "/signin/second-factor")
		m := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no enrolment secret on the second-factor page")
		}
		code, err := totp.GenerateCode(m[1], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {m[1]}, "code": {code}, "next": {"/"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("enrol second factor: status %d", resp.StatusCode)
		}
		c.TOTPSecret = m[1]
		for _, g := range recoveryCodeRE.FindAllStringSubmatch(Body(resp), -1) {
			c.RecoveryCodes = append(c.RecoveryCodes, g[1])
		}
	}
	return c
}

// Token returns a personal API token for u.
func (r *Rig) Token(t testing.TB, u *auth.User) string {
	t.Helper()
	_, secret, err := r.App.Services.Auth.CreateToken(r.Ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Do sends a request; body may be nil, a string, or url.Values (form).
func (c *Client) Do(t testing.TB, method, path string, body any, header map[string]string) *http.Response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	case url.Values:
		rd = strings.NewReader(b.Encode())
		ct = "application/x-www-form-urlencoded"
	default:
		t.Fatalf("unsupported body %T", body)
	}
	req, err := http.NewRequest(method, c.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	c.checkContract(t, req, resp)
	if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("%s %s: a 401 without WWW-Authenticate (RFC 9110 §11.6.1)", method, path)
	}
	return resp
}

// Get sends a GET.
func (c *Client) Get(t testing.TB, path string) *http.Response { return c.Do(t, "GET", path, nil, nil) }

// PostForm sends a form POST.
func (c *Client) PostForm(t testing.TB, path string, form url.Values) *http.Response {
	return c.Do(t, "POST", path, form, nil)
}

// GetBody GETs path, requires 200 and returns the body.
func (c *Client) GetBody(t testing.TB, path string) string {
	t.Helper()
	resp := c.Get(t, path)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %.300s", path, resp.StatusCode, b)
	}
	return string(b)
}

// Body reads a response body.
func Body(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// DrainJobs runs every queued job now (the rig runs no workers).
func (r *Rig) DrainJobs(t testing.TB) {
	t.Helper()
	if err := r.App.Services.Jobs.Drain(r.Ctx); err != nil {
		t.Fatal(err)
	}
}

// Outbox returns the parsed messages in the mail outbox, newest first.
func (r *Rig) OutboxDir() string { return r.App.Services.OutboxDir }
