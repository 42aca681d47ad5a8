package reporting_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney: in a real browser, the secretariat opens a cycle; a
// State editor drafts a report (a measure, saved; a challenge, kept by
// autosave alone); a second editor sees the first's work, and a save from a
// tab holding an old revision is refused, by autosave and by the Save
// button, with the message on the page; the approver submits it as public;
// the comparison shows the measure as added; the State reopens it and the
// first version stays readable; and a visitor finds the report on its page,
// in the dashboard of its norm and through the compendium search.
func TestBrowserJourney(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	sec := rig.User(t, auth.RoleSecretariat, "")
	ed1 := rig.User(t, auth.RoleStateEditor, "FRA")
	ed2 := rig.User(t, auth.RoleStateEditor, "FRA")
	ap := rig.User(t, auth.RoleStateApprover, "FRA")
	const (
		title     = "Heliotrope programme for coordinated vulnerability disclosure"
		norm      = "gge2015-j"
		challenge = "Too few trained auditors outside the capital."
	)
	j := journey{t: t, ctx: ctx, base: rig.URL}

	// The secretariat opens a cycle through the reports page.
	j.signIn(sec)
	j.do("open a cycle",
		chromedp.Navigate(rig.URL+"/reports"),
		chromedp.SendKeys(chromedp.ID("name"), "2026"),
	)
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
	j.eval(fmt.Sprintf(`document.getElementById("opens_on").value = %q; document.getElementById("due_on").value = %q; document.getElementById("closes_on").value = %q; true`, day(-1), day(30), day(60)))
	j.do("open a cycle", browsertest.Submit(chromedp.CSS(`form[action="/cycles"] button[type="submit"]`)))
	j.contains("the cycle page", "main", "The cycle has been opened", "Cycle 2026", "Open")
	cycleURL := j.location()
	j.signOut()

	// The first editor starts the report and adds a measure under (j).
	j.signIn(ed1)
	j.do("start the report", chromedp.Navigate(cycleURL), browsertest.Submit(chromedp.CSS(`form[action="/reports/start"] button`)))
	j.contains("the new draft", "main", "Your State's draft report has been created", "Editing the report of France, cycle 2026", "Draft, revision 1")
	editURL := j.location()
	if !strings.HasSuffix(editURL, "/edit") {
		t.Fatalf("after starting: at %s, not the edit form", editURL)
	}
	reportURL := strings.TrimSuffix(editURL, "/edit")
	reportPath := strings.TrimPrefix(reportURL, rig.URL)
	p := j.blankMeasure(norm)
	j.do("fill the measure",
		chromedp.SendKeys(chromedp.CSS(`[name="`+p+`title"]`), title),
		chromedp.SendKeys(chromedp.CSS(`[name="`+p+`description"]`), "Under Heliotrope, researchers report flaws to the national CSIRT, which coordinates fixes."),
		chromedp.SetValue(chromedp.CSS(`[name="`+p+`type"]`), "policy"),
		chromedp.SetValue(chromedp.CSS(`[name="`+p+`status"]`), "implemented"),
		browsertest.Submit(chromedp.ID("save-top")),
	)
	j.contains("the saved draft", "main", "The draft has been saved.", "last saved by "+ed1.Name)
	j.contains("the saved measure's heading", `fieldset.measure legend`, title)

	// Autosave: a challenge typed and left alone is saved without Save.
	rev := j.value(`[name="revision"]`)
	j.do("type a challenge", chromedp.SendKeys(chromedp.CSS(`[name="n.`+norm+`.challenges"]`), challenge))
	j.waitFor("autosave", `document.getElementById("autosave-status").textContent.includes("Saved automatically")`)
	if now := j.value(`[name="revision"]`); now == rev {
		t.Errorf("autosave left the form's revision at %s", now)
	}
	j.do("reload", chromedp.Reload())
	if got := j.value(`[name="n.` + norm + `.challenges"]`); got != challenge {
		t.Errorf("after autosave and reload the challenge reads %q", got)
	}
	j.contains("the reloaded draft", "main", "last saved by "+ed1.Name)
	if os.Getenv("CYBERNORMS_AXE") != "" {
		vs, err := browsertest.Audit(ctx, editURL)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) > 0 {
			t.Errorf("the edit form: %d accessibility violations:%s", len(vs), browsertest.Describe(vs))
		}
	}
	j.signOut()

	// The second editor opens the draft and sees the first's work.
	j.signIn(ed2)
	j.do("open the draft", chromedp.Navigate(reportURL), browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/edit"]`)))
	j.contains("the draft as the second editor sees it", "main", "last saved by "+ed1.Name)
	j.contains("the first editor's measure", `fieldset.measure legend`, title)
	if got := j.value(`[name="n.` + norm + `.challenges"]`); got != challenge {
		t.Errorf("the second editor sees the challenge as %q", got)
	}

	// A second tab saves; the first, still at the old revision, is refused.
	tab, closeTab := chromedp.NewContext(ctx)
	second := journey{t: t, ctx: tab, base: rig.URL}
	second.do("open a second tab", chromedp.Navigate(editURL))
	second.do("save from the second tab",
		chromedp.SendKeys(chromedp.CSS(`[name="ilaw_summary"]`), "International law applies in full."),
		browsertest.Submit(chromedp.ID("save-bottom")),
	)
	second.contains("the second tab's save", "main", "The draft has been saved.", "last saved by "+ed2.Name)
	staleRev := j.value(`[name="revision"]`)
	p = j.measure(title)
	j.do("edit in the stale tab", chromedp.SendKeys(chromedp.CSS(`[name="`+p+`description"]`), " Stale edit."))
	j.waitFor("the stale autosave's refusal", `!document.getElementById("autosave-stale").hidden`)
	j.contains("the refused autosave", "#autosave-stale", ed2.Name+" saved this report at", "Automatic saving has stopped")
	if st := j.text("#autosave-status"); strings.Contains(st, "Saved automatically") {
		t.Errorf("the status line says %q after a refused save", st)
	}
	if now := j.value(`[name="revision"]`); now != staleRev {
		t.Errorf("a refused autosave changed the form's revision from %s to %s", staleRev, now)
	}
	second.do("reload the second tab", chromedp.Reload())
	if got := second.value(`[name="` + second.measure(title) + `description"]`); strings.Contains(got, "Stale edit") {
		t.Errorf("the stale edit was saved: %q", got)
	}
	closeTab()
	j.do("save the stale tab with the button", browsertest.Submit(chromedp.ID("save-top")))
	j.contains("the refused save", `main .errors[role="alert"]`, ed2.Name+" saved this report at", "Your changes were not saved", "What you entered is shown below")
	if got := j.value(`[name="` + j.measure(title) + `description"]`); !strings.Contains(got, "Stale edit") {
		t.Errorf("the refused form lost the editor's input: %q", got)
	}
	j.signOut()

	// The approver submits the draft as public.
	j.signIn(ap)
	j.do("submit", chromedp.Navigate(reportURL), chromedp.Click(chromedp.ID("vis-public")), browsertest.Submit(chromedp.CSS(`form[action="`+reportPath+`/submit"] button`)))
	j.contains("the submitted report", "main", "The report has been submitted.", "Version 1", "Public", title)

	// The comparison shows the measure as added.
	j.do("compare", browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/diff?version=1"]`)))
	j.contains("the comparison", "main", "Changes in the report of France, cycle 2026")
	j.contains("the added measure", "main li.diff-added", "Added:", title, "Implemented")

	// The State reopens it for a correction; version 1 stays readable.
	j.do("reopen",
		chromedp.Navigate(reportURL),
		chromedp.SendKeys(chromedp.ID("reopen-note"), "Correcting the date"),
		browsertest.Submit(chromedp.CSS(`form[action="`+reportPath+`/reopen"] button`)),
	)
	j.contains("the reopened draft", "main", "reopened as a draft", "Editing the report of France, cycle 2026")
	j.do("read version 1", chromedp.Navigate(reportURL+"?version=1"))
	j.contains("version 1 after reopening", "main", "Version 1", "Public", title)
	j.signOut()

	// A visitor finds the report, the dashboard figure and the search hit.
	j.do("the public report", chromedp.Navigate(reportURL))
	j.contains("the public report", "main", "Report of France, cycle 2026", "Version 1", title)
	if body := j.text("main"); strings.Contains(body, "Stale edit") || strings.Contains(body, "Edit the draft") {
		t.Errorf("the public sees the draft or its actions")
	}
	j.do("the dashboard of norm (j)",
		chromedp.Navigate(rig.URL+"/monitoring/map"),
		chromedp.SetValue(chromedp.ID("norm"), norm),
		browsertest.Submit(chromedp.CSS(`form[action="/monitoring/map"] button`)),
	)
	j.contains("the map's heading", "h1", "(j)")
	row := j.eval(`[...document.querySelectorAll("main table tbody tr")].filter(tr => tr.querySelector("th") && tr.querySelector("th").textContent.trim() === "France").map(tr => tr.innerText.replace(/\s+/g, " ").trim()).join("|")`)
	if !strings.HasPrefix(row, "France ") || !strings.HasSuffix(row, " Yes 1") || strings.Contains(row, "|") {
		t.Errorf("France's row in the dashboard table: %q", row)
	}
	// The submission queued the compendium's search sync for this report;
	// run the queue, as a worker would within a second.
	rig.DrainJobs(t)
	j.do("search the compendium",
		chromedp.Navigate(rig.URL+"/compendium/search"),
		chromedp.SendKeys(chromedp.ID("q"), "heliotrope"),
		browsertest.Submit(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
	)
	j.contains("the search results", "main .result-list li", title, "France", "2026", "(j)")
	marks := strings.Fields(j.text("main .result-list li mark"))
	for _, m := range marks {
		if !strings.EqualFold(m, "heliotrope") {
			t.Errorf("the snippet highlights %q", m)
		}
	}
	if len(marks) == 0 {
		t.Errorf("the search result has no highlighted snippet")
	}
}

// journey drives one browser tab through the pages, failing the test with
// the step's name.
type journey struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (j journey) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	if err := chromedp.Do(j.ctx, actions...); err != nil {
		j.t.Fatalf("%s: %v (page: %.600s)", step, err, j.text("main"))
	}
}

func (j journey) eval(js string) string {
	j.t.Helper()
	v, err := chromedp.Run(j.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		j.t.Fatalf("evaluate %.80s: %v", js, err)
	}
	return fmt.Sprint(v)
}

// text is the text of every element matching sel, one per line.
func (j journey) text(sel string) string {
	j.t.Helper()
	s, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText).join("\n")`, sel)))
	if err != nil {
		j.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func (j journey) value(sel string) string {
	j.t.Helper()
	s, err := chromedp.Run(j.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, sel)))
	if err != nil {
		j.t.Fatalf("read the value of %s: %v", sel, err)
	}
	return s
}

func (j journey) location() string {
	j.t.Helper()
	loc, err := chromedp.Run(j.ctx, chromedp.Location())
	if err != nil {
		j.t.Fatal(err)
	}
	return loc
}

// contains checks that the element's text holds every want.
func (j journey) contains(what, sel string, want ...string) {
	j.t.Helper()
	got := j.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			j.t.Fatalf("%s (%s) lacks %q: %.800s", what, sel, w, got)
		}
	}
}

// waitFor waits until the JavaScript condition holds.
func (j journey) waitFor(what, cond string) {
	j.t.Helper()
	if _, err := chromedp.Run(j.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		j.t.Fatalf("waiting for %s: %v (status: %q)", what, err, j.text("#autosave-status"))
	}
}

// blankMeasure returns the field prefix ("m.N.") of the blank measure the
// edit form offers under the norm.
func (j journey) blankMeasure(norm string) string {
	j.t.Helper()
	p := j.eval(fmt.Sprintf(`[...document.querySelectorAll('input[name$=".norm"][value=%q]')].map(i => i.name.slice(0, -4)).find(p => document.querySelector('[name="' + p + 'key"]').value === "")`, norm))
	if !strings.HasPrefix(p, "m.") {
		j.t.Fatalf("no blank measure under %s (%q)", norm, p)
	}
	return p
}

// measure returns the field prefix ("m.N.") of the measure with the title.
func (j journey) measure(title string) string {
	j.t.Helper()
	p := j.eval(fmt.Sprintf(`[...document.querySelectorAll('input[name$=".title"]')].filter(i => i.value === %q).map(i => i.name.slice(0, -5)).join(" ")`, title))
	if !strings.HasPrefix(p, "m.") || strings.Contains(p, " ") {
		j.t.Fatalf("not one measure titled %q on the page (%q)", title, p)
	}
	return p
}

func (j journey) signIn(u *auth.User) {
	j.t.Helper()
	if err := browsertest.SignIn(j.ctx, j.base, u.Email, testrig.Password); err != nil {
		j.t.Fatalf("sign in as %s: %v", u.Role, err)
	}
}

func (j journey) signOut() {
	j.t.Helper()
	j.do("sign out", browsertest.Submit(chromedp.CSS(`form[action="/signout"] button`)))
	j.contains("after signing out", "header", "Sign in")
}
