package account_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestEnrolmentInTheBrowser is the first sign-in of a State approver in a
// real browser: the enrolment page passes axe in English and Arabic, at
// 1280 and 390 px, and keeps its secret across those reloads, a wrong code keeps it too, "start
// again" issues a new one and says so, and the recovery codes page offers
// print and copy once its script runs.
func TestEnrolmentInTheBrowser(t *testing.T) {
	browsertest.RequireAxe(t)
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	u := rig.User(t, auth.RoleStateApprover, "EGY")
	p := browsertest.Page{T: t, Ctx: ctx}
	p.Do("password step",
		chromedp.Navigate(rig.URL+"/signin"),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.SendKeys(chromedp.ID("password"), testrig.Password),
		browsertest.Submit(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("totp-secret")),
	)
	secret := strings.TrimSpace(p.Text("#totp-secret"))
	browsertest.AuditPages(t, ctx, "the enrolment page", rig.URL+"/signin/second-factor")
	if got := strings.TrimSpace(p.Text("#totp-secret")); got != secret {
		t.Fatal("the secret changed when the page was shown again, in Arabic and in English")
	}
	p.Do("a wrong code",
		chromedp.SendKeys(chromedp.ID("code"), "000000"),
		browsertest.Submit(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("enrol-error")),
	)
	if got := strings.TrimSpace(p.Text("#totp-secret")); got != secret {
		t.Fatal("a wrong code changed the secret")
	}
	p.Do("start again",
		browsertest.Submit(chromedp.ID("enrol-restart")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	p.Contains("the new code's notice", ".flash", "new code")
	fresh := strings.TrimSpace(p.Text("#totp-secret"))
	if fresh == secret {
		t.Fatal("starting again kept the secret")
	}
	p.Do("the right code",
		chromedp.SendKeys(chromedp.ID("code"), testrig.TOTPCode(t, fresh, 0)),
		browsertest.Submit(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")),
		chromedp.WaitVisible(chromedp.ID("codes-copy")),
		chromedp.WaitVisible(chromedp.ID("codes-print")),
		chromedp.WaitVisible(chromedp.ID("codes-download")),
		chromedp.WaitNotVisible(chromedp.ID("codes-print-hint")),
	)
	if n := p.Eval(`document.querySelectorAll("#recovery-codes li").length`); n != "10" {
		t.Errorf("%s recovery codes shown", n)
	}
}
