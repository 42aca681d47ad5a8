package reporting_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestReportingWalk is issue 23's walk, as a delegation lives it, in a
// real browser: France's editor finds the new cycle in the home panel at
// the top of the home page, carries last year's report forward, completes
// three norms through the task list (one reviewed unchanged, one reviewed,
// one with two new measures added without JavaScript through "add another
// measure") and sends the report for approval; the approver, e-mailed a
// link, returns it with a comment on norm (c); the editor, signing in again
// on a 390 px screen, reads the comment where the task list points, fixes
// the measure, answers in the section's thread and sends it again; the
// approver submits it as public. The public comparison with last year lists
// exactly the three measures that changed, and the PDF has the report's
// table of contents. The signed-in pages — home panel, task list, a norm's
// page, the hand-off forms, the comments — pass axe-core at 1280 and 390 px
// in English and Arabic, and speak each of the six languages.
func TestReportingWalk(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	w := newWorld(t, rig) // cycle "2026" is last year's
	const (
		register = "Register of critical infrastructure operators"
		exercise = "National crisis exercise with operators"
		sharing  = "Sector information-sharing centre"
		comment  = "The register has been in force since March: its status is implemented, not planned."
		answer   = "Done: marked implemented."
	)

	// Last year's report, submitted as public. Its descriptions have
	// several lines, which a browser sends back as CRLF: saving them
	// unchanged must not show as a change.
	lastYear := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	lines := func(norm, title, status string) map[string]any {
		m := measure(norm, title, status)
		m["description"] = title + ".\n\nAdopted after consultation.\nReviewed every year."
		return m
	}
	w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+lastYear+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{
		lines("gge2015-a", "National cyber strategy", "implemented"),
		lines("gge2015-c", register, "planned"),
		lines("gge2015-c", "Hosting provider notice", "in_progress"),
		lines("gge2015-j", "Coordinated vulnerability disclosure", "implemented"),
	}, "notes": []any{map[string]string{"norm_id": "gge2015-c", "challenges": "Few staff.\nHigh turnover.", "capacity_gaps": ""}}}})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+lastYear+"/submit", map[string]any{"visibility": "public"})
	cycle := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2027", "opens_on": day(-24 * time.Hour), "due_on": day(30 * 24 * time.Hour), "closes_on": day(60 * 24 * time.Hour)})["id"].(string)

	j := journey{Page: browsertest.Page{T: t, Ctx: ctx}, base: rig.URL}
	ed, ap := w.fraEdU, w.fraApU

	// The editor's home page leads with the State's report: 2027 is to start.
	j.signIn(ed)
	j.Do("the home page", chromedp.Navigate(rig.URL+"/"))
	j.Contains("the home panel", "#your-report", "Your State's report (France)", "Cycle 2027", "has not started")
	if got := j.Eval(`!!(document.querySelector("#your-report").compareDocumentPosition(document.querySelector("ul.cards")) & Node.DOCUMENT_POSITION_FOLLOWING)`); got != "true" {
		t.Errorf("the home panel is not above the cards")
	}
	j.Do("open the cycle from the panel", browsertest.Submit(chromedp.CSS(`#your-report a[href="/cycles/`+cycle+`"]`)))
	if got := j.Eval(`document.getElementById("carry_forward").checked`); got != "true" {
		t.Fatalf("carrying last year forward is not offered by default (%s)", got)
	}
	j.Do("start, carrying last year forward", browsertest.Submit(chromedp.CSS(`form[action="/reports/start"] button`)))
	j.Contains("the new draft", "main", "Your State's draft report has been created", "Editing the report of France, cycle 2027")
	taskURL := j.Location()
	reportURL := strings.TrimSuffix(taskURL, "/edit")
	reportPath := strings.TrimPrefix(reportURL, rig.URL)
	id := strings.TrimPrefix(reportPath, "/reports/")
	task := func(norm string) string {
		return j.Eval(fmt.Sprintf(`document.getElementById("task-%s").textContent.trim()`, norm))
	}
	for norm, want := range map[string]string{"gge2015-a": "To review", "gge2015-c": "To review", "gge2015-d": "Not started", "gge2015-j": "To review"} {
		if got := task(norm); got != want {
			t.Errorf("carried forward, %s is %q, want %q", norm, got, want)
		}
	}
	j.Contains("what is left", "#tasks-left", "Completed: 0 of 12 sections", "Norms without any measure: 8")
	openTask := func(norm string) {
		t.Helper()
		j.Do("open "+norm+" from the task list", chromedp.Navigate(taskURL), browsertest.Submit(chromedp.CSS(`main .task-list a[href="`+reportPath+`/edit/`+norm+`"]`)))
	}

	// Norm (a): reviewed, nothing changed, completed.
	openTask("gge2015-a")
	j.Contains("norm (a)'s page", "h1", "(a)")
	j.Do("complete (a)", chromedp.Click(chromedp.ID("completed")), browsertest.Submit(chromedp.ID("save-bottom")))
	j.Contains("(a) saved", "main", "The draft has been saved.")
	if loc := j.Location(); !strings.HasPrefix(loc, taskURL+"/gge2015-a") {
		t.Errorf("saving (a) led to %s, not back to its page", loc)
	}

	// Norm (c): both carried measures reviewed, completed.
	openTask("gge2015-c")
	j.Contains("norm (c)'s measures", "fieldset.measure legend", register, "Hosting provider notice")
	j.Do("complete (c)", chromedp.Click(chromedp.ID("completed")), browsertest.Submit(chromedp.ID("save-bottom")))
	j.Contains("(c) saved", "main", "The draft has been saved.")

	// Norm (d), new this year, without JavaScript: the form offers one
	// blank measure; "add another measure" saves it and offers another.
	openTask("gge2015-d")
	noScript := func(off bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
			t.Fatalf("turn scripts off=%v: %v", off, err)
		}
	}
	noScript(true)
	j.Do("reload (d) without scripts", chromedp.Reload())
	fill := func(title, typ, status string) {
		t.Helper()
		p := j.blankMeasure("gge2015-d")
		j.Do("fill "+title,
			chromedp.SendKeys(chromedp.CSS(`[name="`+p+`title"]`), title),
			chromedp.SendKeys(chromedp.CSS(`[name="`+p+`description"]`), title+" for the operators of essential services."),
			chromedp.SetValue(chromedp.CSS(`[name="`+p+`type"]`), typ),
			chromedp.SetValue(chromedp.CSS(`[name="`+p+`status"]`), status),
		)
	}
	fill(exercise, "practice", "implemented")
	j.Do("add another measure", browsertest.Submit(chromedp.CSS(`button[name="add"][value="gge2015-d"]`)))
	j.Contains("(d) after adding another", "main", "The draft has been saved.")
	j.Contains("the first new measure", "fieldset.measure legend", exercise)
	fill(sharing, "institution", "planned")
	j.Do("complete (d)", chromedp.Click(chromedp.ID("completed")), browsertest.Submit(chromedp.ID("save-bottom")))
	j.Contains("both new measures", "fieldset.measure legend", exercise, sharing)
	noScript(false)

	j.Do("the task list", chromedp.Navigate(taskURL))
	for _, norm := range []string{"gge2015-a", "gge2015-c", "gge2015-d"} {
		if got := task(norm); got != "Completed" {
			t.Errorf("after completing it, %s is %q", norm, got)
		}
	}
	j.Contains("what is left after three norms", "#tasks-left", "Completed: 3 of 12 sections", "Norms without any measure: 7")

	// Sent for approval, with a word for the approvers.
	j.Do("send for approval",
		chromedp.SendKeys(chromedp.ID("send-comment"), "Ready: three norms completed."),
		browsertest.Submit(chromedp.CSS(`#send-form button[type="submit"]`)),
	)
	j.Contains("sent", "main", "The report was sent for approval", "Waiting for approval since")
	j.signOut()

	// The approver is e-mailed a link; returns the report with a comment on (c).
	ms := mailsTo(t, rig, ap.Email, "waiting for your approval")
	if len(ms) != 1 {
		t.Fatalf("the approver got %d approval e-mails", len(ms))
	}
	link := regexp.MustCompile(`https?://\S+/reports/` + id + `\b`).FindString(ms[0].Text)
	if link == "" {
		t.Fatalf("the approval e-mail has no link to the report:\n%s", ms[0].Text)
	}
	j.signIn(ap)
	j.Do("open the e-mail's link", chromedp.Navigate(link))
	j.Contains("the report waiting for the approver", "#handoff-status", "Waiting for approval since", ed.Name, "It waits for your approval")
	browsertest.AuditPages(t, ctx, "the approver", reportURL)
	j.Do("return to the editor",
		chromedp.SetValue(chromedp.ID("return-section"), "gge2015-c"),
		chromedp.SendKeys(chromedp.ID("return-comment"), comment),
		browsertest.Submit(chromedp.CSS(`#return-form button[type="submit"]`)),
	)
	j.Contains("returned", "main", "The report was returned to the editors")
	j.signOut()
	if n := len(mailsTo(t, rig, ed.Email, "returned with comments")); n != 1 {
		t.Errorf("the editor got %d e-mails of the return", n)
	}

	// The editor signs in again, on a phone: the home panel says what
	// waits, the task list points at the comment, the fix goes in.
	j.signIn(ed)
	commentsURL := reportURL + "/comments"
	browsertest.AuditPages(t, ctx, "the editor", rig.URL+"/", taskURL, taskURL+"/gge2015-c", commentsURL)
	j.sixLanguages(rig.URL+"/", taskURL, taskURL+"/gge2015-c", commentsURL)
	j.Do("a phone's width", chromedp.EmulateViewport(390, 844))
	j.Do("the home page", chromedp.Navigate(rig.URL+"/"))
	j.Contains("the home panel after the return", "#your-report", "Returned to the editors with comments")
	j.Do("open the task list from the panel", browsertest.Submit(chromedp.CSS(`#your-report a[href="`+reportPath+`/edit"]`)))
	j.Contains("the returned report", "#handoff-status", "Returned to the editors by "+ap.Name, "It waits for your changes")
	j.Do("open (c)'s comments", browsertest.Submit(chromedp.CSS(`main .task-list a[href="`+reportPath+`/edit/gge2015-c#comments"]`)))
	j.Contains("the comment on (c)", "#comments", ap.Name, comment, "returned to the editors")
	p := j.measure(register)
	j.Do("fix the status",
		chromedp.SetValue(chromedp.CSS(`[name="`+p+`status"]`), "implemented"),
		browsertest.Submit(chromedp.ID("save-bottom")),
	)
	j.Contains("(c) fixed", "main", "The draft has been saved.")
	j.Do("answer in the thread",
		chromedp.SendKeys(chromedp.ID("comment-body"), answer),
		browsertest.Submit(chromedp.CSS(`#comment-form button[type="submit"]`)),
	)
	j.Contains("the thread with the answer", "#comments", comment, answer)
	if loc := j.Location(); !strings.Contains(loc, "/edit/gge2015-c") {
		t.Errorf("posting a comment on (c) led to %s, not back to its page", loc)
	}
	if got := j.Eval(`document.documentElement.scrollWidth <= document.documentElement.clientWidth`); got != "true" {
		t.Errorf("at 390 px the norm's page scrolls sideways")
	}
	j.Do("the task list", chromedp.Navigate(taskURL))
	j.Do("send again", browsertest.Submit(chromedp.CSS(`#send-form button[type="submit"]`)))
	j.Contains("sent again", "#handoff-status", "Waiting for approval since")
	j.Do("back to a laptop", chromedp.EmulateViewport(1280, 900))
	j.signOut()

	// The approver submits it as public.
	j.signIn(ap)
	j.Do("submit", chromedp.Navigate(reportURL), chromedp.Click(chromedp.ID("vis-public")), browsertest.Submit(chromedp.CSS(`form[action="`+reportPath+`/submit"] button`)))
	j.Contains("the submitted report", "main", "The report has been submitted.", "Version 1", "Public")
	j.signOut()

	// The public comparison with last year: exactly the measures changed.
	j.Do("the comparison with last year", chromedp.Navigate(reportURL+"/diff?version=1&against=previous-cycle"))
	j.Contains("the comparison", "main", "Changes in the report of France, cycle 2027")
	changes := strings.Split(strings.TrimSpace(j.Text("main ul.diff li")), "\n")
	want := []string{"Changed: " + register, "Added: " + exercise, "Added: " + sharing}
	if len(changes) != len(want) {
		t.Fatalf("the comparison lists %d changes, want %d: %q", len(changes), len(want), changes)
	}
	for _, w := range want {
		found := false
		for _, c := range changes {
			found = found || strings.HasPrefix(strings.TrimSpace(c), w)
		}
		if !found {
			t.Errorf("the comparison lacks %q: %q", w, changes)
		}
	}
	j.Contains("the status change", "main li.diff-changed", "Planned → Implemented")
	if got := strings.Fields(j.Text("main table tfoot tr")); strings.Join(got, " ") != "Total 2 1 0" {
		t.Errorf("the comparison's totals: %q", got)
	}

	// The PDF opens (a PDF, tagged, with an outline) and has the contents.
	resp := rig.Anonymous(t).Get(t, reportPath+"/export.pdf?version=1")
	body := []byte(testrig.Body(resp))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("the PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, s := range []string{"%PDF-", "/StructTreeRoot", "/Outlines", "Contents"} {
		if !bytes.Contains(body, []byte(s)) {
			t.Errorf("the PDF has no %q", s)
		}
	}
	if text := pdfText(t, body); text != "" {
		for _, s := range []string{"Contents", "(d)", exercise, register} {
			if !strings.Contains(text, s) {
				t.Errorf("the PDF's text lacks %q", s)
			}
		}
	}
}

// sixLanguages opens each page in the six languages: the document says its
// language and direction, no interface text is left as a catalog key, and
// the heading is not the English one.
func (j journey) sixLanguages(urls ...string) {
	j.T.Helper()
	key := regexp.MustCompile(`\b(reporting|home|site|nav|form|account)\.[a-z_]+(\.[a-z_]+)*\b`)
	for _, u := range urls {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		english := ""
		for _, lang := range []string{"en", "fr", "es", "ru", "zh", "ar", "en"} {
			j.Do(u+" in "+lang, chromedp.Navigate(u+sep+"lang="+lang))
			if got := j.Eval(`document.documentElement.lang + " " + document.documentElement.dir`); got != lang+" "+map[bool]string{true: "rtl", false: "ltr"}[lang == "ar"] {
				j.T.Errorf("%s in %s: the document says %q", u, lang, got)
			}
			text := j.Text("body")
			if k := key.FindString(text); k != "" {
				j.T.Errorf("%s in %s shows the catalog key %q", u, lang, k)
			}
			h1 := j.Text("h1")
			switch {
			case english == "":
				english = h1
			case lang != "en" && h1 == english:
				j.T.Errorf("%s in %s: the heading is the English one, %q", u, lang, h1)
			}
		}
	}
}

// pdfText is the PDF's text by poppler's pdftotext, "" when it is not
// installed (CI installs it).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but pdftotext (poppler-utils) is not installed")
		}
		t.Log("pdftotext (poppler-utils) is not installed: the PDF's text is not read")
		return ""
	}
	cmd := exec.Command(tool, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
