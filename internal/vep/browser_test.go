package vep_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

// TestBrowserJourney is the "Done means", in a real browser: a
// State's editor drafts its VEP policy and its approver publishes it, and
// the scorecard fills in; the approver grants the VEP permission to the
// editor; the editor records a retained vulnerability with a CVSS vector;
// six months on (the reminder job run with a test clock) the review is
// due and reminded, then overdue and reminded again, and the register
// shows it overdue; the approver generates and publishes the year's
// report; the secretariat and another State see the policy and the report
// but not the register.
func TestBrowserJourney(t *testing.T) {
	base := browsertest.New(t)
	rig := testrig.New(t)
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(base, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	edCtx, apCtx, secCtx, deuCtx := base, person(), person(), person()
	page := func(ctx context.Context) browsertest.Page { return browsertest.Page{T: t, Ctx: ctx} }
	editor := rig.User(t, auth.RoleStateEditor, "FRA")
	approver := rig.User(t, auth.RoleStateApprover, "FRA")
	for ctx, u := range map[context.Context]*auth.User{edCtx: editor, apCtx: approver, secCtx: rig.User(t, auth.RoleSecretariat, ""), deuCtx: rig.User(t, auth.RoleStateApprover, "DEU")} {
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign in %s: %v", u.Role, err)
		}
	}
	audit := func(ctx context.Context, what string) {
		t.Helper()
		if os.Getenv("CYBERNORMS_AXE") == "" {
			return // axe-core not installed here: the site-wide axe test says so
		}
		vs, err := browsertest.Audit(ctx, page(ctx).Location())
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		if len(vs) > 0 {
			t.Errorf("%s: %d accessibility violations:%s", what, len(vs), browsertest.Describe(vs))
		}
	}

	// The editor drafts the policy; periodic reviews without an interval come
	// back with the form as typed.
	page(edCtx).Do("draft the policy",
		chromedp.Navigate(rig.URL+"/vep/states/FRA"),
		chromedp.Click(chromedp.ID("has_process")),
		chromedp.SetValue(chromedp.ID("since"), "2021-02-01"),
		chromedp.SendKeys(chromedp.ID("deciding_body"), "Comité d'évaluation des vulnérabilités"),
		chromedp.SendKeys(chromedp.ID("members"), "ANSSI\nCOMCYBER"),
		chromedp.SetValue(chromedp.ID("default"), "disclose"),
		chromedp.SetValue(chromedp.ID("scope"), "all"),
		chromedp.SetValue(chromedp.ID("criteria_public"), "full"),
		chromedp.SetValue(chromedp.ID("ecosystem"), "yes"),
		chromedp.SetValue(chromedp.ID("review"), "periodic"),
		chromedp.SetValue(chromedp.ID("secured"), "yes"),
		chromedp.Click(chromedp.ID("cn-national_security")),
		chromedp.Click(chromedp.ID("cn-threat_impact")),
		chromedp.Click(chromedp.ID("cn-international_partners")),
		chromedp.Click(chromedp.ID("cn-commercial")),
		chromedp.SendKeys(chromedp.ID("passage_presume_disclosure"), "La divulgation est la règle."),
		browsertest.Submit(chromedp.ID("policy-save")),
	)
	page(edCtx).Contains("a bad interval is refused", "main", "between 1 and 60")
	if v := page(edCtx).Eval(`document.getElementById("deciding_body").value + "|" + document.getElementById("cn-commercial").checked`); v != "Comité d'évaluation des vulnérabilités|true" {
		t.Fatalf("the form lost what was typed: %s", v)
	}
	page(edCtx).Do("correct the interval",
		chromedp.SetValue(chromedp.ID("review_months"), "6"),
		browsertest.Submit(chromedp.ID("policy-save")),
	)
	page(edCtx).Contains("the draft is saved", "main", "The draft has been saved.")
	page(edCtx).Contains("not published yet", "main", "No policy record.")
	page(apCtx).Do("publish", chromedp.Navigate(rig.URL+"/vep/states/FRA"), browsertest.Submit(chromedp.ID("policy-publish")))
	page(apCtx).Contains("the scorecard fills in", "main", "The policy has been published.", "Version 1", "7 of 7 met", "La divulgation est la règle.")

	// The approver grants the permission to the editor.
	page(apCtx).Do("grant", chromedp.Navigate(rig.URL+"/vep/permissions"), browsertest.Submit(chromedp.ID("grant-"+editor.ID)))
	page(apCtx).Contains("granted", "main", "The VEP permission has been granted.", "Granted on")
	audit(apCtx, "the permissions page")

	// The editor records a retained vulnerability decided five and a half
	// months ago, with a CVSS vector.
	today := time.Now().UTC()
	decided := today.AddDate(0, -6, 12)
	page(edCtx).Do("record",
		chromedp.Navigate(rig.URL+"/vep/register"),
		chromedp.SendKeys(chromedp.ID("product"), "Zebracorn Router Firmware"),
		chromedp.SendKeys(chromedp.ID("vendor"), "Acme Networks"),
		chromedp.SendKeys(chromedp.ID("cve"), "CVE-2026-31337"),
		chromedp.SendKeys(chromedp.ID("cvss_vector"), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
		chromedp.SetValue(chromedp.ID("found_how"), "internal_research"),
		chromedp.SetValue(chromedp.ID("found_on"), day(decided.AddDate(0, 0, -10))),
		chromedp.SetValue(chromedp.ID("decision"), "retain"),
		chromedp.SetValue(chromedp.ID("decided_on"), day(decided)),
		chromedp.SendKeys(chromedp.ID("j_national_security"), "Needed for an ongoing operation."),
		chromedp.SendKeys(chromedp.ID("j_threat_impact"), "No exploitation seen."),
		chromedp.SendKeys(chromedp.ID("j_international_partners"), "Partners are not exposed."),
		chromedp.SendKeys(chromedp.ID("j_commercial"), "Niche product."),
		chromedp.SendKeys(chromedp.ID("j_ecosystem"), "Limited deployment."),
		browsertest.Submit(chromedp.ID("entry-record")),
	)
	page(edCtx).Contains("the entry is recorded and scored", "main", "The vulnerability has been recorded, sealed.", "9.8 CRITICAL", "Retain", "due")
	audit(edCtx, "a register entry")
	page(edCtx).Do("the register", chromedp.Navigate(rig.URL+"/vep/register"))
	page(edCtx).Contains("the review is due", "#due + ul", "Zebracorn Router Firmware", "due on "+day(decided.AddDate(0, 6, 0)))
	audit(edCtx, "the register")

	// The reminder job, with a test clock: due now, overdue a month on.
	for _, at := range []time.Time{today, today.AddDate(0, 1, 0)} {
		if _, err := jobs.Enqueue(rig.Ctx, rig.DB, vep.JobReminders, map[string]time.Time{"at": at}, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		rig.DrainJobs(t)
	}
	msgs := outbox(t, rig)
	subjects := ""
	for _, m := range msgs {
		if !strings.Contains(m.To, editor.Email) || strings.Contains(m.Text, "Zebracorn") || strings.Contains(m.Text, "Acme") {
			t.Errorf("a reminder to %s names the entry or goes astray", m.To)
		}
		subjects += m.Subject + "\n"
	}
	if !strings.Contains(subjects, "reviews coming due") || !strings.Contains(subjects, "reviews overdue") {
		t.Fatalf("reminders: %q", subjects)
	}
	svc := vep.NewService(rig.App.Services)
	svc.Now = func() time.Time { return today.AddDate(0, 1, 0) }
	if due, err := svc.Due(auth.WithUser(rig.Ctx, editor)); err != nil || len(due) != 1 || due[0].ReviewStatus != "overdue" {
		t.Fatalf("a month on the review is not overdue: %v %+v", err, due)
	}

	// The approver generates the year's report and publishes it.
	year := strconv.Itoa(decided.Year())
	page(apCtx).Do("generate", chromedp.Navigate(rig.URL+"/vep/reports"), chromedp.SendKeys(chromedp.ID("year"), year), browsertest.Submit(chromedp.ID("report-generate")))
	page(apCtx).Contains("the draft report", "main", "The draft report has been generated.", "Draft", "fewer than 5")
	page(apCtx).Do("publish the report", browsertest.Submit(chromedp.ID("report-publish")))
	page(apCtx).Contains("the report is published", "main", "The report has been published.", "Published on")
	reportURL := page(apCtx).Location()

	// The list of reports fits a 1280 px window without scrolling in its
	// region. Generating the published year again is refused: the error
	// summary takes the keyboard focus, and its link moves the focus to
	// the year's field (static/errorsummary.js, issue 19 item 11).
	for _, l := range []string{"fr", "ru", "ar", "es", "zh", "en"} {
		page(apCtx).Do("the reports at 1280 px in "+l, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(rig.URL+"/vep/reports?lang="+l))
		for _, got := range strings.Split(page(apCtx).Eval(`[...document.querySelectorAll(".table-wrap")].map(w => w.scrollWidth + " in " + w.clientWidth).join(";")`), ";") {
			if !fits(got) {
				t.Errorf("a table of the reports scrolls sideways at 1280 px in %s: %s px", l, got)
			}
		}
	}
	page(apCtx).Do("generate the published year again", chromedp.SendKeys(chromedp.ID("year"), year), browsertest.Submit(chromedp.ID("report-generate")))
	page(apCtx).Contains("the year is refused", "#form-errors", "already published")
	if got := page(apCtx).Eval(`document.activeElement.id`); got != "form-errors" {
		t.Errorf("after a refused form the focus is on %q, not the error summary", got)
	}
	page(apCtx).Do("follow the summary's link", chromedp.Click(chromedp.CSS(`#form-errors a[href="#year"]`)))
	if got := page(apCtx).Eval(`document.activeElement.id`); got != "year" {
		t.Errorf("the summary's link left the focus on %q, not the year's field", got)
	}

	// The secretariat and another State see the policy and the report, not the register.
	for name, ctx := range map[string]context.Context{"the secretariat": secCtx, "another State": deuCtx} {
		page(ctx).Do(name+" reads the policy", chromedp.Navigate(rig.URL+"/vep/states/FRA"))
		page(ctx).Contains(name+" sees the policy", "main", "Comité d'évaluation des vulnérabilités", "7 of 7 met", "Report for "+year)
		page(ctx).Do(name+" reads the report", chromedp.Navigate(reportURL))
		page(ctx).Contains(name+" sees the report", "main", "fewer than 5")
		page(ctx).Do(name+" tries the register", chromedp.Navigate(rig.URL+"/vep/register"))
		if got := page(ctx).Text("main"); strings.Contains(got, "Zebracorn") || !strings.Contains(got, "404") {
			t.Errorf("%s reaches the register: %.300s", name, got)
		}
	}
	page(secCtx).Do("the public comparison", chromedp.Navigate(rig.URL+"/vep"))
	page(secCtx).Contains("the comparison lists France", "main", "France", "Recommendations met, by State")
	audit(secCtx, "the comparison page")
}

// fits reads "scrollWidth in clientWidth" and reports whether the box
// shows all its content.
func fits(s string) bool {
	var scroll, client int
	if _, err := fmt.Sscanf(s, "%d in %d", &scroll, &client); err != nil {
		return false
	}
	return scroll <= client+1
}
