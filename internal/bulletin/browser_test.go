package bulletin_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

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
	if err := browsertest.SignIn(contributorCtx, rig.URL, contributor.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
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
		browsertest.Submit(chromedp.ID("item-save")),
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
	if err := chromedp.Do(contributorCtx, browsertest.Submit(chromedp.ID("item-submit")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
		t.Fatalf("submit: %v", err)
	}

	// The editor approves, composes, publishes.
	if err := browsertest.SignIn(editorCtx, rig.URL, editor.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	t.Log("editor signed in")
	err = chromedp.Do(editorCtx,
		chromedp.Navigate(rig.URL+"/bulletin/items/"+itemID),
		chromedp.Click(chromedp.ID("action-approve")),
		browsertest.Submit(chromedp.ID("review-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.Navigate(rig.URL+"/bulletin/editor"),
		chromedp.SendKeys(chromedp.ID("quarter"), "2026 Q4"),
		chromedp.SendKeys(chromedp.ID("foreword"), "Welcome."),
		browsertest.Submit(chromedp.ID("issue-create")),
		chromedp.WaitVisible(chromedp.ID("issue-save")),
		chromedp.Click(chromedp.CSS(`input[name="items"][value="`+itemID+`"]`)),
		browsertest.Submit(chromedp.ID("issue-save")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		browsertest.Submit(chromedp.ID("issue-publish")),
		chromedp.WaitVisible(chromedp.ID("issue-send")),
	)
	if err != nil {
		t.Fatalf("review and publish: %v", err)
	}

	// A visitor subscribes and confirms from the outbox.
	err = chromedp.Do(visitorCtx,
		chromedp.Navigate(rig.URL+"/bulletin/subscribe"),
		chromedp.SendKeys(chromedp.ID("email"), "visitor@example.org"),
		browsertest.Submit(chromedp.ID("subscribe-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`)),
	)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	rig.DrainJobs(t)
	confirm := linkIn(t, mailTo(t, rig, "visitor@example.org", "Confirm").Text, "/bulletin/confirm")
	if err := chromedp.Do(visitorCtx, chromedp.Navigate(confirm), browsertest.Submit(chromedp.ID("confirm-submit")), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`))); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if st := subscriberStatus(t, rig, "visitor@example.org"); st != bulletin.SubConfirmed {
		t.Fatalf("status %s after confirming", st)
	}

	// The editor sends; the visitor receives the issue and unsubscribes.
	if _, err := chromedp.Run(editorCtx, chromedp.Evaluate[string](`document.getElementById("rate").value = "0"`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(editorCtx, browsertest.Submit(chromedp.ID("issue-send")), chromedp.WaitVisible(chromedp.CSS(".flash"))); err != nil {
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
	if err := chromedp.Do(visitorCtx, chromedp.Navigate(unsub), browsertest.Submit(chromedp.ID("unsubscribe-submit")), chromedp.WaitVisible(chromedp.CSS(`p[role="status"]`))); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	if st := subscriberStatus(t, rig, "visitor@example.org"); st != bulletin.SubUnsubscribed {
		t.Fatalf("status %s after unsubscribing", st)
	}
}
