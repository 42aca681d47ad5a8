package setup_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// pathOf is the path and query of a setup link.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func secretariats(t *testing.T, rig *testrig.Rig) int {
	t.Helper()
	var n int
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM users WHERE role = ?`, string(auth.RoleSecretariat)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func form(token, password string) url.Values {
	return url.Values{"token": {token}, "name": {"First Secretary"}, "email": {"first@example.org"}, "password": {password}, "password_again": {password}}
}

const goodPassword = "tangerine orbit lantern festival"

func TestTheOneTimeLinkCreatesTheFirstSecretariatAccountOnce(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		link, err := rig.App.Setup.Link(rig.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, rig.URL+"/setup?token=") {
			t.Fatalf("link %q is not on the base URL", link)
		}
		p := pathOf(t, link)
		token := strings.TrimPrefix(p, "/setup?token=")
		c := rig.Anonymous(t)
		resp := c.Get(t, p)
		body := testrig.Body(resp)
		if resp.StatusCode != 200 || !strings.Contains(body, `name="password_again"`) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("form: %d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}

		t.Run("bad input is refused with the field and creates nothing", func(t *testing.T) {
			for _, f := range []url.Values{
				form(token, "password123"),
				func() url.Values { v := form(token, goodPassword); v.Set("password_again", goodPassword+"x"); return v }(),
				func() url.Values { v := form(token, goodPassword); v.Set("email", "not an address"); return v }(),
				func() url.Values { v := form(token, goodPassword); v.Set("name", ""); return v }(),
			} {
				resp := c.PostForm(t, "/setup", f)
				body := testrig.Body(resp)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `class="field-error"`) {
					t.Errorf("%v: %d", f, resp.StatusCode)
				}
			}
			if n := secretariats(t, rig); n != 0 {
				t.Fatalf("%d secretariat accounts after refused input", n)
			}
		})

		t.Run("a forged or altered token does not open", func(t *testing.T) {
			for _, bad := range []string{"", "nonsense", token[:len(token)-2] + "AA", strings.Repeat("A", 80)} {
				if resp := c.Get(t, "/setup?token="+url.QueryEscape(bad)); resp.StatusCode != http.StatusGone {
					t.Errorf("token %q: %d", bad, resp.StatusCode)
				}
				if resp := c.PostForm(t, "/setup", form(bad, goodPassword)); resp.StatusCode != http.StatusGone {
					t.Errorf("post with token %q: %d", bad, resp.StatusCode)
				}
			}
		})

		t.Run("the link makes one account, which signs in and enrols its second factor", func(t *testing.T) {
			resp := c.PostForm(t, "/setup", form(token, goodPassword))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Fatalf("create: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			u, err := rig.App.Services.Auth.ByEmail(rig.Ctx, "first@example.org")
			if err != nil || u.Role != auth.RoleSecretariat || u.MustChangePassword {
				t.Fatalf("account: %+v %v", u, err)
			}
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND actor_id = 'setup'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("audit entries for the setup: %d %v", n, err)
			}
			sc := rig.Anonymous(t)
			resp = sc.PostForm(t, "/signin", url.Values{"email": {"first@example.org"}, "password": {goodPassword}})
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
				t.Fatalf("sign in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})

		t.Run("once a secretariat account exists, no link opens", func(t *testing.T) {
			if resp := c.Get(t, p); resp.StatusCode != http.StatusGone {
				t.Errorf("the used link: %d", resp.StatusCode)
			}
			fresh, err := rig.App.Setup.Link(rig.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			f := form(strings.TrimPrefix(pathOf(t, fresh), "/setup?token="), goodPassword)
			f.Set("email", "second@example.org")
			if resp := c.PostForm(t, "/setup", f); resp.StatusCode != http.StatusGone {
				t.Errorf("a fresh link: %d", resp.StatusCode)
			}
			if n := secretariats(t, rig); n != 1 {
				t.Errorf("%d secretariat accounts", n)
			}
		})
	})
}

func TestALinkExpiresAfterAnHour(t *testing.T) {
	rig := testrig.New(t)
	link, err := rig.App.Setup.Link(rig.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := rig.Anonymous(t)
	rig.App.Services.Clock.Advance(59 * time.Minute)
	if resp := c.Get(t, pathOf(t, link)); resp.StatusCode != 200 {
		t.Fatalf("after 59 minutes: %d", resp.StatusCode)
	}
	rig.App.Services.Clock.Advance(2 * time.Minute)
	if resp := c.Get(t, pathOf(t, link)); resp.StatusCode != http.StatusGone {
		t.Fatalf("after 61 minutes: %d", resp.StatusCode)
	}
}

func TestTwoPostsAtOnceMakeOneAccount(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		link, err := rig.App.Setup.Link(rig.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		token := strings.TrimPrefix(pathOf(t, link), "/setup?token=")
		var wg sync.WaitGroup
		statuses := make([]int, 8)
		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				f := form(token, goodPassword)
				f.Set("email", "first"+string(rune('a'+i))+"@example.org")
				req, _ := http.NewRequest("POST", rig.URL+"/setup", strings.NewReader(f.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err == nil {
					statuses[i] = resp.StatusCode
					resp.Body.Close()
				}
			}(i)
		}
		wg.Wait()
		if n := secretariats(t, rig); n != 1 {
			t.Fatalf("%d secretariat accounts from %d simultaneous posts (statuses %v)", n, len(statuses), statuses)
		}
	})
}

func TestLinksAreAcceptedOnlyFromTheSetupNetworks(t *testing.T) {
	behindProxy := func(c *config.Config) {
		c.TrustProxy = true
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	rig := testrig.NewWith(t, "sqlite", behindProxy)
	link, err := rig.App.Setup.Link(rig.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := pathOf(t, link)
	c := rig.Anonymous(t)
	cases := []struct {
		client string
		want   int
	}{
		{"203.0.113.7", http.StatusForbidden}, // a public address, through the proxy
		{"2001:db8::7", http.StatusForbidden},
		{"192.168.1.20", http.StatusOK}, // the operator's network
		{"10.1.2.3", http.StatusOK},
	}
	for _, cs := range cases {
		resp := c.Do(t, "GET", p, nil, map[string]string{"X-Forwarded-For": cs.client})
		body := testrig.Body(resp)
		if resp.StatusCode != cs.want {
			t.Errorf("from %s: %d, want %d", cs.client, resp.StatusCode, cs.want)
		}
		if cs.want == http.StatusForbidden && !strings.Contains(body, "--setup-networks") {
			t.Errorf("from %s: the refusal does not name --setup-networks", cs.client)
		}
	}
	resp := c.Do(t, "POST", "/setup", form(strings.TrimPrefix(p, "/setup?token="), goodPassword), map[string]string{"X-Forwarded-For": "203.0.113.7"})
	if resp.StatusCode != http.StatusForbidden || secretariats(t, rig) != 0 {
		t.Fatalf("post from a public address: %d", resp.StatusCode)
	}

	closed := testrig.NewWith(t, "sqlite", func(c *config.Config) { c.SetupNetworks = nil })
	link, err = closed.App.Setup.Link(closed.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if resp := closed.Anonymous(t).Get(t, pathOf(t, link)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("with no setup networks, from loopback: %d", resp.StatusCode)
	}
}

func TestServeAnnouncesTheLinkOnlyWhileNoSecretariatExists(t *testing.T) {
	rig := testrig.New(t)
	var logs bytes.Buffer
	rig.App.Services.Log = slog.New(slog.NewTextHandler(&logs, nil))
	if err := rig.App.Setup.Announce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `link="`+rig.URL+"/setup?token=") || !strings.Contains(logs.String(), "cybernorms user add") {
		t.Fatalf("announcement: %s", logs.String())
	}
	rig.User(t, auth.RoleSecretariat, "")
	logs.Reset()
	if err := rig.App.Setup.Announce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Fatalf("announced with a secretariat account: %s", logs.String())
	}
}

// A claim left by a post whose server died before it made the account
// holds the setup for a minute, then the next post takes it over.
func TestAStaleClaimIsTakenOver(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		link, err := rig.App.Setup.Link(rig.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		now := rig.App.Services.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
		if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO settings (key, value) VALUES ('setup.claim', ?)`, now); err != nil {
			t.Fatal(err)
		}
		f := form(strings.TrimPrefix(pathOf(t, link), "/setup?token="), goodPassword)
		c := rig.Anonymous(t)
		if resp := c.PostForm(t, "/setup", f); resp.StatusCode != http.StatusGone || secretariats(t, rig) != 0 {
			t.Fatalf("while the claim is fresh: %d, %d accounts", resp.StatusCode, secretariats(t, rig))
		}
		rig.App.Services.Clock.Advance(2 * time.Minute)
		if resp := c.PostForm(t, "/setup", f); resp.StatusCode != http.StatusSeeOther || secretariats(t, rig) != 1 {
			t.Fatalf("once the claim is stale: %d, %d accounts", resp.StatusCode, secretariats(t, rig))
		}
	})
}
