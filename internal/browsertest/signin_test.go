package browsertest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestSignInWithSecondFactorReadNormsSignOut is the first journey: a
// secretariat officer signs in with password and TOTP (enrolling on first
// sign-in), opens the norms, and signs out.
func TestSignInWithSecondFactorReadNormsSignOut(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	u := rig.User(t, auth.RoleSecretariat, "")

	err := chromedp.Do(ctx,
		chromedp.Navigate(rig.URL+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.SendKeys(chromedp.ID("password"), testrig.Password),
		browsertest.Submit(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-secret")),
	)
	if err != nil {
		t.Fatalf("password step: %v", err)
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
		browsertest.Submit(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`)),
		chromedp.Navigate(rig.URL+"/norms"),
	)
	if err != nil {
		t.Fatalf("second factor: %v", err)
	}
	heading, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, browsertest.Submit(chromedp.CSS(`a[href="/norms/gge2015-h"]`)), chromedp.WaitVisible(chromedp.CSS(".norm-text"))); err != nil {
		t.Fatalf("open norm (h): %v", err)
	}
	normText, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".norm-text")))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, browsertest.Submit(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	after, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(heading, "framework") {
		t.Errorf("norms heading %q", heading)
	}
	if !strings.Contains(normText, "requests for assistance") {
		t.Errorf("norm (h) text %q", normText)
	}
	if !strings.Contains(after, "signed out") {
		t.Errorf("after sign-out: %q", after)
	}
}
