package reporting_test

import (
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
	j := journey{Page: browsertest.Page{T: t, Ctx: ctx}, base: rig.URL}

	// The secretariat opens a cycle through the reports page.
	j.signIn(sec)
	j.Do("open a cycle",
		chromedp.Navigate(rig.URL+"/reports"),
		chromedp.SendKeys(chromedp.ID("name"), "2026"),
	)
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format("2006-01-02") }
	j.Eval(fmt.Sprintf(`document.getElementById("opens_on").value = %q; document.getElementById("due_on").value = %q; document.getElementById("closes_on").value = %q; true`, day(-1), day(30), day(60)))
	j.Do("open a cycle", browsertest.Submit(chromedp.CSS(`form[action="/cycles"] button[type="submit"]`)))
	j.Contains("the cycle page", "main", "The cycle has been opened", "Cycle 2026", "Open")
	cycleURL := j.Location()
	j.signOut()

	// The first editor starts the report and adds a measure under (j).
	j.signIn(ed1)
	j.Do("start the report", chromedp.Navigate(cycleURL), browsertest.Submit(chromedp.CSS(`form[action="/reports/start"] button`)))
	j.Contains("the new draft", "main", "Your State's draft report has been created", "Editing the report of France, cycle 2026", "Draft, revision 1")
	taskURL := j.Location()
	if !strings.HasSuffix(taskURL, "/edit") {
		t.Fatalf("after starting: at %s, not the task list", taskURL)
	}
	reportURL := strings.TrimSuffix(taskURL, "/edit")
	reportPath := strings.TrimPrefix(reportURL, rig.URL)
	j.Contains("the task list", "main .task-list", "(j)", "Not started")
	j.Do("open norm (j)", browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/edit/`+norm+`"]`)))
	editURL := j.Location()
	p := j.blankMeasure(norm)
	j.Do("fill the measure",
		chromedp.SendKeys(chromedp.CSS(`[name="`+p+`title"]`), title),
		chromedp.SendKeys(chromedp.CSS(`[name="`+p+`description"]`), "Under Heliotrope, researchers report flaws to the national CSIRT, which coordinates fixes."),
		chromedp.SetValue(chromedp.CSS(`[name="`+p+`type"]`), "policy"),
		chromedp.SetValue(chromedp.CSS(`[name="`+p+`status"]`), "implemented"),
		browsertest.Submit(chromedp.ID("save-top")),
	)
	j.Contains("the saved draft", "main", "The draft has been saved.", "last saved by "+ed1.Name)
	if j.Location() != editURL {
		t.Errorf("saving norm (j) led to %s, not back to its page", j.Location())
	}
	j.Contains("the saved measure's heading", `fieldset.measure legend`, title)

	// Autosave: a challenge typed and left alone is saved without Save.
	rev := j.value(`[name="revision"]`)
	j.Do("type a challenge", chromedp.SendKeys(chromedp.CSS(`[name="n.`+norm+`.challenges"]`), challenge))
	j.waitFor("autosave", `document.getElementById("autosave-status").textContent.includes("Saved automatically")`)
	if now := j.value(`[name="revision"]`); now == rev {
		t.Errorf("autosave left the form's revision at %s", now)
	}
	j.Do("reload", chromedp.Reload())
	if got := j.value(`[name="n.` + norm + `.challenges"]`); got != challenge {
		t.Errorf("after autosave and reload the challenge reads %q", got)
	}
	j.Contains("the reloaded draft", "main", "last saved by "+ed1.Name)
	if os.Getenv("CYBERNORMS_AXE") != "" {
		for _, u := range []string{editURL, taskURL + "?lang=ar", taskURL + "?lang=en"} { // the last sets English back
			vs, err := browsertest.Audit(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) > 0 {
				t.Errorf("%s: %d accessibility violations:%s", u, len(vs), browsertest.Describe(vs))
			}
		}
	}
	j.signOut()

	// The second editor opens the draft and sees the first's work.
	j.signIn(ed2)
	j.Do("open the draft", chromedp.Navigate(reportURL), browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/edit"]`)))
	j.Contains("the task list as the second editor sees it", "main", "last saved by "+ed1.Name, "In progress")
	j.Do("open norm (j)", browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/edit/`+norm+`"]`)))
	j.Contains("the first editor's measure", `fieldset.measure legend`, title)
	if got := j.value(`[name="n.` + norm + `.challenges"]`); got != challenge {
		t.Errorf("the second editor sees the challenge as %q", got)
	}

	// A second tab saves; the first, still at the old revision, is refused.
	tab, closeTab := chromedp.NewContext(ctx)
	second := journey{Page: browsertest.Page{T: t, Ctx: tab}, base: rig.URL}
	second.Do("open a second tab", chromedp.Navigate(taskURL+"/international-law"))
	second.Do("save from the second tab",
		chromedp.SendKeys(chromedp.CSS(`[name="ilaw_summary"]`), "International law applies in full."),
		browsertest.Submit(chromedp.ID("save-bottom")),
	)
	second.Contains("the second tab's save", "main", "The draft has been saved.", "last saved by "+ed2.Name)
	staleRev := j.value(`[name="revision"]`)
	p = j.measure(title)
	j.Do("edit in the stale tab", chromedp.SendKeys(chromedp.CSS(`[name="`+p+`description"]`), " Stale edit."))
	j.waitFor("the stale autosave's refusal", `!document.getElementById("autosave-stale").hidden`)
	j.Contains("the refused autosave", "#autosave-stale", ed2.Name+" saved this report at", "Automatic saving has stopped")
	if st := j.Text("#autosave-status"); strings.Contains(st, "Saved automatically") {
		t.Errorf("the status line says %q after a refused save", st)
	}
	if now := j.value(`[name="revision"]`); now != staleRev {
		t.Errorf("a refused autosave changed the form's revision from %s to %s", staleRev, now)
	}
	second.Do("open norm (j) in the second tab", chromedp.Navigate(editURL))
	if got := second.value(`[name="` + second.measure(title) + `description"]`); strings.Contains(got, "Stale edit") {
		t.Errorf("the stale edit was saved: %q", got)
	}
	closeTab()
	j.Do("save the stale tab with the button", browsertest.Submit(chromedp.ID("save-top")))
	j.Contains("the refused save", `main .errors[role="alert"]`, ed2.Name+" saved this report at", "Your changes were not saved", "What you entered is shown below")
	if got := j.value(`[name="` + j.measure(title) + `description"]`); !strings.Contains(got, "Stale edit") {
		t.Errorf("the refused form lost the editor's input: %q", got)
	}
	j.signOut()

	// The approver submits the draft as public.
	j.signIn(ap)
	j.Do("submit", chromedp.Navigate(reportURL), chromedp.Click(chromedp.ID("vis-public")), browsertest.Submit(chromedp.CSS(`form[action="`+reportPath+`/submit"] button`)))
	j.Contains("the submitted report", "main", "The report has been submitted.", "Version 1", "Public", title)

	// The comparison shows the measure as added.
	j.Do("compare", browsertest.Submit(chromedp.CSS(`main a[href="`+reportPath+`/diff?version=1"]`)))
	j.Contains("the comparison", "main", "Changes in the report of France, cycle 2026")
	j.Contains("the added measure", "main li.diff-added", "Added:", title, "Implemented")

	// The State reopens it for a correction; version 1 stays readable.
	j.Do("reopen",
		chromedp.Navigate(reportURL),
		chromedp.SendKeys(chromedp.ID("reopen-note"), "Correcting the date"),
		browsertest.Submit(chromedp.CSS(`form[action="`+reportPath+`/reopen"] button`)),
	)
	j.Contains("the reopened draft", "main", "reopened as a draft", "Editing the report of France, cycle 2026")
	j.Do("read version 1", chromedp.Navigate(reportURL+"?version=1"))
	j.Contains("version 1 after reopening", "main", "Version 1", "Public", title)
	j.signOut()

	// A visitor finds the report, the dashboard figure and the search hit.
	j.Do("the public report", chromedp.Navigate(reportURL))
	j.Contains("the public report", "main", "Report of France, cycle 2026", "Version 1", title)
	if body := j.Text("main"); strings.Contains(body, "Stale edit") || strings.Contains(body, "Edit the draft") {
		t.Errorf("the public sees the draft or its actions")
	}
	j.Do("the dashboard of norm (j)",
		chromedp.Navigate(rig.URL+"/monitoring/map"),
		chromedp.SetValue(chromedp.ID("norm"), norm),
		browsertest.Submit(chromedp.CSS(`form[action="/monitoring/map"] button`)),
	)
	j.Contains("the map's heading", "h1", "(j)")
	row := j.Eval(`[...document.querySelectorAll("main table tbody tr")].filter(tr => tr.querySelector("th") && tr.querySelector("th").textContent.trim() === "France").map(tr => tr.innerText.replace(/\s+/g, " ").trim()).join("|")`)
	if !strings.HasPrefix(row, "France ") || !strings.HasSuffix(row, " Yes 1") || strings.Contains(row, "|") {
		t.Errorf("France's row in the dashboard table: %q", row)
	}
	// The submission queued the compendium's search sync for this report;
	// run the queue, as a worker would within a second.
	rig.DrainJobs(t)
	j.Do("search the compendium",
		chromedp.Navigate(rig.URL+"/compendium/search"),
		chromedp.SendKeys(chromedp.ID("q"), "heliotrope"),
		browsertest.Submit(chromedp.CSS(`form[role="search"] button[type="submit"]`)),
	)
	j.Contains("the search results", "main .result-list li", title, "France", "2026", "(j)")
	marks := strings.Fields(j.Text("main .result-list li mark"))
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
	browsertest.Page
	base string
}

func (j journey) value(sel string) string {
	j.T.Helper()
	s, err := chromedp.Run(j.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).value`, sel)))
	if err != nil {
		j.T.Fatalf("read the value of %s: %v", sel, err)
	}
	return s
}

// waitFor waits until the JavaScript condition holds.
func (j journey) waitFor(what, cond string) {
	j.T.Helper()
	if _, err := chromedp.Run(j.Ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		j.T.Fatalf("waiting for %s: %v (status: %q)", what, err, j.Text("#autosave-status"))
	}
}

// blankMeasure returns the field prefix ("m.N.") of the blank measure the
// edit form offers under the norm.
func (j journey) blankMeasure(norm string) string {
	j.T.Helper()
	p := j.Eval(fmt.Sprintf(`[...document.querySelectorAll('input[name$=".norm"][value=%q]')].map(i => i.name.slice(0, -4)).find(p => document.querySelector('[name="' + p + 'key"]').value === "")`, norm))
	if !strings.HasPrefix(p, "m.") {
		j.T.Fatalf("no blank measure under %s (%q)", norm, p)
	}
	return p
}

// measure returns the field prefix ("m.N.") of the measure with the title.
func (j journey) measure(title string) string {
	j.T.Helper()
	p := j.Eval(fmt.Sprintf(`[...document.querySelectorAll('input[name$=".title"]')].filter(i => i.value === %q).map(i => i.name.slice(0, -5)).join(" ")`, title))
	if !strings.HasPrefix(p, "m.") || strings.Contains(p, " ") {
		j.T.Fatalf("not one measure titled %q on the page (%q)", title, p)
	}
	return p
}

func (j journey) signIn(u *auth.User) {
	j.T.Helper()
	if err := browsertest.SignIn(j.Ctx, j.base, u.Email, testrig.Password); err != nil {
		j.T.Fatalf("sign in as %s: %v", u.Role, err)
	}
}

func (j journey) signOut() {
	j.T.Helper()
	j.Do("sign out", browsertest.Submit(chromedp.CSS(`form[action="/signout"] button`)))
	j.Contains("after signing out", "header", "Sign in")
}
