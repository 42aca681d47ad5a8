package participation_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney: in a real browser, one person per role. The
// secretariat creates a body under "non-objection with veto" (first
// submitting the form with a bad slug, which comes back with everything
// typed) and a session; an organisation applies; the secretariat
// circulates; one State objects with a reason; the deadline job refuses
// the application. Then a body under "non-objection with decision": the
// objection puts the application to a vote, three States vote on the page,
// the job closes the vote, and the public session page shows the decision
// and the tally; the organisation's public page lists both sessions,
// refused then accredited. The accredited organisation submits a statement,
// the secretariat checks it, and a signed-out visitor reads it.
func TestBrowserJourney(t *testing.T) {
	base := browsertest.New(t)
	rig := testrig.New(t)
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	secCtx, orgCtx, fraCtx, deuCtx, braCtx, visitorCtx := base, person(), person(), person(), person(), person()
	page := func(ctx context.Context) browsertest.Page { return browsertest.Page{T: t, Ctx: ctx} }
	orgName := "Open Networks Alliance"
	org := rig.Organisation(t, orgName)
	signIn := func(ctx context.Context, u *auth.User) {
		t.Helper()
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign in %s: %v", u.Role, err)
		}
	}
	signIn(secCtx, rig.User(t, auth.RoleSecretariat, ""))
	signIn(orgCtx, rig.User(t, auth.RoleStakeholder, org))
	signIn(fraCtx, rig.User(t, auth.RoleStateApprover, "FRA"))
	signIn(deuCtx, rig.User(t, auth.RoleStateApprover, "DEU"))
	signIn(braCtx, rig.User(t, auth.RoleStateApprover, "BRA"))
	t.Log("five people signed in")

	// closeDue lets a period end (the application's clock moved on by more
	// than ten working days) and runs the real deadline job through the
	// queue.
	closeDue := func() {
		t.Helper()
		rig.App.Services.Clock.Advance(15 * 24 * time.Hour)
		if _, err := jobs.Enqueue(rig.Ctx, rig.DB, participation.JobDeadlines, map[string]string{"at": "now"}, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		rig.DrainJobs(t)
	}
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format("2006-01-02") }

	// The secretariat creates the first body; a bad slug brings the form
	// back with everything typed still there.
	vetoBody := "Open-Ended Working Group on ICT"
	page(secCtx).Do("new body form",
		chromedp.Navigate(rig.URL+"/participation"),
		chromedp.SendKeys(chromedp.ID("name"), vetoBody),
		chromedp.SendKeys(chromedp.ID("description"), "The body of all Member States."),
		chromedp.SetValue(chromedp.ID("modality"), string(participation.ModalityVeto)),
		chromedp.Click(chromedp.ID("name_objectors")),
		chromedp.Click(chromedp.ID("reason_required")),
		chromedp.SendKeys(chromedp.ID("slug"), "OEWG 2026!"),
		browsertest.Submit(chromedp.ID("body-create")),
	)
	page(secCtx).Contains("a bad slug is refused on the same form", "main", "Please correct the following:", "lower-case letters, digits or hyphens", "Nothing has been changed.")
	for id, want := range map[string]string{"name": vetoBody, "description": "The body of all Member States.", "modality": string(participation.ModalityVeto), "slug": "OEWG 2026!"} {
		got, err := chromedp.Run(secCtx, chromedp.Value(chromedp.ID(id)))
		if err != nil || got != want {
			t.Fatalf("the field %s holds %q after the error, want %q (%v)", id, got, want, err)
		}
	}
	checked, err := chromedp.Run(secCtx, chromedp.Evaluate[bool](`document.getElementById("name_objectors").checked && document.getElementById("reason_required").checked && document.getElementById("slug").getAttribute("aria-invalid") === "true"`))
	if err != nil || !checked {
		t.Fatalf("the ticked boxes were lost or the slug is not marked invalid (%v)", err)
	}
	auditCurrentPage(t, secCtx, "the body form shown again with an error")
	page(secCtx).Do("correct the slug",
		chromedp.SetValue(chromedp.ID("slug"), "oewg"),
		browsertest.Submit(chromedp.ID("body-create")),
	)
	page(secCtx).Contains("the body is created", "main", "Saved.", vetoBody, "Non-objection (veto)")

	newSession := func(bodySlug, slug, title string, startsIn int) {
		t.Helper()
		page(secCtx).Do("new session "+slug,
			chromedp.Navigate(rig.URL+"/participation/bodies/"+bodySlug),
			chromedp.SendKeys(chromedp.ID("s-slug"), slug),
			chromedp.SendKeys(chromedp.ID("s-title"), title),
			chromedp.SetValue(chromedp.ID("s-start"), day(startsIn)),
			chromedp.SetValue(chromedp.ID("s-end"), day(startsIn+4)),
			chromedp.SetValue(chromedp.ID("s-apply"), day(startsIn-10)),
			chromedp.SendKeys(chromedp.ID("s-place"), "New York"),
			browsertest.Submit(chromedp.ID("session-create")),
		)
		page(secCtx).Contains("the session "+slug+" is created", "main", "Saved.", title, "New York")
	}
	newSession("oewg", "oewg-s1", "First substantive session", 40)

	// The organisation applies with a justification.
	apply := func(slug string) string {
		t.Helper()
		page(orgCtx).Do("apply to "+slug,
			chromedp.Navigate(rig.URL+"/participation/sessions/"+slug),
			chromedp.SendKeys(chromedp.ID("justification"), "We operate open networks used by two million people and contribute to norm (j)."),
			browsertest.Submit(chromedp.ID("apply-submit")),
		)
		page(orgCtx).Contains("the application to "+slug+" is submitted", "main", "Application of "+orgName, "Submitted, waiting to be circulated", "We operate open networks")
		loc := page(orgCtx).Location()
		return loc[strings.LastIndex(loc, "/")+1:]
	}
	first := apply("oewg-s1")

	circulate := func(bodySlug string) {
		t.Helper()
		page(secCtx).Do("circulate "+bodySlug, chromedp.Navigate(rig.URL+"/participation/bodies/"+bodySlug), browsertest.Submit(chromedp.ID("circulate")))
		page(secCtx).Contains("the applications to "+bodySlug+" are circulated", "main", "The applications have been circulated; the objection period has begun.")
	}
	circulate("oewg")

	object := func(ctx context.Context, appID, reason string) {
		t.Helper()
		page(ctx).Do("object",
			chromedp.Navigate(rig.URL+"/participation/applications/"+appID),
			chromedp.SendKeys(chromedp.ID("reason"), reason),
			browsertest.Submit(chromedp.ID("object")),
		)
		page(ctx).Contains("France objects", "main", "Objected to", "FRA: "+reason, "In its objection period")
	}
	object(fraCtx, first, "Insufficient information on its funding.")

	closeDue()
	page(visitorCtx).Do("read the first application", chromedp.Navigate(rig.URL+"/participation/applications/"+first))
	page(visitorCtx).Contains("the veto refuses the application", "main", "Refused", "objected to by 1 State; any objection refuses", "FRA: Insufficient information on its funding.")

	// The second body decides by vote.
	decisionBody := "Global Mechanism on ICT Security"
	page(secCtx).Do("second body",
		chromedp.Navigate(rig.URL+"/participation"),
		chromedp.SendKeys(chromedp.ID("name"), decisionBody),
		chromedp.SetValue(chromedp.ID("modality"), string(participation.ModalityDecision)),
		chromedp.SetValue(chromedp.ID("majority"), string(participation.MajoritySimple)),
		chromedp.Click(chromedp.ID("name_objectors")),
		chromedp.SendKeys(chromedp.ID("slug"), "gm"),
		browsertest.Submit(chromedp.ID("body-create")),
	)
	page(secCtx).Contains("the second body is created", "main", "Saved.", decisionBody, "Non-objection with decision by vote")
	newSession("gm", "gm-s1", "Organizational session of the Mechanism", 60)
	second := apply("gm-s1")
	circulate("gm")
	object(fraCtx, second, "We ask for a vote.")
	closeDue()
	page(fraCtx).Do("read the second application", chromedp.Navigate(rig.URL+"/participation/applications/"+second))
	page(fraCtx).Contains("the objection puts the application to a vote", "main", "Put to a vote", "Your State's vote")

	for _, v := range []struct {
		ctx    context.Context
		choice string
	}{{fraCtx, "no"}, {deuCtx, "yes"}, {braCtx, "yes"}} {
		page(v.ctx).Do("vote "+v.choice,
			chromedp.Navigate(rig.URL+"/participation/applications/"+second),
			chromedp.Click(chromedp.ID("v-"+v.choice)),
			browsertest.Submit(chromedp.ID("vote-submit")),
		)
		page(v.ctx).Contains("a State votes "+v.choice, "main", "Your State's vote has been recorded.", "Your State voted: "+v.choice+".")
	}
	closeDue()

	page(visitorCtx).Do("public session page", chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"))
	text := page(visitorCtx).Contains("the decision and the tally are public", "main", "Accredited", "accepted by vote 2–1 (0 abstaining)", "2–1 (0)", "FRA (We ask for a vote.)")
	if !strings.Contains(text[strings.Index(text, "Accredited participants"):], orgName) {
		t.Fatalf("the organisation is not listed among the participants:\n%s", text)
	}

	page(visitorCtx).Do("public organisation page", chromedp.Navigate(rig.URL+"/participation/organisations/"+org))
	rows, err := chromedp.Run(visitorCtx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#history-table tbody tr")).map(r => r.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !strings.Contains(rows[0], "First substantive session") || !strings.Contains(rows[0], "Refused") ||
		!strings.Contains(rows[1], "Organizational session of the Mechanism") || !strings.Contains(rows[1], "Accredited") {
		t.Fatalf("the history does not list the refused session then the accredited one: %q", rows)
	}
	page(visitorCtx).Contains("the record is per body", "#by-body-table", "Open-Ended Working Group on ICT", "Global Mechanism on ICT Security")
	t.Log("the organisation's history lists both sessions, and its record each body apart")

	// The accredited organisation submits a statement; the secretariat
	// checks it; a visitor reads it.
	title, body := "Statement on norm (j): reporting vulnerabilities", "We call on every State to publish its vulnerability disclosure policy."
	// A statement with neither text nor file comes back with its title.
	page(orgCtx).Do("empty statement",
		chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"),
		chromedp.SendKeys(chromedp.ID("st-title"), title),
		browsertest.Submit(chromedp.ID("statement-submit")),
	)
	page(orgCtx).Contains("an empty statement is refused on the same page", "main", "Please correct the following:", "give the statement's text or upload a PDF")
	if got, err := chromedp.Run(orgCtx, chromedp.Value(chromedp.ID("st-title"))); err != nil || got != title {
		t.Fatalf("the statement title holds %q after the error (%v)", got, err)
	}
	auditCurrentPage(t, orgCtx, "the session page shown again with an error")
	page(orgCtx).Do("statement",
		chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"),
		chromedp.SendKeys(chromedp.ID("st-title"), title),
		chromedp.SetValue(chromedp.ID("st-lang"), "en"),
		chromedp.SetValue(chromedp.ID("st-delivery"), "written"),
		chromedp.SendKeys(chromedp.ID("st-body"), body),
		browsertest.Submit(chromedp.ID("statement-submit")),
	)
	page(orgCtx).Contains("the statement waits for the check", "main", "Your statement has been received. It will be published after the secretariat's check.")
	page(visitorCtx).Do("session page before the check", chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"))
	if text := page(visitorCtx).Contains("the unchecked statement is not public", "main", "Statements"); strings.Contains(text, title) {
		t.Fatal("the statement is public before the secretariat's check")
	}
	page(secCtx).Do("check the statement", chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"))
	page(secCtx).Contains("the secretariat sees the statement to check", "main", title, "waiting for the secretariat's check")
	page(secCtx).Do("publish", browsertest.Submit(chromedp.CSS(`button[id^="publish-"]`)))
	page(secCtx).Contains("the statement is published", "main", "Saved.", title)
	page(visitorCtx).Do("read the statement",
		chromedp.Navigate(rig.URL+"/participation/sessions/gm-s1"),
		browsertest.Submit(chromedp.CSS(`main a[href^="/participation/statements/"]`)),
	)
	page(visitorCtx).Contains("a signed-out visitor reads the statement", "main", title, body, orgName, "Written only", "Published")
}

// auditCurrentPage runs axe-core (WCAG 2.2 AA) on the page the browser
// shows, without loading it again: pages shown in answer to a refused form
// cannot be reached by address. Skipped without CYBERNORMS_AXE (a failure
// under CYBERNORMS_REQUIRE_ALL).
func auditCurrentPage(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	path := os.Getenv("CYBERNORMS_AXE")
	if path == "" {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_AXE is not set")
		}
		t.Logf("%s: accessibility not checked (CYBERNORMS_AXE is not set)", what)
		return
	}
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(script)+";true")); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	tags, _ := json.Marshal(browsertest.WCAGTags)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var vs []browsertest.Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) > 0 {
		t.Errorf("%s: %d accessibility violations:%s", what, len(vs), browsertest.Describe(vs))
	}
}
