package account_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var recoveryRE = regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`)

// TestFirstSignInEnrolmentKeepsItsSecret walks the first sign-in of a
// State editor: the QR code stays the same across reloads and wrong codes,
// a new one comes only when asked for and is announced, an older page is
// refused by name, the codes can be downloaded, and revisiting the form's
// address or sending it again never ends on a bare error.
func TestFirstSignInEnrolmentKeepsItsSecret(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		tr := func(k string) string { return html.EscapeString(rig.App.Services.Site.Catalog.T("en", k)) }
		secretOf := func(t *testing.T, body string) string {
			t.Helper()
			m := secretRE.FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no enrolment secret on the page")
			}
			return m[1]
		}
		u := rig.User(t, auth.RoleStateEditor, "FRA")
		c := pending(t, rig, u)

		resp := c.Get(t, "/signin/second-factor")
		first := testrig.Body(resp)
		secret := secretOf(t, first)
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the enrolment page may be cached: Cache-Control %q", cc)
		}
		if strings.Contains(first, tr("account.enrol_new_issued")) {
			t.Error("the first showing claims a new code replaced an older one")
		}

		t.Run("a reload shows the same secret and QR code", func(t *testing.T) {
			again := c.GetBody(t, "/signin/second-factor")
			if secretOf(t, again) != secret {
				t.Fatal("the secret changed on reload")
			}
			qr := func(b string) string { return b[strings.Index(b, "data:image/png"):][:200] }
			if qr(again) != qr(first) {
				t.Error("the QR code image changed on reload")
			}
		})

		t.Run("the pending secret is kept sealed with the session", func(t *testing.T) {
			var sealed []byte
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT totp_pending FROM sessions WHERE user_id = ?`, u.ID).Scan(&sealed); err != nil {
				t.Fatal(err)
			}
			if len(sealed) == 0 || strings.Contains(string(sealed), secret) {
				t.Fatalf("pending secret at rest: %d bytes, in clear: %v", len(sealed), strings.Contains(string(sealed), secret))
			}
		})

		t.Run("a wrong code keeps the same secret and says so", func(t *testing.T) {
			resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {"000000"}, "step": {"signin"}, "next": {"/"}})
			body := testrig.Body(resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || secretOf(t, body) != secret {
				t.Fatalf("wrong code: %d, same secret %v", resp.StatusCode, secretOf(t, body) == secret)
			}
			if !strings.Contains(body, tr("account.enrol_bad_code")) || !strings.Contains(body, `id="enrol-restart"`) {
				t.Error("a wrong code is not explained, or no way to start again is offered")
			}
		})

		t.Run("the form's address opened directly leads back to the step", func(t *testing.T) {
			resp := c.Get(t, "/signin/enrol")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
				t.Fatalf("GET /signin/enrol while enrolling: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			anon := rig.Anonymous(t)
			if resp := anon.Get(t, "/signin/enrol"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
				t.Fatalf("GET /signin/enrol signed out: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		})

		old := secret
		t.Run("starting again issues a new secret and says it is new", func(t *testing.T) {
			resp := c.PostForm(t, "/signin/enrol/restart", url.Values{"next": {"/"}})
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
				t.Fatalf("restart: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			body := c.GetBody(t, resp.Header.Get("Location"))
			secret = secretOf(t, body)
			if secret == old {
				t.Fatal("starting again kept the old secret")
			}
			if !strings.Contains(body, tr("account.enrol_new_issued")) {
				t.Error("the new code is not announced")
			}
			if again := c.GetBody(t, "/signin/second-factor"); secretOf(t, again) != secret || strings.Contains(again, tr("account.enrol_new_issued")) {
				t.Error("after starting again, a reload changed the secret or announced it again")
			}
			if n := countAudit(t, rig, "user.totp.enrolment_renewed", u.ID); n != 1 {
				t.Errorf("%d audit entries for the new code, want 1", n)
			}
		})

		t.Run("the older page's code is refused by name, with the current QR code", func(t *testing.T) {
			resp := c.PostForm(t, "/signin/enrol", url.Values{"secret": {old}, "code": {testrig.TOTPCode(t, old, 0)}, "step": {"signin"}, "next": {"/"}})
			body := testrig.Body(resp)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, tr("account.enrol_replaced")) || secretOf(t, body) != secret {
				t.Fatalf("older secret: %d", resp.StatusCode)
			}
			if signedIn(t, c) {
				t.Fatal("the replaced secret completed the sign-in")
			}
		})

		form := url.Values{"secret": {secret}, "code": {testrig.TOTPCode(t, secret, 0)}, "step": {"signin"}, "next": {"/"}}
		t.Run("the right code shows the recovery codes with a download", func(t *testing.T) {
			resp := c.PostForm(t, "/signin/enrol", form)
			body := testrig.Body(resp)
			codes := recoveryRE.FindAllStringSubmatch(body, -1)
			if resp.StatusCode != http.StatusOK || len(codes) != 10 {
				t.Fatalf("enrol: %d, %d codes", resp.StatusCode, len(codes))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("the recovery codes may be cached: Cache-Control %q", cc)
			}
			i := strings.Index(body, `href="data:text/plain;charset=utf-8,`)
			if i < 0 || !strings.Contains(body, `download="cybernorms-recovery-codes.txt"`) {
				t.Fatal("no text file of the codes to download")
			}
			href := html.UnescapeString(body[i+len(`href="`):])
			href = href[:strings.Index(href, `"`)]
			file, err := url.PathUnescape(strings.TrimPrefix(href, "data:text/plain;charset=utf-8,"))
			if err != nil {
				t.Fatal(err)
			}
			for _, code := range codes {
				if !strings.Contains(file, code[1]+"\r\n") {
					t.Fatalf("the text file lacks code %s:\n%s", code[1], file)
				}
			}
			if !strings.Contains(file, u.Email) {
				t.Error("the text file does not name the account")
			}
			for _, id := range []string{`id="codes-print"`, `id="codes-copy"`, `/static/codes.js`} {
				if !strings.Contains(body, id) {
					t.Errorf("no %s on the recovery codes page", id)
				}
			}
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM sessions WHERE user_id = ? AND totp_pending IS NOT NULL`, u.ID).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d sessions still hold a pending secret (%v)", n, err)
			}
		})

		t.Run("sending the form again, or opening its address, says the factor is set up", func(t *testing.T) {
			resp := c.PostForm(t, "/signin/enrol", form)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
				t.Fatalf("form sent again: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if body := c.GetBody(t, "/"); !strings.Contains(body, tr("account.enrol_already_done")) || recoveryRE.MatchString(body) {
				t.Error("the page after sending the form again does not say the factor is set up, or shows codes")
			}
			resp = c.Get(t, "/signin/enrol")
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
				t.Fatalf("GET /signin/enrol signed in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if body := c.GetBody(t, "/account"); !strings.Contains(body, tr("account.enrol_already_done")) {
				t.Error("the account page does not say the factor is set up")
			}
		})
	})
}
