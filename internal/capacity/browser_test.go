package capacity_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney is the "done means", in a real browser: a
// State turns a gap from its report into a need; an organisation's offer is
// proposed for it with its reasons; the State invites it; the offerer
// accepts; the project gets two milestones, one completed, the other
// overdue, and the job reminds the parties; the secretariat publishes the
// project; a signed-out visitor sees it in the directory and on the gap
// view, registers for a public workshop and takes its .ics.
func TestBrowserJourney(t *testing.T) {
	browser := browsertest.New(t)
	rig := testrig.New(t)
	person := func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		return ctx
	}
	senCtx, orgCtx, secCtx, visitorCtx := browser, person(), person(), person()
	page := func(ctx context.Context) browsertest.Page { return browsertest.Page{T: t, Ctx: ctx} }
	orgSlug := rig.Organisation(t, "Global Incident Response Alliance")
	sen, org, sec := rig.User(t, auth.RoleStateApprover, "SEN"), rig.User(t, auth.RoleStakeholder, orgSlug), rig.User(t, auth.RoleSecretariat, "")
	for ctx, u := range map[context.Context]*auth.User{senCtx: sen, orgCtx: org, secCtx: sec} {
		if err := browsertest.SignIn(ctx, rig.URL, u.Email, testrig.Password); err != nil {
			t.Fatalf("sign in %s: %v", u.Role, err)
		}
	}
	as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
	api := map[string]apiClient{"sen": as(sen), "org": as(org), "sec": as(sec)}

	// Senegal's report records a capacity gap under norm (c).
	today := time.Now().UTC()
	st, body := api["sec"].do(t, "POST", "/api/v1/reporting/cycles", map[string]any{"name": "2026", "opens_on": today.AddDate(0, 0, -10).Format("2006-01-02"),
		"due_on": today.AddDate(0, 1, 0).Format("2006-01-02"), "closes_on": today.AddDate(0, 2, 0).Format("2006-01-02")})
	want(t, "cycle", st, 201, body)
	st, body = api["sen"].do(t, "POST", "/api/v1/reports", map[string]any{"cycle_id": body["id"]})
	want(t, "report", st, 201, body)
	report := body["id"].(string)
	st, body = api["sen"].do(t, "PUT", "/api/v1/reports/"+report+"/draft", map[string]any{"revision": body["revision"], "content": map[string]any{
		"notes": []map[string]any{{"norm_id": "gge2015-c", "capacity_gaps": "Our national CSIRT lacks trained incident handlers who work in French."}}}})
	want(t, "draft", st, 200, body)
	st, body = api["sen"].do(t, "POST", "/api/v1/reports/"+report+"/submit", map[string]any{"visibility": "public"})
	want(t, "submit", st, 201, body)

	// The organisation publishes an offer.
	st, body = api["org"].do(t, "POST", base+"/offers", map[string]any{"title": "French-language incident response training", "description": "A two-week course for CSIRT staff, in French.",
		"norms": []string{"gge2015-c"}, "topics": []string{"incident-response"}, "kinds": []string{"training"}, "languages": []string{"fr"}, "regions": []string{"african"}, "capacity": 2, "cost": "free", "publish": true})
	want(t, "offer", st, 201, body)
	offer := body["id"].(string)

	// The gap's need is titled in the language of the person writing it.
	colleague := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "SEN"))
	for lang, want := range map[string]string{"fr": "Manque de capacités au titre de la norme (c) (rapport 2026)", "ar": "ثغرة في القدرات بموجب القاعدة (c) (التقرير 2026)"} {
		if b := colleague.GetBody(t, "/capacity/needs/new?report="+report+"&gap=gge2015-c&lang="+lang); !strings.Contains(b, want) {
			t.Errorf("the %s need form is not titled %q", lang, want)
		}
	}

	// The State turns the gap into a need and publishes it.
	s := page(senCtx)
	s.Do("the gap, pre-filled", chromedp.Navigate(rig.URL+"/capacity/needs/new?report="+report+"&gap=gge2015-c"), chromedp.WaitVisible(chromedp.ID("need-save")))
	if v := s.Eval(`document.getElementById("description").value`); !strings.Contains(v, "trained incident handlers") {
		t.Fatalf("the need is not pre-filled from the gap: %q", v)
	}
	s.Do("state the need", chromedp.Click(chromedp.ID("kinds-training")), chromedp.Click(chromedp.ID("languages-fr")), chromedp.Click(chromedp.ID("topics-incident-response")),
		browsertest.Submit(chromedp.ID("need-save")))
	s.Do("publish it", browsertest.Submit(chromedp.ID("need-publish")))
	s.Contains("the need is open", "#need-status", "Open")
	s.Contains("the offer is proposed with its reasons", ".suggestions", "French-language incident response training", "norm (c)", "French", "African States", "training")
	needURL := s.Location()
	s.Do("invite it", browsertest.Submit(chromedp.CSS(".suggestions .invite")))
	s.Contains("invited", ".matches", "invited")

	// The offerer accepts: the project starts.
	o := page(orgCtx)
	o.Do("accept", chromedp.Navigate(rig.URL+"/capacity/offers/"+offer), browsertest.Submit(chromedp.CSS(".matches .accept")))
	projectURL := o.Location()
	if !strings.Contains(projectURL, "/capacity/projects/") {
		t.Fatalf("accepting did not lead to the project: %s", projectURL)
	}
	// Two milestones: one overdue, one completed.
	yesterday := today.AddDate(0, 0, -1).Format("2006-01-02")
	later := today.AddDate(0, 3, 0).Format("2006-01-02")
	for _, m := range []struct{ title, due string }{{"Training delivered", yesterday}, {"Curriculum agreed", later}} {
		o.Do("add milestone "+m.title, chromedp.SendKeys(chromedp.ID("m-title"), m.title),
			chromedp.SetValue(chromedp.ID("m-due"), m.due), browsertest.Submit(chromedp.ID("milestone-add")))
	}
	o.Contains("the overdue one is marked", "table", "Training delivered", "overdue")
	mid := o.Eval(`[...document.querySelectorAll("tbody tr")].find(r => r.innerText.includes("Curriculum agreed")).querySelector("select").id`)
	o.Do("complete one", chromedp.SetValue(chromedp.ID(mid), "done"), browsertest.Submit(chromedp.CSS("#"+mid+" ~ button")))
	o.Contains("completed", "table", "done")

	// The periodic job reminds both parties.
	if _, err := jobs.Enqueue(rig.Ctx, rig.DB, capacity.JobReminders, map[string]string{"at": "now"}, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	list := outbox(t, rig)
	if !mailedTo(list, "Milestone overdue: Training delivered", sen.Email) || !mailedTo(list, "Milestone overdue: Training delivered", org.Email) {
		t.Fatalf("the parties were not both reminded")
	}

	// The State asks for publication; the secretariat publishes.
	s.Do("ask to publish", chromedp.Navigate(projectURL), browsertest.Submit(chromedp.ID("request-publication")))
	page(secCtx).Do("review", chromedp.Navigate(projectURL), browsertest.Submit(chromedp.ID("review-publish")))

	// A public workshop.
	day := today.AddDate(0, 1, 0).Format("2006-01-02")
	st, body = api["sec"].do(t, "POST", base+"/events", map[string]any{"title": "Industry workshop on incident response", "kind": "workshop", "audience": "public",
		"place": "Dakar", "time_zone": "Africa/Dakar", "starts": day + "T09:00", "ends": day + "T12:00", "capacity": 30})
	want(t, "workshop", st, 201, body)
	eventID := body["id"].(string)

	// A signed-out visitor.
	v := page(visitorCtx)
	v.Do("directory", chromedp.Navigate(rig.URL+"/capacity/projects"))
	v.Contains("the project is in the directory", "main", "Capacity gap under norm (c)", "Global Incident Response Alliance")
	v.Do("gap view", chromedp.Navigate(rig.URL+"/capacity/gaps"))
	row := v.Eval(`[...document.querySelectorAll("#by-norm ~ .table-wrap tbody tr")].find(r => r.innerText.startsWith("(c)")).innerText`)
	if f := strings.Fields(row); len(f) < 6 || f[len(f)-4] != "1" {
		t.Errorf("the gap view's row for norm (c) does not count the running project: %q", row)
	}
	v.Do("register", chromedp.Navigate(rig.URL+"/capacity/events/"+eventID), chromedp.SendKeys(chromedp.ID("name"), "Awa Visitor"),
		chromedp.SendKeys(chromedp.ID("email"), "awa@example.org"), browsertest.Submit(chromedp.ID("register-button")))
	v.Contains("registered", "#registered", "registered")
	href := v.Eval(`document.getElementById("add-to-calendar").href`)
	resp := rig.Anonymous(t).Do(t, "GET", strings.TrimPrefix(href, rig.URL), nil, nil)
	raw, _ := io.ReadAll(resp.Body)
	checkICalendar(t, string(raw), 1)
	if !strings.Contains(string(raw), "Industry workshop on incident response") {
		t.Errorf("the .ics lacks the workshop")
	}
	if !mailedTo(outbox(t, rig), "Registration confirmed", "awa@example.org") {
		t.Errorf("no confirmation e-mail")
	}
	_ = needURL
}
