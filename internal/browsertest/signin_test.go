package browsertest_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestSignInWithSecondFactorReadNormsSignOut is the first journey: a
// secretariat officer signs in with password and TOTP (enrolling on first
// sign-in), opens the norms, and signs out; then signs in twice more,
// entering a code each time.
func TestSignInWithSecondFactorReadNormsSignOut(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	u := rig.User(t, auth.RoleSecretariat, "")

	if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(rig.URL+"/norms")); err != nil {
		t.Fatal(err)
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

	// Later sign-ins ask for a code: the next TOTP step's, and, for a third
	// within the same minute, when the server's window has no unused step
	// left, a recovery code.
	for i := 2; i <= 3; i++ {
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign-in %d: %v", i, err)
		}
		if err := chromedp.Do(ctx, browsertest.Submit(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`))); err != nil {
			t.Fatalf("sign out after sign-in %d: %v", i, err)
		}
	}
	var spent int
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NOT NULL`, u.ID).Scan(&spent); err != nil {
		t.Fatal(err)
	}
	if spent > 1 {
		t.Errorf("%d recovery codes spent in three sign-ins, want at most 1", spent)
	}
}
