package positions_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney: in a real browser, France's editor drafts a position
// with passages on three topics and answers to two questions; France's
// approver publishes it; a signed-out visitor finds the passages on the
// topic page (with the map), in the comparison of States and by search.
// The secretariat records the African Union's joint position with its
// endorsing States, which Kenya's page then shows. France's approver
// records its support for the supply-chain proposal with an amendment, and
// the visitor sees the consensus view change.
func TestBrowserJourney(t *testing.T) {
	base := browsertest.New(t)
	rig := testrig.New(t)
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	edCtx, apCtx, secCtx, visCtx := base, person(), person(), person()
	page := func(ctx context.Context) browsertest.Page { return browsertest.Page{T: t, Ctx: ctx} }
	signIn := func(ctx context.Context, u *auth.User) {
		t.Helper()
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign in %s: %v", u.Role, err)
		}
	}
	signIn(edCtx, rig.User(t, auth.RoleStateEditor, "FRA"))
	signIn(apCtx, rig.User(t, auth.RoleStateApprover, "FRA"))
	sec := rig.User(t, auth.RoleSecretariat, "")
	signIn(secCtx, sec)
	c := rig.Anonymous(t)
	if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, bearer(rig.Token(t, sec))); r.StatusCode != 201 {
		t.Fatalf("proposal: %d", r.StatusCode)
	}

	ed := page(edCtx)
	ed.Do("draft a position",
		chromedp.Navigate(rig.URL+"/positions"),
		browsertest.Submit(chromedp.ID("new-position")),
		chromedp.SendKeys(chromedp.ID("f-title"), "Droit international appliqué aux opérations dans le cyberespace"),
		chromedp.SetValue(chromedp.ID("f-issued_on"), "2019-09-09"),
		chromedp.SetValue(chromedp.ID("f-languages"), "fr, en"),
		chromedp.SendKeys(chromedp.ID("f-source_url"), "https://www.example.org/fr.pdf"),
		chromedp.SendKeys(chromedp.ID("p1_ref"), "§1.1"),
		chromedp.SendKeys(chromedp.ID("p1_text"), "Cyberspace is not a lawless zone; a cyberattack may breach sovereignty."),
		chromedp.Click(chromedp.ID("p1_t_sovereignty")),
		chromedp.SendKeys(chromedp.ID("p2_ref"), "§1.2"),
		chromedp.SendKeys(chromedp.ID("p2_text"), "States must not knowingly allow their territory to be used against other States."),
		chromedp.Click(chromedp.ID("p2_t_due-diligence")),
		chromedp.SendKeys(chromedp.ID("p3_ref"), "§2"),
		chromedp.SendKeys(chromedp.ID("p3_text"), "Humanitarian law applies to cyber operations in armed conflict."),
		chromedp.Click(chromedp.ID("p3_t_ihl")),
		chromedp.SetValue(chromedp.ID("stance_sovereignty-rule"), "yes"),
		chromedp.SetValue(chromedp.ID("stancep_sovereignty-rule"), "1"),
		chromedp.SetValue(chromedp.ID("stance_ihl-applies"), "yes"),
		chromedp.SetValue(chromedp.ID("stancep_ihl-applies"), "3"),
		browsertest.Submit(chromedp.ID("save-position")),
	)
	ed.Contains("the draft", "main", "Draft, visible to your State only", "lawless zone", "Humanitarian law")
	draft := ed.Location()
	if !strings.Contains(draft, "/positions/documents/") {
		t.Fatalf("after saving: %s", draft)
	}
	vis := page(visCtx)
	vis.Do("the public does not see the draft", chromedp.Navigate(draft))
	vis.Contains("draft hidden", "main", "404")

	ap := page(apCtx)
	ap.Do("publish", chromedp.Navigate(draft), browsertest.Submit(chromedp.ID("publish-position")))
	ap.Contains("published", "main", "Published")

	vis.Do("topic page", chromedp.Navigate(rig.URL+"/positions/topics/sovereignty"))
	vis.Contains("topic page", "main", "lawless zone", "France")
	if n := vis.Eval(`document.querySelectorAll("main svg path.chart-s0").length`); n != "1" {
		t.Errorf("France is not coloured 'yes' on the map (%s areas)", n)
	}
	vis.Do("comparison", chromedp.Navigate(rig.URL+"/positions/compare?states=FRA,DEU"))
	vis.Contains("comparison", "main", "knowingly allow", "Germany")
	vis.Do("search", chromedp.Navigate(rig.URL+"/positions/search?q=humanitarian"))
	vis.Contains("search", "main", "Humanitarian law applies")

	sp := page(secCtx)
	sp.Do("joint position",
		chromedp.Navigate(rig.URL+"/positions/new"),
		chromedp.SetValue(chromedp.ID("f-kind"), "joint"),
		chromedp.SendKeys(chromedp.ID("f-group"), "African Union"),
		chromedp.SendKeys(chromedp.ID("f-endorsements"), "KEN 2024-01-29\nNGA 2024-01-29\nZAF 2024-02-10"),
		chromedp.SendKeys(chromedp.ID("f-title"), "Common African Position on international law in cyberspace"),
		chromedp.SetValue(chromedp.ID("f-issued_on"), "2024-01-29"),
		chromedp.SetValue(chromedp.ID("f-languages"), "en"),
		chromedp.SendKeys(chromedp.ID("f-source_url"), "https://au.int/en/cap"),
		chromedp.SendKeys(chromedp.ID("p1_ref"), "§12"),
		chromedp.SendKeys(chromedp.ID("p1_text"), "Due diligence is an obligation binding on States."),
		chromedp.Click(chromedp.ID("p1_t_due-diligence")),
		browsertest.Submit(chromedp.ID("save-position")),
	)
	sp.Contains("joint position", "main", "African Union", "Kenya", "South Africa", "2024-02-10")
	vis.Do("Kenya's page", chromedp.Navigate(rig.URL+"/positions/states/KEN"))
	vis.Contains("Kenya's page", "main", "Common African Position")

	vis.Do("consensus before", chromedp.Navigate(rig.URL+"/positions/proposals/supply-chain"))
	if got := vis.Text("#count-supports-with-amendments"); got != "0" {
		t.Errorf("before: %s supporting with amendments", got)
	}
	ap.Do("record support with amendments",
		chromedp.Navigate(rig.URL+"/positions/proposals/supply-chain"),
		chromedp.SetValue(chromedp.ID("f-stance"), "supports-with-amendments"),
		chromedp.SendKeys(chromedp.ID("f-amendment"), "Add: in accordance with international law."),
		chromedp.SendKeys(chromedp.ID("f-source_ref"), "Statement at the first session"),
		browsertest.Submit(chromedp.ID("record-stance-submit")),
	)
	vis.Do("consensus after", chromedp.Navigate(rig.URL+"/positions/proposals/supply-chain"))
	if got := vis.Text("#count-supports-with-amendments"); got != "1" {
		t.Errorf("after: %s supporting with amendments", got)
	}
	vis.Contains("obstacles", "main", "Add: in accordance with international law.", "France")
}
