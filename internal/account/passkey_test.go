package account_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/account"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// addPasskey stores a passkey row directly (the browser test registers
// real ones with Chromium's virtual authenticator).
func addPasskey(t *testing.T, rig *testrig.Rig, u *auth.User, name string) string {
	t.Helper()
	var pid string
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		var err error
		pid, err = rig.App.Services.Auth.AddPasskey(rig.Ctx, tx, u.ID, name, []byte("cred-"+name+"-"+u.ID), []byte(`{}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestPasskeyRules(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		t.Run("adding a passkey needs the password and a name", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "FRA")
			c := rig.SignIn(t, u)
			for _, form := range []url.Values{
				{"name": {"Laptop"}},
				{"name": {"Laptop"}, "password": {"not the password!"}},
				{"name": {""}, "password": {testrig.Password}},
			} {
				if resp := c.PostForm(t, "/account/passkeys/begin", form); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("begin with %v: %d", form, resp.StatusCode)
				}
			}
			resp := c.PostForm(t, "/account/passkeys/begin", url.Values{"name": {"Laptop"}, "password": {testrig.Password}})
			if body := testrig.Body(resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"challenge"`) || !strings.Contains(body, `"publicKey"`) {
				t.Fatalf("begin: %d %s", resp.StatusCode, body)
			}
			// A finish with a made-up challenge or credential stores nothing.
			resp = c.Do(t, "POST", "/account/passkeys/finish", `{"challenge":"nope","credential":{"id":"x"}}`, nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("finish with an unknown challenge: %d", resp.StatusCode)
			}
			if keys, _ := rig.App.Services.Auth.Passkeys(rig.Ctx, u.ID); len(keys) != 0 {
				t.Fatalf("%d passkeys stored", len(keys))
			}
			// A pending session cannot add one (unless the policy makes it).
			p := pending(t, rig, u)
			if resp := p.PostForm(t, "/account/passkeys/begin", url.Values{"name": {"Laptop"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("pending session began a registration: %d", resp.StatusCode)
			}
		})
		t.Run("passwordless sign-ins begun are limited per client address", func(t *testing.T) {
			c := rig.Anonymous(t)
			n429 := 0
			for i := 0; i < account.MaxDiscoverPerClient+2; i++ {
				if resp := c.PostForm(t, "/signin/passkey/discover/begin", url.Values{}); resp.StatusCode == http.StatusTooManyRequests {
					n429++
				}
			}
			if n429 != 2 {
				t.Fatalf("%d refusals after %d begins, want 2", n429, account.MaxDiscoverPerClient+2)
			}
		})
		t.Run("removing a passkey needs the password and a current factor, ends other sessions and e-mails", func(t *testing.T) {
			u := rig.User(t, auth.RoleStateEditor, "FRA")
			c := rig.SignIn(t, u)
			pid := addPasskey(t, rig, u, "Old key")
			other := pending(t, rig, u)
			other.PostForm(t, "/signin/second-factor", url.Values{"code": {c.RecoveryCodes[0]}})
			if !signedIn(t, other) {
				t.Fatal("second session")
			}
			for _, form := range []url.Values{
				{"password": {testrig.Password}},
				{"password": {"not the password!"}, "current_code": {testrig.TOTPCode(t, c.TOTPSecret, 30*time.Second)}},
			} {
				if resp := c.PostForm(t, "/account/passkeys/"+pid+"/remove", form); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("remove with %v: %d", form, resp.StatusCode)
				}
			}
			if resp := c.PostForm(t, "/account/passkeys/"+pid+"/remove", url.Values{"password": {testrig.Password}, "current_code": {testrig.TOTPCode(t, c.TOTPSecret, 30*time.Second)}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("remove: %d", resp.StatusCode)
			}
			if keys, _ := rig.App.Services.Auth.Passkeys(rig.Ctx, u.ID); len(keys) != 0 || signedIn(t, other) || !signedIn(t, c) {
				t.Fatalf("after removal: %d passkeys, other session %v", len(keys), signedIn(t, other))
			}
			rig.DrainJobs(t)
			findMail(t, rig.OutboxDir(), u.Email, `(passkey was removed)`)
			// Someone else's passkey is not found.
			v := rig.User(t, auth.RoleStakeholder, "")
			vid := addPasskey(t, rig, v, "Theirs")
			if resp := c.PostForm(t, "/account/passkeys/"+vid+"/remove", url.Values{"password": {testrig.Password}, "current_code": {c.RecoveryCodes[1]}}); resp.StatusCode != http.StatusNotFound {
				t.Fatalf("removing another's passkey: %d", resp.StatusCode)
			}
		})
		t.Run("when the secretariat requires passkeys, codes no longer complete a sign-in of those roles", func(t *testing.T) {
			sec := rig.User(t, auth.RoleSecretariat, "")
			sc := rig.SignIn(t, sec)
			editor := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
			if resp := editor.PostForm(t, "/account/passkey-policy", url.Values{"require": {"on"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a State editor set the policy: %d", resp.StatusCode)
			}
			if resp := sc.PostForm(t, "/account/passkey-policy", url.Values{"require": {"on"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("set policy: %d", resp.StatusCode)
			}
			t.Cleanup(func() { _ = rig.App.Services.Auth.SetPasskeysRequired(rig.Ctx, false) })

			// An approver with a passkey: the TOTP code is refused.
			withKey := rig.User(t, auth.RoleStateApprover, "FRA")
			wc := rig.SignIn(t, withKey) // enrolled TOTP before it had a passkey: pending, see below
			addPasskey(t, rig, withKey, "Phone")
			p := pending(t, rig, withKey)
			if resp := p.PostForm(t, "/signin/second-factor", url.Values{"code": {testrig.TOTPCode(t, wc.TOTPSecret, 30*time.Second)}}); resp.StatusCode != http.StatusForbidden || signedIn(t, p) {
				t.Fatalf("a code instead of the required passkey: %d", resp.StatusCode)
			}
			// An approver without one: the code passes, but the session stays
			// pending until a passkey is registered.
			noKey := rig.User(t, auth.RoleStateApprover, "DEU")
			nc := rig.Anonymous(t)
			nc.PostForm(t, "/signin", url.Values{"email": {noKey.Email}, "password": {testrig.Password}})
			secret := secretRE.FindStringSubmatch(nc.GetBody(t, "/signin/second-factor"))[1]
			resp := nc.PostForm(t, "/signin/enrol", url.Values{"secret": {secret}, "code": {testrig.TOTPCode(t, secret, 0)}, "next": {"/"}})
			if body := testrig.Body(resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, "/signin/passkey/setup") {
				t.Fatalf("enrolment under the policy: %d", resp.StatusCode)
			}
			if signedIn(t, nc) {
				t.Fatal("signed in without the required passkey")
			}
			if body := nc.GetBody(t, "/signin/passkey/setup"); !strings.Contains(body, `id="passkey-add"`) {
				t.Fatal("no registration on the setup page")
			}
			if resp := nc.PostForm(t, "/account/passkeys/begin", url.Values{"name": {"Phone"}}); resp.StatusCode != http.StatusOK {
				t.Fatalf("registration during the required setup: %d", resp.StatusCode)
			}
			// A stakeholder or State editor is not concerned.
			ed := rig.User(t, auth.RoleStateEditor, "FRA")
			if c := rig.SignIn(t, ed); !signedIn(t, c) {
				t.Fatal("a State editor was held by the passkey policy")
			}
		})
	})
}
