package bulletin_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// signInBrowser signs in through the pages and waits until the signed-in
// navigation shows, enrolling a second factor when the role needs one.
func signInBrowser(t *testing.T, ctx context.Context, rig *testrig.Rig, email string, mfa bool) {
	t.Helper()
	wait := chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`))
	if mfa {
		wait = chromedp.WaitVisible(chromedp.ID("totp-secret"))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(rig.URL+"/signin"), chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testrig.Password), chromedp.Click(chromedp.ID("signin-submit")), wait); err != nil {
		t.Fatalf("sign in %s: %v", email, err)
	}
	if !mfa {
		return
	}
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("totp-secret")))
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")), chromedp.Click(chromedp.ID("continue")),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/account"]`))); err != nil {
		t.Fatalf("second factor: %v", err)
	}
}

// TestBrowserJourney: in a real browser, a contributor submits an item,
// the editor approves it and publishes an issue, a visitor subscribes
// (confirming from the e-mail in the outbox), receives the issue, and
// unsubscribes in one click.
func TestBrowserJourney(t *testing.T) {
	contributorCtx := browsertest.New(t)
	editorCtx := browsertest.New(t)
	visitorCtx := browsertest.New(t)
	rig := testrig.New(t)
	contributor := rig.User(t, auth.RoleStakeholder, "")
	editor := rig.User(t, auth.RoleSecretariat, "")

	// The contributor drafts and submits.
	signInBrowser(t, contributorCtx, rig, contributor.Email, false)
	t.Log("contributor signed in")
	err := chromedp.Do(contributorCtx,
		chromedp.Navigate(rig.URL+"/bulletin/contribute"),
		chromedp.SendKeys(chromedp.ID("title"), "Browser-borne phishing against ministries"),
		chromedp.SendKeys(chromedp.ID("summary"), "Lures imitating **conference invitations**."),
	)
	if err == nil {
		_, err = chromedp.Run(contributorCtx, chromedp.Evaluate[string](`document.getElementById("tlp").value = "clear"`))
	}
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	err = chromedp.Do(contributorCtx,
		chromedp.SendKeys(chromedp.ID("techniques"), "T1566.002"),
		chromedp.Click(chromedp.ID("item-save")),
		chromedp.WaitVisible(chromedp.ID("item-submit")),
	)
	if err != nil {
		t.Fatalf("draft: %v", err)
	}
	loc, err := chromedp.Run(contributorCtx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	itemID := loc[strings.LastIndex(loc, "/")+1:]
	t.Log("draft saved", loc)
	if err := chromedp.Do(contributorCtx, chromedp.Click(chromedp.ID("item-submit")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("submit: %v", err)
	}

	// The editor approves, composes, publishes.
	signInBrowser(t, editorCtx, rig, editor.Email, true)
	t.Log("editor signed in")
	err = chromedp.Do(editorCtx,
		chromedp.Navigate(rig.URL+"/bulletin/items/"+itemID),
		chromedp.Click(chromedp.ID("action-approve")),
		chromedp.Click(chromedp.ID("review-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(rig.URL+"/bulletin/editor"),
		chromedp.SendKeys(chromedp.ID("quarter"), "2026 Q4"),
		chromedp.SendKeys(chromedp.ID("foreword"), "Welcome."),
		chromedp.Click(chromedp.ID("issue-create")),
		chromedp.WaitVisible(chromedp.ID("issue-save")),
		chromedp.Click(chromedp.CSS(`input[name="items"][value="`+itemID+`"]`)),
		chromedp.Click(chromedp.ID("issue-save")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Click(chromedp.ID("issue-publish")),
		chromedp.WaitVisible(chromedp.ID("issue-send")),
	)
	if err != nil {
		t.Fatalf("review and publish: %v", err)
	}

	// A visitor subscribes and confirms from the outbox.
	err = chromedp.Do(visitorCtx,
		chromedp.Navigate(rig.URL+"/bulletin/subscribe"),
		chromedp.SendKeys(chromedp.ID("email"), "visitor@example.org"),
		chromedp.Click(chromedp.ID("subscribe-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	rig.DrainJobs(t)
	confirm := linkIn(t, mailTo(t, rig, "visitor@example.org", "Confirm").Text, "/bulletin/confirm")
	if err := chromedp.Do(visitorCtx, chromedp.Navigate(confirm), chromedp.Click(chromedp.ID("confirm-submit")), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if st := subscriberStatus(t, rig, "visitor@example.org"); st != bulletin.SubConfirmed {
		t.Fatalf("status %s after confirming", st)
	}

	// The editor sends; the visitor receives the issue and unsubscribes.
	if _, err := chromedp.Run(editorCtx, chromedp.Evaluate[string](`document.getElementById("rate").value = "0"`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(editorCtx, chromedp.Click(chromedp.ID("issue-send")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("send: %v", err)
	}
	rig.DrainJobs(t)
	issueMail := mailTo(t, rig, "visitor@example.org", "2026 Q4")
	if !strings.Contains(issueMail.Text, "Browser-borne phishing") {
		t.Fatalf("the issue e-mail lacks the item:\n%s", issueMail.Text)
	}
	unsub := strings.Trim(issueMail.Header.Get("List-Unsubscribe"), "<>")
	if _, err := url.Parse(unsub); err != nil || unsub == "" {
		t.Fatalf("List-Unsubscribe %q", unsub)
	}
	if err := chromedp.Do(visitorCtx, chromedp.Navigate(unsub), chromedp.Click(chromedp.ID("unsubscribe-submit")), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`))); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	if st := subscriberStatus(t, rig, "visitor@example.org"); st != bulletin.SubUnsubscribed {
		t.Fatalf("status %s after unsubscribing", st)
	}
}
