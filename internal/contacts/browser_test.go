package contacts_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney is the "Done means", in a real browser, one
// person per role: France updates its technical contact (an editor drafts,
// an approver confirms); the secretariat starts a round; France's contact
// acknowledges from the e-mailed link, Kenya's in the platform, Estonia's
// never does; after the deadline a signed-out visitor sees all three
// outcomes and no contact detail. Then Kenya sends a critical request to
// France; France's contact acknowledges it and answers "unable to help"
// with a reason; Kenya closes it with feedback; a signed-out visitor and
// the secretariat see only what they may.
func TestBrowserJourney(t *testing.T) {
	base := browsertest.New(t)
	rig := testrig.New(t)
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	secCtx, fraEdCtx, fraApCtx, kenCtx, linkCtx, visitorCtx := base, person(), person(), person(), person(), person()
	page := func(ctx context.Context) browsertest.Page { return browsertest.Page{T: t, Ctx: ctx} }
	signIn := func(ctx context.Context, u *auth.User) {
		t.Helper()
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign in %s: %v", u.Role, err)
		}
	}
	fraEd := rig.User(t, auth.RoleStateEditor, "FRA")
	fraAp := rig.User(t, auth.RoleStateApprover, "FRA")
	kenAp := rig.User(t, auth.RoleStateApprover, "KEN")
	secU := rig.User(t, auth.RoleSecretariat, "")
	// The directory before the journey: France's technical contact is its
	// editor's address; Kenya and Estonia have one contact each.
	// Kenya's is its approver's, who acknowledges in the platform: only
	// the contact a check was sent to may.
	for _, c := range []struct{ iso, email string }{{"FRA", fraEd.Email}, {"KEN", kenAp.Email}, {"EST", "cert@est.example"}} {
		u := fraAp
		switch c.iso {
		case "KEN":
			u = kenAp
		case "EST":
			u = rig.User(t, auth.RoleStateApprover, c.iso)
		}
		ap := apiClient{rig.Anonymous(t), rig.Token(t, u), u}
		st, b := ap.do(t, "POST", "/api/v1/contacts/states/"+c.iso+"/contacts", map[string]any{"kind": "technical", "name": "Duty officer " + c.iso, "email": c.email, "time_zone": "UTC"})
		want(t, "nominate "+c.iso, st, 201, b)
	}
	signIn(secCtx, secU)
	signIn(fraEdCtx, fraEd)
	signIn(fraApCtx, fraAp)
	signIn(kenCtx, kenAp)

	// France updates its technical contact: the editor drafts, the approver confirms.
	page(fraEdCtx).Do("France's editor drafts a change",
		chromedp.Navigate(rig.URL+"/contacts/states/FRA"),
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SetValue(chromedp.CSS(`details input[name="name"]`), "Camille Lefèvre"),
		chromedp.SetValue(chromedp.CSS(`details input[name="phone"]`), "+33 1 71 75 84 00"),
		browsertest.Submit(chromedp.CSS(`details form button[type="submit"]`)),
	)
	page(fraEdCtx).Contains("the draft waits", "main", "Camille Lefèvre", "Drafts waiting for an approver")
	page(fraApCtx).Do("France's approver confirms",
		chromedp.Navigate(rig.URL+"/contacts/states/FRA"),
		browsertest.Submit(chromedp.CSS(`form[action$="/confirm"] button`)),
	)
	page(fraApCtx).Contains("confirmed", "main", "Camille Lefèvre", "+33171758400", "Earlier contacts")

	// The secretariat starts a round.
	page(secCtx).Do("the secretariat starts a round",
		chromedp.Navigate(rig.URL+"/contacts/rounds"),
		chromedp.SendKeys(chromedp.ID("r-title"), "Communication check December"),
		chromedp.SetValue(chromedp.ID("r-hours"), "48"),
		chromedp.SendKeys(chromedp.ID("r-states"), "FRA, KEN, EST"),
		browsertest.Submit(chromedp.CSS(`form[action="/contacts/rounds"] button`)),
	)
	roundURL := page(secCtx).Location()
	rid := roundURL[strings.LastIndex(roundURL, "/")+1:]
	page(secCtx).Contains("round page", "main", "Communication check December", "Results are published when the deadline has passed.")

	// France's contact follows the e-mailed link.
	var link string
	for _, m := range mailTo(t, rig, fraEd.Email) {
		if x := ackLinkRE.FindString(m); x != "" {
			link = x
		}
	}
	if link == "" {
		t.Fatal("no acknowledgement link was e-mailed to France's contact")
	}
	page(linkCtx).Do("the link",
		chromedp.Navigate(rig.URL+link),
	)
	text := page(linkCtx).Contains("the link's page", "main", "Communication check")
	if strings.Contains(text, "France") || strings.Contains(text, "December") {
		t.Fatalf("the link's page reveals something: %s", text)
	}
	page(linkCtx).Do("acknowledge", browsertest.Submit(chromedp.CSS(`form[action="/contacts/ack"] button`)))
	page(linkCtx).Contains("acknowledged", "main", "your acknowledgement is recorded")

	// Kenya's contact acknowledges in the platform.
	page(kenCtx).Do("Kenya acknowledges in the platform",
		chromedp.Navigate(rig.URL+"/contacts/rounds/"+rid),
		browsertest.Submit(chromedp.CSS(`form[action^="/contacts/pings/"] button`)),
	)
	page(kenCtx).Contains("Kenya's ack", "main", "on the platform")

	// Estonia never answers; the deadline passes.
	shift(t, rig, rid, 49*time.Hour)
	page(visitorCtx).Do("public results", chromedp.Navigate(rig.URL+"/contacts/rounds/"+rid))
	res := page(visitorCtx).Contains("public results", "main", "France", "Kenya", "Estonia", "In time", "No answer")
	for _, leak := range []string{"Camille", ".example", "Duty officer", "@"} {
		if strings.Contains(res, leak) {
			t.Fatalf("the public results show %q", leak)
		}
	}

	// Kenya sends a critical request to France.
	page(kenCtx).Do("Kenya writes a request",
		chromedp.Navigate(rig.URL+"/contacts/requests"),
		chromedp.SendKeys(chromedp.ID("q-to"), "FRA"),
		chromedp.SetValue(chromedp.ID("q-urgency"), "critical"),
		chromedp.SetValue(chromedp.ID("q-tlp"), "TLP:AMBER+STRICT"),
		chromedp.SendKeys(chromedp.ID("q-incident"), "Wiper in the Nairobi power grid's control centre"),
		chromedp.SetValue(chromedp.ID("q-when"), time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")),
		chromedp.SetValue(chromedp.ID("q-sector"), "energy"),
		chromedp.Click(chromedp.ID("q-ask-information")),
		chromedp.Click(chromedp.ID("q-ask-stop-activity")),
		browsertest.Submit(chromedp.CSS(`form[action="/contacts/requests"] button[type="submit"]`)),
	)
	reqURL := page(kenCtx).Location()
	if !regexp.MustCompile(`/contacts/requests/[0-9A-Z]{26}$`).MatchString(reqURL) {
		t.Fatalf("after sending: %s (%s)", reqURL, page(kenCtx).Text("main"))
	}
	page(kenCtx).Contains("the request", "main", "Kenya → France", "Critical", "Wiper in the Nairobi")

	// France's contact acknowledges and answers "unable to help".
	page(fraEdCtx).Do("France acknowledges", chromedp.Navigate(reqURL), browsertest.Submit(chromedp.CSS(`form[action$="/acknowledge"] button`)))
	page(fraEdCtx).Contains("acknowledged", "main", "Acknowledged")
	page(fraEdCtx).Do("France answers",
		chromedp.Click(chromedp.ID("ans-unable")),
		chromedp.SendKeys(chromedp.ID("ans-text"), "The addresses are a VPN exit that keeps no logs under our law."),
		browsertest.Submit(chromedp.CSS(`form[action$="/answer"] button`)),
	)
	page(fraEdCtx).Contains("answered", "main", "Unable to help", "keeps no logs")

	// Kenya closes it with feedback.
	page(kenCtx).Do("Kenya closes",
		chromedp.Navigate(reqURL),
		chromedp.Click(chromedp.ID("fb-partly")),
		browsertest.Submit(chromedp.CSS(`form[action$="/close"] button`)),
	)
	page(kenCtx).Contains("closed", "main", "Closed", "Partly helpful")

	// A signed-out visitor and the secretariat see only what they may.
	page(visitorCtx).Do("visitor opens the request", chromedp.Navigate(reqURL))
	if txt := page(visitorCtx).Text("body"); strings.Contains(txt, "Wiper") || strings.Contains(txt, "VPN") {
		t.Fatal("a signed-out visitor sees the request")
	}
	page(visitorCtx).Do("visitor reads the statistics", chromedp.Navigate(rig.URL+"/contacts/requests"))
	stats := page(visitorCtx).Contains("statistics", "main", "Statistics")
	if strings.Contains(stats, "Kenya") || strings.Contains(stats, "Wiper") {
		t.Fatalf("the public statistics name the States or the content: %s", stats)
	}
	page(secCtx).Do("the secretariat opens the request", chromedp.Navigate(reqURL))
	sec := page(secCtx).Contains("secretariat", "main", "Kenya → France", "Closed", "metadata only")
	if strings.Contains(sec, "Wiper") || strings.Contains(sec, "VPN") {
		t.Fatal("the secretariat sees the request's content")
	}
	_ = url.Values{}
}
