package demo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/demo"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// small is the registry the tests run: the platform step with a small
// number of organisations, so a run takes a second.
func small() *demo.Registry {
	r := &demo.Registry{}
	r.Register("platform", nil, demo.Platform(40))
	return r
}

// tableCounts counts the rows of every table, to show that a refused run
// wrote nothing.
func tableCounts(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`
	}
	rows, err := d.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]int64{}
	for _, n := range names {
		if strings.HasSuffix(n, "_fts") || strings.Contains(n, "_fts_") {
			continue // FTS5 shadow tables
		}
		var c int64
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+n).Scan(&c); err != nil {
			t.Fatalf("count %s: %v", n, err)
		}
		out[n] = c
	}
	return out
}

func TestParseArgs(t *testing.T) {
	refused := []struct {
		name string
		args []string
		want string
	}{
		{"scale zero is refused", []string{"--scale", "0"}, "--scale: must be at least 1"},
		{"a negative scale is refused", []string{"--scale=-4"}, "--scale: must be at least 1"},
		{"an absurd scale is refused", []string{"--scale", "1000000"}, "too large"},
		{"a scale that is not a number is refused", []string{"--scale", "ten"}, "must be a whole number"},
		{"a fractional scale is refused", []string{"--scale", "1.5"}, "must be a whole number"},
		{"a seed that is not a number is refused", []string{"--seed", "abc"}, "must be a whole number"},
		{"a negative seed is refused", []string{"--seed", "-1"}, "must be a whole number"},
		{"a stray argument is refused", []string{"now"}, "unexpected argument"},
		{"an unknown flag is refused", []string{"--size", "2"}, "flag provided but not defined"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			_, err := demo.ParseArgs(c.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("ParseArgs(%q) = %v, want an error containing %q", c.args, err, c.want)
			}
		})
	}
	accepted := []struct {
		name string
		args []string
		want demo.Options
	}{
		{"no flags give scale 1 and the default seed", nil, demo.Options{Scale: 1, Seed: demo.DefaultSeed}},
		{"scale, seed and force are read", []string{"--scale", "10", "--seed", "7", "--force"}, demo.Options{Scale: 10, Seed: 7, Force: true}},
		{"the largest scale is accepted", []string{"--scale=100"}, demo.Options{Scale: 100, Seed: demo.DefaultSeed}},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			got, err := demo.ParseArgs(c.args, io.Discard)
			if err != nil || got != c.want {
				t.Fatalf("ParseArgs(%q) = %+v, %v; want %+v", c.args, got, err, c.want)
			}
		})
	}
}

func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"--scale 1", "--scale 0", "--scale -1 --force", "--seed 18446744073709551615", "--scale 1e3", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := demo.ParseArgs(strings.Fields(s), io.Discard)
		if err == nil && (o.Scale < 1 || o.Scale > demo.MaxScale) {
			t.Fatalf("ParseArgs(%q) accepted scale %d", s, o.Scale)
		}
	})
}

func noop(context.Context, *platform.Services, *rand.Rand, int, func(string)) error { return nil }

func TestRegistryOrder(t *testing.T) {
	t.Run("steps run after the steps they name, otherwise in registration order", func(t *testing.T) {
		r := &demo.Registry{}
		r.Register("monitoring", []string{"reporting"}, noop)
		r.Register("platform", nil, noop)
		r.Register("bulletin", []string{"platform"}, noop)
		r.Register("reporting", []string{"platform"}, noop)
		steps, err := r.Ordered()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range steps {
			names = append(names, s.Name)
		}
		want := []string{"platform", "bulletin", "reporting", "monitoring"}
		if !slices.Equal(names, want) {
			t.Fatalf("order %v, want %v", names, want)
		}
	})
	bad := []struct {
		name string
		reg  func(r *demo.Registry)
		want string
	}{
		{"an unknown dependency is an error", func(r *demo.Registry) { r.Register("a", []string{"nowhere"}, noop) }, "not registered"},
		{"a cycle is an error", func(r *demo.Registry) {
			r.Register("a", []string{"b"}, noop)
			r.Register("b", []string{"a"}, noop)
		}, "cycle"},
		{"a name registered twice is an error", func(r *demo.Registry) { r.Register("a", nil, noop); r.Register("a", nil, noop) }, "twice"},
		{"a step without a generator is an error", func(r *demo.Registry) { r.Register("a", nil, nil) }, "required"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := &demo.Registry{}
			c.reg(r)
			if _, err := r.Ordered(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Ordered() = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestDefaultRegistryIsWellFormed(t *testing.T) {
	steps, err := demo.Default().Ordered()
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Name != "platform" {
		t.Fatalf("first step is %q, want platform", steps[0].Name)
	}
}

func TestRNGIsDeterministicPerStep(t *testing.T) {
	a, b, c := demo.RNG(1, "reporting"), demo.RNG(1, "reporting"), demo.RNG(1, "bulletin")
	x, y, z := a.Uint64(), b.Uint64(), c.Uint64()
	if x != y {
		t.Fatal("the same seed and step gave different numbers")
	}
	if x == z {
		t.Fatal("two steps share one random sequence")
	}
}

func TestRunRefusesBadScaleBeforeOpeningTheDatabase(t *testing.T) {
	for _, scale := range []int{0, -1, demo.MaxScale + 1} {
		t.Run(fmt.Sprintf("scale %d writes nothing", scale), func(t *testing.T) {
			cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			_, err = demo.Run(context.Background(), cfg, quiet, demo.Options{Scale: scale, Seed: 1}, small(), io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--scale") {
				t.Fatalf("Run with scale %d = %v, want a --scale error", scale, err)
			}
			if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the data folder was created (%v)", err)
			}
		})
	}
}

func TestRun(t *testing.T) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Run("a database that holds an organisation is refused without --force and left unchanged", func(t *testing.T) {
				d, cfg := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				req := httptest.NewRequest("POST", "/", nil)
				if _, err := admin.CreateOrganisation(req, d, admin.Organisation{Slug: "acme", Name: "Acme", Kind: "business"}); err != nil {
					t.Fatal(err)
				}
				before := tableCounts(t, d)
				_, err := demo.Run(context.Background(), cfg, quiet, demo.Options{Scale: 1, Seed: 1}, small(), io.Discard)
				if !errors.Is(err, demo.ErrNotEmpty) || !strings.Contains(err.Error(), "1 organisations") || !strings.Contains(err.Error(), "--force") {
					t.Fatalf("Run = %v, want ErrNotEmpty naming the organisation and --force", err)
				}
				if after := tableCounts(t, d); !mapsEqual(before, after) {
					t.Fatalf("rows changed:\nbefore %v\nafter  %v", before, after)
				}
			})

			t.Run("the same seed makes the same data, and a second run needs --force", func(t *testing.T) {
				d1, cfg1 := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				d2, cfg2 := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				var out bytes.Buffer
				if _, err := demo.Run(context.Background(), cfg1, quiet, demo.Options{Scale: 1, Seed: 42}, small(), &out); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(out.String(), "platform done in") {
					t.Fatalf("no progress printed:\n%s", out.String())
				}
				if _, err := demo.Run(context.Background(), cfg2, quiet, demo.Options{Scale: 1, Seed: 42}, small(), io.Discard); err != nil {
					t.Fatal(err)
				}
				w1, w2 := world(t, d1), world(t, d2)
				if w1 != w2 {
					t.Fatalf("same seed, different data:\n%s\n---\n%s", w1, w2)
				}
				if c := tableCounts(t, d1); c["organisations"] != 40 || c["users"] != int64(len(demo.Accounts())) || c["demo_runs"] != 1 {
					t.Fatalf("counts %v: want 40 organisations, %d users, 1 demo run", c, len(demo.Accounts()))
				}
				d3, cfg3 := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				if _, err := demo.Run(context.Background(), cfg3, quiet, demo.Options{Scale: 1, Seed: 43}, small(), io.Discard); err != nil {
					t.Fatal(err)
				}
				if world(t, d3) == w1 {
					t.Fatal("a different seed made the same organisations")
				}
				before := tableCounts(t, d1)
				if _, err := demo.Run(context.Background(), cfg1, quiet, demo.Options{Scale: 1, Seed: 42}, small(), io.Discard); !errors.Is(err, demo.ErrNotEmpty) {
					t.Fatalf("second run without --force = %v, want ErrNotEmpty", err)
				}
				if after := tableCounts(t, d1); !mapsEqual(before, after) {
					t.Fatalf("a refused second run changed rows:\nbefore %v\nafter  %v", before, after)
				}
				if _, err := demo.Run(context.Background(), cfg1, quiet, demo.Options{Scale: 1, Seed: 42, Force: true}, small(), io.Discard); err != nil {
					t.Fatalf("second run with --force: %v", err)
				}
				if c := tableCounts(t, d1); c["organisations"] != 40 || c["demo_runs"] != 2 {
					t.Fatalf("after a forced re-run with the same seed: %v; want the same 40 organisations and 2 demo runs", c)
				}
			})

			t.Run("every demo account signs in with the demo password, and the site shows the demo banner", func(t *testing.T) {
				d, cfg := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
				if _, err := demo.Run(context.Background(), cfg, quiet, demo.Options{Scale: 1, Seed: 1}, small(), io.Discard); err != nil {
					t.Fatal(err)
				}
				a, err := app.New(context.Background(), cfg, d, quiet)
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(a.Handler())
				t.Cleanup(func() { srv.Close(); a.Close() })
				for _, acc := range demo.Accounts() {
					signIn(t, srv.URL, acc.Email)
				}
				body := get(t, &http.Client{}, srv.URL+"/norms")
				if !strings.Contains(body, `class="demo-banner"`) {
					t.Fatal("no demo banner on /norms")
				}
				fr := get(t, &http.Client{}, srv.URL+"/norms/gge2015-a?lang=fr")
				if !strings.Contains(fr, "Texte de démonstration") {
					t.Fatal("no demonstration French text on /norms/gge2015-a")
				}
			})
		})
	}
}

// world describes the data a run made, without its random ULIDs: the
// organisations and accounts in a stable order.
func world(t *testing.T, d *db.DB) string {
	t.Helper()
	var b strings.Builder
	rows, err := d.QueryContext(context.Background(), `SELECT slug, name, kind FROM organisations ORDER BY slug`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s, n, k string
		if err := rows.Scan(&s, &n, &k); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "org %s %s %s\n", s, n, k)
	}
	rows.Close()
	rows, err = d.QueryContext(context.Background(), `SELECT u.email, u.name, u.role, COALESCE(u.state_iso3, ''), COALESCE(o.slug, '') FROM users u LEFT JOIN organisations o ON o.id = u.org_id ORDER BY u.email`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, n, r, s, o string
		if err := rows.Scan(&e, &n, &r, &s, &o); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "user %s %s %s %s %s\n", e, n, r, s, o)
	}
	return b.String()
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return string(b)
}

var secretRE = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)

// signIn goes through the real sign-in pages with the demo password,
// enrolling a second factor where the role requires one, and checks that
// the account page then opens.
func signIn(t *testing.T, base, email string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {demo.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", email, resp.StatusCode)
	}
	if strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
		m := secretRE.FindStringSubmatch(get(t, c, base+"/signin/second-factor"))
		if m == nil {
			t.Fatalf("%s: no enrolment secret on the second-factor page", email)
		}
		code, err := totp.GenerateCode(m[1], time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.PostForm(base+"/signin/enrol", url.Values{"secret": {m[1]}, "code": {code}, "next": {"/"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: enrol second factor: status %d", email, resp.StatusCode)
		}
	}
	if body := get(t, c, base+"/account"); !strings.Contains(body, email) {
		t.Fatalf("%s: the account page does not show the address", email)
	}
}
