package browsertest_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestPasskeys is the passkey journey in Chromium with a virtual
// authenticator: a secretariat officer registers a passkey from the account
// page, then signs in with it as the second factor and, after signing out,
// without a password; the secretariat then requires passkeys, and a State
// approver signing in for the first time must register one to get in.
func TestPasskeys(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ctx := browsertest.New(t)
		// Browsers refuse an IP address as a relying party: the site is
		// opened as localhost, which the server accepts for a loopback address.
		base := strings.Replace(rig.URL, "127.0.0.1", "localhost", 1)
		if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			t.Fatalf("enable WebAuthn domain: %v", err)
		}
		if _, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}}); err != nil {
			t.Fatalf("add virtual authenticator: %v", err)
		}
		text := func(sel string) string {
			t.Helper()
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("read %s: %v", sel, err)
			}
			return s
		}
		signOut := func() {
			t.Helper()
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/account"), browsertest.Submit(chromedp.CSS(`form[action="/signout"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`))); err != nil {
				t.Fatalf("sign out: %v", err)
			}
		}

		sec := rig.User(t, auth.RoleSecretariat, "")
		if err := browsertest.SignIn(ctx, base, sec.Email, testrig.Password); err != nil {
			t.Fatal(err)
		}
		// Register a passkey named "Laptop" (the password is asked).
		err := chromedp.Do(ctx,
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(chromedp.ID("passkey-add")),
			chromedp.SendKeys(chromedp.ID("passkey-name"), "Laptop"),
			chromedp.SendKeys(chromedp.ID("passkey-password"), testrig.Password),
			browsertest.Submit(chromedp.ID("passkey-add")),
			chromedp.WaitVisible(chromedp.CSS(".passkey-name")),
		)
		if err != nil {
			t.Fatalf("register a passkey: %v", err)
		}
		if got := text(".passkey-name"); got != "Laptop" {
			t.Fatalf("passkey listed as %q", got)
		}

		// Second factor: password, then the passkey.
		signOut()
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.SendKeys(chromedp.ID("email"), sec.Email),
			chromedp.SendKeys(chromedp.ID("password"), testrig.Password),
			browsertest.Submit(chromedp.ID("signin-submit")),
			chromedp.WaitVisible(chromedp.ID("passkey-login")),
			browsertest.Submit(chromedp.ID("passkey-login")),
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(chromedp.ID("passkeys")),
		)
		if err != nil {
			t.Fatalf("passkey as second factor: %v", err)
		}

		// Passwordless: the passkey alone.
		signOut()
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/signin"),
			chromedp.WaitVisible(chromedp.ID("passkey-signin")),
			browsertest.Submit(chromedp.ID("passkey-signin")),
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(chromedp.ID("passkeys")),
		)
		if err != nil {
			t.Fatalf("passwordless sign-in: %v", err)
		}
		if got := text("main"); !strings.Contains(got, sec.Email) {
			t.Fatal("the account page after a passwordless sign-in is not the officer's")
		}
		keys, err := rig.App.Services.Auth.Passkeys(rig.Ctx, sec.ID)
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil {
			t.Fatalf("passkeys after use: %+v, %v", keys, err)
		}

		// The secretariat requires passkeys; a State approver's first sign-in
		// ends with registering one.
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+"/account"),
			chromedp.Click(chromedp.ID("require-passkeys")),
			browsertest.Submit(chromedp.CSS(`form[action="/account/passkey-policy"] button`)),
		)
		if err != nil {
			t.Fatalf("set the policy: %v", err)
		}
		signOut()
		approver := rig.User(t, auth.RoleStateApprover, "FRA")
		if err := browsertest.SignInUntil(ctx, base, approver.Email, testrig.Password); err != nil {
			t.Fatal(err)
		}
		err = chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.ID("passkey-add")),
			chromedp.SendKeys(chromedp.ID("passkey-name"), "Phone"),
			browsertest.Submit(chromedp.ID("passkey-add")),
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(chromedp.ID("passkeys")),
		)
		if err != nil {
			t.Fatalf("register the required passkey: %v", err)
		}
		if got := text(".passkey-name"); got != "Phone" {
			t.Fatalf("approver's passkey listed as %q", got)
		}
	})
}
