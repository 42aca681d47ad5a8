package account_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// bypasses are next= values known to lead browsers to another host.
var bypasses = []string{
	"//evil.example/", "///evil.example", "/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/%09/evil.example",
	"/\n/evil.example", "/%0a/evil.example", "/%2f%2fevil.example", "/%2F/evil.example", "/%5cevil.example", "https:evil.example",
	"https://evil.example", "javascript:alert(1)", " //evil.example", "/.//evil.example", "/\u202e/evil.example",
}

// sameSite fails unless the answer to a request carrying next is refused
// outright (4xx, as the shared text validation refuses control characters
// in a field) or redirects to want, on the rig's host.
func sameSite(t *testing.T, rig *testrig.Rig, next string, resp *http.Response, want string) {
	t.Helper()
	loc := resp.Header.Get("Location")
	if loc == "" && resp.StatusCode >= 400 && resp.StatusCode < 500 {
		return
	}
	clean := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(loc))
	base, _ := url.Parse(rig.URL)
	u, err := url.Parse(clean)
	if err == nil {
		u = base.ResolveReference(u)
	}
	if err != nil || u.Host != base.Host || loc != want {
		t.Errorf("next=%q: redirected to %q, want %q", next, loc, want)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("/lang", func(t *testing.T) {
			c := rig.Anonymous(t)
			for _, next := range bypasses {
				resp := c.Get(t, "/lang?to=fr&next="+url.QueryEscape(next))
				sameSite(t, rig, next, resp, "/")
			}
			resp := c.Get(t, "/lang?to=fr&next="+url.QueryEscape("/reports?state=FRA"))
			sameSite(t, rig, "/reports", resp, "/reports?state=FRA")
		})
		t.Run("sign-in", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			for _, next := range bypasses {
				c := rig.Anonymous(t)
				resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}, "next": {next}})
				sameSite(t, rig, next, resp, "/")
			}
		})
		t.Run("second factor", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "KEN")
			c := rig.Anonymous(t)
			for _, next := range bypasses {
				resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}, "next": {next}})
				if loc := resp.Header.Get("Location"); loc != "/signin/second-factor?next=%2F" && resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("next=%q: sign-in sent the second factor %q", next, loc)
				}
			}
			body := c.GetBody(t, "/signin/second-factor")
			secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)[1]
			code, _ := totp.GenerateCode(secret, time.Now())
			body = testrig.Body(c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {code}, "next": {"//evil.example"}}))
			if strings.Contains(body, "evil.example") {
				t.Error("the recovery-codes page links to the other host")
			}
			codes := regexp.MustCompile(`<code>([a-z2-7-]{19})</code>`).FindAllStringSubmatch(body, -1)
			// A recovery code passes the factor and redirects to next.
			for i, next := range bypasses[:4] {
				c := rig.Anonymous(t)
				c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
				resp := c.PostForm(t, "/signin/second-factor", url.Values{"code": {codes[i][1]}, "next": {next}})
				sameSite(t, rig, next, resp, "/")
			}
			// Signed in, the second-factor page sends on to next at once.
			for _, next := range bypasses {
				resp := c.Get(t, "/signin/second-factor?next="+url.QueryEscape(next))
				sameSite(t, rig, next, resp, "/")
				resp = c.PostForm(t, "/signin/second-factor", url.Values{"next": {next}})
				sameSite(t, rig, next, resp, "/")
			}
		})
	})
}

func TestSigninThrottleHoldsUnderParallelAttempts(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStakeholder, "")
		const n = 40
		statuses := make(chan int, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := rig.Anonymous(t)
				resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {"wrong password, attempt"}})
				statuses <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for s := range statuses {
			count[s]++
		}
		if count[http.StatusUnauthorized] > auth.MaxFailuresAccount || count[http.StatusTooManyRequests] != n-count[http.StatusUnauthorized] {
			t.Fatalf("40 parallel wrong passwords: %v, want at most %d answered 401 and the rest 429", count, auth.MaxFailuresAccount)
		}
	})
}

func TestNoStoreAndSecureCookies(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStakeholder, "")
		c := rig.SignIn(t, u)
		for _, p := range []string{"/account", "/api/v1/me", "/", "/norms"} {
			if cc := c.Get(t, p).Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("signed-in GET %s: Cache-Control %q, want no-store", p, cc)
			}
		}
		body := testrig.Body(c.PostForm(t, "/account/tokens", url.Values{"name": {"script"}}))
		token := regexp.MustCompile(`id="new-token">(cn_[a-z2-7]+)<`).FindStringSubmatch(body)[1]
		api := rig.Anonymous(t)
		for _, p := range []string{"/api/v1/me/tokens", "/api/v1/norms"} {
			resp := api.Do(t, "GET", p, nil, map[string]string{"Authorization": "Bearer " + token})
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("token GET %s: Cache-Control %q, want no-store", p, cc)
			}
		}
		// The reset page carries its token: never stored, never cached.
		anon := rig.Anonymous(t)
		for i := 0; i < 2; i++ {
			resp := anon.Get(t, "/password/reset?token=abcdefabcdefabcdef")
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" || resp.Header.Get("X-Cache") == "hit" {
				t.Fatalf("reset page: Cache-Control %q, X-Cache %q", cc, resp.Header.Get("X-Cache"))
			}
		}
	})
	testrig.EachWith(t, func(c *config.Config) { c.BaseURL = "https://cybernorms.example" }, func(t *testing.T, rig *testrig.Rig) {
		h := rig.App.Handler()
		for _, p := range []string{"/lang?to=fr&next=/", "/?lang=es"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
			cookies := rec.Result().Cookies()
			if len(cookies) == 0 {
				t.Fatalf("GET %s set no cookie", p)
			}
			for _, ck := range cookies {
				if !ck.Secure || !strings.HasPrefix(ck.Name, "__Host-") || ck.Path != "/" || ck.Domain != "" {
					t.Errorf("GET %s over https: cookie %s secure=%v path=%q domain=%q", p, ck.Name, ck.Secure, ck.Path, ck.Domain)
				}
			}
		}
		// The session cookie too, through a real sign-in.
		u := rig.User(t, auth.RoleStakeholder, "")
		form := url.Values{"email": {u.Email}, "password": {testrig.Password}}
		req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var session *http.Cookie
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "__Host-cn_session" {
				session = ck
			}
		}
		if rec.Code != http.StatusSeeOther || session == nil || !session.Secure {
			t.Fatalf("sign-in over https: %d, cookies %v", rec.Code, rec.Result().Cookies())
		}
		req = httptest.NewRequest("GET", "/api/v1/me", nil)
		req.AddCookie(session)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("the __Host- session cookie is not read back: %d", rec.Code)
		}
	})
}

func TestResetLinksStayWithTheirRecipient(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStakeholder, "")
		anon := rig.Anonymous(t)
		for i := 0; i < 2; i++ {
			if resp := anon.PostForm(t, "/password/forgot", url.Values{"email": {u.Email}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("forgot: %d", resp.StatusCode)
			}
		}
		rig.DrainJobs(t)
		entries, err := mail.List(rig.OutboxDir(), 10)
		if err != nil || len(entries) != 2 {
			t.Fatalf("outbox: %d messages, %v", len(entries), err)
		}
		var tokens []string
		for _, e := range entries {
			m, err := mail.Read(rig.OutboxDir(), e.Name)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, regexp.MustCompile(`token=([a-z2-7]+)`).FindStringSubmatch(m.Text)[1])
		}

		t.Run("the back office does not show the link", func(t *testing.T) {
			staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
			pages := []string{"/admin/outbox"}
			for _, e := range entries {
				pages = append(pages, "/admin/outbox/"+e.Name)
			}
			for _, p := range pages {
				body := staff.GetBody(t, p)
				for _, tok := range tokens {
					if strings.Contains(body, tok) {
						t.Errorf("%s shows a reset token to the secretariat", p)
					}
				}
			}
		})
		t.Run("the sent mail's job keeps no usable link", func(t *testing.T) {
			rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT state, payload FROM jobs WHERE kind = 'mail.send'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var state, payload string
				if err := rows.Scan(&state, &payload); err != nil {
					t.Fatal(err)
				}
				n++
				for _, tok := range tokens {
					if strings.Contains(payload, tok) {
						t.Errorf("a %s mail job still holds a reset token", state)
					}
				}
			}
			if n < 2 {
				t.Fatalf("%d mail jobs", n)
			}
		})
		t.Run("a reset ends every other reset link and is attributed to the user", func(t *testing.T) {
			if resp := anon.PostForm(t, "/password/reset", url.Values{"token": {tokens[0]}, "password": {"a brand new passphrase"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: %d", resp.StatusCode)
			}
			if resp := anon.PostForm(t, "/password/reset", url.Values{"token": {tokens[1]}, "password": {"an attacker's passphrase"}}); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("the other outstanding reset link still works: %d", resp.StatusCode)
			}
			list, err := audit.List(rig.Ctx, rig.DB, audit.Filter{Action: "user.password", EntityID: u.ID})
			var changes []audit.Entry
			for _, e := range list {
				if e.Action == "user.password" {
					changes = append(changes, e)
				}
			}
			if err != nil || len(changes) != 1 || changes[0].ActorID != u.ID {
				t.Fatalf("audit of the reset: %+v, %v", changes, err)
			}
		})
		t.Run("requests are limited per address and per client", func(t *testing.T) {
			v := rig.User(t, auth.RoleStakeholder, "")
			codes := map[int]int{}
			for i := 0; i < 30; i++ {
				codes[anon.PostForm(t, "/password/forgot", url.Values{"email": {v.Email}}).StatusCode]++
			}
			rig.DrainJobs(t)
			sent := 0
			all, _ := mail.List(rig.OutboxDir(), 100)
			for _, e := range all {
				if strings.Contains(e.To, v.Email) {
					sent++
				}
			}
			if sent > auth.MaxResetRequestsEmail || codes[http.StatusTooManyRequests] == 0 {
				t.Fatalf("30 requests for one address: %d mails sent, answers %v", sent, codes)
			}
			// The client is at its limit too: another address is refused.
			w := rig.User(t, auth.RoleStakeholder, "")
			if resp := anon.PostForm(t, "/password/forgot", url.Values{"email": {w.Email}}); resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("a client past its limit asked for another address: %d", resp.StatusCode)
			}
		})
	})
}

func TestTrustedProxyGivesTheRightmostUntrustedHop(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.TrustProxy = true }, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStakeholder, "")
		c := rig.Anonymous(t)
		// The client forges 6.6.6.6; the proxy (127.0.0.1, trusted by
		// default) appended the address it saw, 9.9.9.9.
		xff := map[string]string{"X-Forwarded-For": "6.6.6.6, 9.9.9.9"}
		resp := c.Do(t, "POST", "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}}, xff)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		body := c.GetBody(t, "/account")
		if !strings.Contains(body, "9.9.9.9") || strings.Contains(body, "6.6.6.6") {
			t.Fatal("the session's client address is not the one the proxy saw")
		}
	})
	if _, err := config.Load([]string{"--trust-proxy", "--trusted-proxies", "10.0.0.0/33"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("an invalid trusted-proxies network was accepted")
	}
}

func TestPasswordsRefusedAndInitialOnesReplaced(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
		org := rig.Organisation(t, "Initial Password Org")
		form := func(email, pw string) url.Values {
			return url.Values{"email": {email}, "name": {"New Person"}, "role": {"stakeholder"}, "org": {org}, "password": {pw}}
		}
		t.Run("common and guessable passwords are refused everywhere", func(t *testing.T) {
			for _, pw := range []string{"password1234", "P@ssw0rd2024!", "qwertyuiop123", "monkeymonkeymonkey"} {
				if resp := staff.PostForm(t, "/admin/users", form("weak@example.org", pw)); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("the secretariat set %q: %d", pw, resp.StatusCode)
				}
				if _, err := rig.App.Services.Auth.Create(rig.Ctx, auth.NewUser{Email: "cli@example.org", Name: "CLI", Role: auth.RoleSecretariat, Password: pw, MustChange: true}); err == nil {
					t.Errorf("the CLI's store accepted %q", pw)
				}
			}
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.SignIn(t, u)
			body := testrig.Body(c.PostForm(t, "/account/password", url.Values{"current": {testrig.Password}, "password": {"password1234"}}))
			if !strings.Contains(body, "most common") {
				t.Error("a common password was not refused with its reason on the account page")
			}
			anon := rig.Anonymous(t)
			anon.PostForm(t, "/password/forgot", url.Values{"email": {u.Email}})
			rig.DrainJobs(t)
			token := findMail(t, rig.OutboxDir(), u.Email, `token=([a-z2-7]+)`)
			if resp := anon.PostForm(t, "/password/reset", url.Values{"token": {token}, "password": {"password1234"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("reset to password1234: %d", resp.StatusCode)
			}
		})
		t.Run("an initial password must be replaced at first sign-in", func(t *testing.T) {
			email := "initial-" + strings.ToLower(org) + "@example.org"
			if resp := staff.PostForm(t, "/admin/users", form(email, testrig.Password)); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: %d", resp.StatusCode)
			}
			c := rig.Anonymous(t)
			if resp := c.PostForm(t, "/signin", url.Values{"email": {email}, "password": {testrig.Password}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign in: %d", resp.StatusCode)
			}
			if resp := c.Get(t, "/reports"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
				t.Fatalf("GET /reports before the change: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if resp := c.PostForm(t, "/account/tokens", url.Values{"name": {"x"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a token made before the change: %d", resp.StatusCode)
			}
			if resp := c.Get(t, "/api/v1/me"); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("the API before the change: %d", resp.StatusCode)
			}
			if body := c.GetBody(t, "/account"); !strings.Contains(body, `id="must-change"`) {
				t.Fatal("the account page does not ask for the change")
			}
			if resp := c.PostForm(t, "/account/password", url.Values{"current": {testrig.Password}, "password": {"tangerine orbit mercy lantern"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("change: %d", resp.StatusCode)
			}
			if resp := c.Get(t, "/reports"); resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /reports after the change: %d", resp.StatusCode)
			}
		})
	})
}

// auditActions returns the actions audited against a user, oldest first,
// waiting up to two seconds for those written after the answer.
func auditActions(t *testing.T, rig *testrig.Rig, userID string, want string) []string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		list, err := audit.List(rig.Ctx, rig.DB, audit.Filter{EntityID: userID, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		found := false
		for i := len(list) - 1; i >= 0; i-- {
			out = append(out, list[i].Action)
			found = found || list[i].Action == want
		}
		if found || want == "" || time.Now().After(deadline) {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func count(list []string, action string) int {
	n := 0
	for _, a := range list {
		if a == action {
			n++
		}
	}
	return n
}

func TestSecurityEventsAudited(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("failed and throttled sign-ins", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.Anonymous(t)
			for i := 0; i <= auth.MaxFailuresAccount; i++ {
				c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {"wrong password, attempt"}})
			}
			// The events are written after each answer, so the last failure
			// may land after the refusal: wait for both counts.
			deadline := time.Now().Add(10 * time.Second)
			for {
				got := auditActions(t, rig, u.ID, "user.signin.throttled")
				if count(got, "user.signin.failure") == auth.MaxFailuresAccount && count(got, "user.signin.throttled") == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("audited %v", got)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
		t.Run("the session starts at the second factor, and ends at sign-out", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "KEN")
			c := rig.Anonymous(t)
			c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
			if got := auditActions(t, rig, u.ID, ""); count(got, "session.start") != 0 {
				t.Fatalf("session.start audited at the password step: %v", got)
			}
			body := c.GetBody(t, "/signin/second-factor")
			secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)[1]
			code, _ := totp.GenerateCode(secret, time.Now())
			c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {code}})
			if got := auditActions(t, rig, u.ID, "session.start"); count(got, "session.start") != 1 {
				t.Fatalf("after the second factor: %v", got)
			}
			if resp := c.Get(t, "/admin/users"); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a State editor reached /admin/users: %d", resp.StatusCode)
			}
			c.PostForm(t, "/signout", url.Values{})
			got := auditActions(t, rig, u.ID, "session.end")
			if count(got, "access.denied") != 1 || count(got, "session.end") != 1 {
				t.Fatalf("audited %v", got)
			}
		})
		if _, err := audit.Verify(rig.Ctx, rig.DB); err != nil {
			t.Fatal(err)
		}
	})
}
