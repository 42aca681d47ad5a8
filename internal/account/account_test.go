package account_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestSignIn(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("a wrong password is refused without saying which part was wrong", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.Anonymous(t)
			resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {"not the password!"}})
			body := testrig.Body(resp)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "e-mail address or password is not correct") {
				t.Fatalf("status %d", resp.StatusCode)
			}
			resp = c.PostForm(t, "/signin", url.Values{"email": {"nobody@example.org"}, "password": {"whatever-whatever"}})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("unknown account: status %d", resp.StatusCode)
			}
		})
		t.Run("a stakeholder signs in with a password alone and reaches the account page", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.SignIn(t, u)
			if body := c.GetBody(t, "/account"); !strings.Contains(body, u.Email) {
				t.Fatal("account page does not show the user")
			}
		})
		t.Run("a State editor must enrol a second factor before anything else", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "KEN")
			c := rig.Anonymous(t)
			resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/signin/second-factor") {
				t.Fatalf("redirected to %q", loc)
			}
			firstCookie := sessionCookie(t, c)
			if resp := c.Get(t, "/account"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin/second-factor" {
				t.Fatalf("account page before second factor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if resp := c.Get(t, "/api/v1/me"); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("API before second factor: %d", resp.StatusCode)
			}
			body := c.GetBody(t, "/signin/second-factor")
			secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(body)[1]
			if !strings.Contains(body, "data:image/png;base64,") {
				t.Error("no QR code on the enrolment page")
			}
			resp = c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {"000000"}})
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("wrong code accepted: %d", resp.StatusCode)
			}
			code, _ := totp.GenerateCode(secret, time.Now())
			resp = c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {code}})
			body = testrig.Body(resp)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "recovery-codes") {
				t.Fatalf("enrol: %d", resp.StatusCode)
			}
			codes := regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllStringSubmatch(body, -1)
			if len(codes) != 10 {
				t.Fatalf("%d recovery codes shown, want 10", len(codes))
			}
			if sessionCookie(t, c) == firstCookie {
				t.Error("the session secret was not rotated when the second factor was passed")
			}
			if resp := c.Get(t, "/api/v1/me"); resp.StatusCode != http.StatusOK {
				t.Fatalf("API after second factor: %d", resp.StatusCode)
			}

			// Next sign-in asks for a code; a recovery code works once.
			c2 := rig.Anonymous(t)
			c2.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
			resp = c2.PostForm(t, "/signin/second-factor", url.Values{"code": {codes[0][1]}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("recovery code: %d", resp.StatusCode)
			}
			c3 := rig.Anonymous(t)
			c3.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
			if resp := c3.PostForm(t, "/signin/second-factor", url.Values{"code": {codes[0][1]}}); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("a spent recovery code was accepted again: %d", resp.StatusCode)
			}
		})
		t.Run("sign-in is throttled after five failures for one account", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.Anonymous(t)
			for i := 0; i < auth.MaxFailuresAccount; i++ {
				c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {"wrong password " + string(rune('a'+i))}})
			}
			resp := c.PostForm(t, "/signin", url.Values{"email": {u.Email}, "password": {testrig.Password}})
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("status %d, want 429 even with the right password", resp.StatusCode)
			}
		})
		t.Run("signing out ends the session on the server", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.SignIn(t, u)
			old := sessionCookie(t, c)
			if resp := c.PostForm(t, "/signout", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("sign out: %d", resp.StatusCode)
			}
			replay := rig.Anonymous(t)
			req, _ := http.NewRequest("GET", rig.URL+"/api/v1/me", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: old})
			resp, err := replay.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("old cookie still works: %d", resp.StatusCode)
			}
		})
		t.Run("a personal API token works until revoked", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.SignIn(t, u)
			body := testrig.Body(c.PostForm(t, "/account/tokens", url.Values{"name": {"script"}}))
			token := regexp.MustCompile(`id="new-token">(cn_[a-z2-7]+)<`).FindStringSubmatch(body)
			if token == nil {
				t.Fatal("token not shown")
			}
			api := rig.Anonymous(t)
			resp := api.Do(t, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + token[1]})
			var me auth.User
			if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || me.Email != u.Email {
				t.Fatalf("me = %+v, %v", me, err)
			}
			toks, _ := rig.App.Services.Auth.Tokens(rig.Ctx, u.ID)
			c.PostForm(t, "/account/tokens/"+toks[0].ID+"/revoke", url.Values{})
			resp = api.Do(t, "GET", "/api/v1/me", nil, map[string]string{"Authorization": "Bearer " + token[1]})
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("revoked token: %d", resp.StatusCode)
			}
			if resp := c.PostForm(t, "/account/tokens", url.Values{"name": {""}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("empty token name: %d", resp.StatusCode)
			}
		})
		t.Run("a password reset goes by e-mail and works once", func(t *testing.T) {
			u := rig.User(t, auth.RoleStakeholder, "")
			c := rig.Anonymous(t)
			resp := c.PostForm(t, "/password/forgot", url.Values{"email": {u.Email}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("forgot: %d", resp.StatusCode)
			}
			c.PostForm(t, "/password/forgot", url.Values{"email": {"nobody@example.org"}})
			rig.DrainJobs(t)
			link := findMail(t, rig.OutboxDir(), u.Email, `token=([a-z2-7]+)`)
			if resp := c.PostForm(t, "/password/reset", url.Values{"token": {link}, "password": {"short"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("short password: %d", resp.StatusCode)
			}
			if resp := c.PostForm(t, "/password/reset", url.Values{"token": {link}, "password": {"a brand new passphrase"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("reset: %d", resp.StatusCode)
			}
			if resp := c.PostForm(t, "/password/reset", url.Values{"token": {link}, "password": {"another new passphrase"}}); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("replayed reset link: %d", resp.StatusCode)
			}
			if _, err := rig.App.Services.Auth.Authenticate(rig.Ctx, u.Email, "a brand new passphrase", "10.0.0.9"); err != nil {
				t.Fatalf("new password: %v", err)
			}
		})
		t.Run("every write of this journey is in an intact audit chain", func(t *testing.T) {
			n, err := audit.Verify(rig.Ctx, rig.DB)
			if err != nil || n == 0 {
				t.Fatalf("verify: %d entries, %v", n, err)
			}
		})
	})
}

func sessionCookie(t *testing.T, c *testrig.Client) string {
	t.Helper()
	u, _ := url.Parse(c.Base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func findMail(t *testing.T, dir, to, pattern string) string {
	t.Helper()
	entries, err := mail.List(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.Contains(e.To, to) {
			continue
		}
		m, err := mail.Read(dir, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if g := regexp.MustCompile(pattern).FindStringSubmatch(m.Text); g != nil {
			return g[1]
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	_ = os.ErrNotExist
	t.Fatalf("no mail to %s matching %s among %d files", to, pattern, len(files))
	return ""
}
