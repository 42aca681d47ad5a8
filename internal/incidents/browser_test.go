package incidents_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserJourney is the "Done means" in a real browser: a
// research institute proposes an incident; the secretariat reviews and
// publishes it; France and Germany publish a joint attribution citing norms
// (c) and (f); Russia's denial is recorded; a signed-out visitor finds it
// by search, on both States' pages and on norm (f)'s page, and downloads
// the CSV and the STIX bundle (which TestSTIXBundlesMatchTheOASISSchemas
// validates against the OASIS schemas).
func TestBrowserJourney(t *testing.T) {
	rig := testrig.New(t)
	people := map[string]*testrigUser{}
	for name, u := range map[string]struct {
		role  auth.Role
		scope string
	}{"institute": {auth.RoleStakeholder, rig.Organisation(t, "Institute for Cyber Research")}, "secretariat": {auth.RoleSecretariat, ""},
		"france": {auth.RoleStateApprover, "FRA"}, "germany": {auth.RoleStateApprover, "DEU"}, "russia": {auth.RoleStateApprover, "RUS"}} {
		people[name] = &testrigUser{email: rig.User(t, u.role, u.scope).Email}
	}
	page := func(name string) browsertest.Page {
		ctx := browsertest.New(t)
		if err := browsertest.SignIn(ctx, rig.URL, people[name].email, testrig.Password); err != nil {
			t.Fatalf("%s signs in: %v", name, err)
		}
		return browsertest.Page{T: t, Ctx: ctx}
	}

	inst := page("institute")
	inst.Do("the institute proposes",
		chromedp.Navigate(rig.URL+"/incidents/new"),
		chromedp.SendKeys(chromedp.ID("name"), "Satellite modem wipe"),
		chromedp.SendKeys(chromedp.ID("summary"), "Modems of a satellite network were wiped on the first day of the invasion."),
		chromedp.SendKeys(chromedp.ID("start"), "2022-02-24"),
		chromedp.SetValue(chromedp.ID("type"), "destruction"),
		chromedp.SendKeys(chromedp.ID("receivers"), "UKR military\nDEU ci-energy"),
		chromedp.SendKeys(chromedp.ID("initiators"), "Sandworm Team | RUS"),
		chromedp.SendKeys(chromedp.ID("techniques"), "T1485"),
		chromedp.SetValue(chromedp.ID("impact"), "4"),
		chromedp.SendKeys(chromedp.ID("sources"), "https://example.org/viasat | Operator's report | 2022-03-30"),
		browsertest.Submit(chromedp.ID("incident-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	proposal := inst.Location()

	sec := page("secretariat")
	sec.Do("the secretariat accepts and publishes",
		chromedp.Navigate(proposal),
		browsertest.Submit(chromedp.ID("proposal-accept")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	incident := sec.Location()
	sec.Contains("the incident is public", "main", "Satellite modem wipe", "Sandworm Team")

	fra := page("france")
	fra.Do("France drafts a joint statement with Germany",
		chromedp.Navigate(incident),
		chromedp.SendKeys(chromedp.ID("a-date"), "2022-05-10"),
		chromedp.SetValue(chromedp.ID("a-kind"), "state"),
		chromedp.SetValue(chromedp.ID("a-states"), "FRA, DEU"),
		chromedp.SetValue(chromedp.ID("a-basis"), "other-government"),
		chromedp.SendKeys(chromedp.ID("a-named"), "RUS"),
		chromedp.Click(chromedp.CSS(`input[name="norms"][value="gge2015-c"]`)),
		chromedp.Click(chromedp.CSS(`input[name="norms"][value="gge2015-f"]`)),
		chromedp.SendKeys(chromedp.ID("a-law"), "sovereignty"),
		browsertest.Submit(chromedp.ID("attribution-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	deu := page("germany")
	deu.Do("Germany signs; the statement is published",
		chromedp.Navigate(incident),
		browsertest.Submit(chromedp.CSS(`form[action^="/incidents/sign/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	rus := page("russia")
	rus.Do("Russia records its denial",
		chromedp.Navigate(incident),
		chromedp.SetValue(chromedp.CSS(`select[name="response"]`), "denial"),
		browsertest.Submit(chromedp.CSS(`form[action^="/incidents/answer/"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)

	visitor := browsertest.Page{T: t, Ctx: browsertest.New(t)}
	visitor.Do("a visitor searches", chromedp.Navigate(rig.URL+"/incidents?q=satellite"))
	visitor.Contains("search", "main", "Satellite modem wipe")
	for _, p := range []string{"/incidents/states/FRA", "/incidents/states/DEU", "/incidents/norms/gge2015-f"} {
		visitor.Do("a visitor opens "+p, chromedp.Navigate(rig.URL+p))
		visitor.Contains(p, "main", "Satellite modem wipe")
	}
	visitor.Do("the incident page", chromedp.Navigate(incident))
	visitor.Contains("incident", "main", "Denial", "joint statement", "(f) Do not damage critical infrastructure", "Institute for Cyber Research")
	visitor.Do("the dataset page", chromedp.Navigate(rig.URL+"/incidents/dataset"))
	visitor.Contains("dataset", "main", "incidents.csv", "attributions.csv", "STIX 2.1", "days_after_incident")
	anon := rig.Anonymous(t)
	if csv := anon.GetBody(t, "/incidents/dataset/attributions.csv"); !strings.Contains(csv, "FRA;DEU") || !strings.Contains(csv, "denial") {
		t.Errorf("attributions.csv: %s", csv)
	}
	if b := anon.GetBody(t, "/incidents/stix/"+incident[strings.LastIndex(incident, "/")+1:]); !strings.Contains(b, `"type":"report"`) && !strings.Contains(b, `"type": "report"`) {
		t.Errorf("STIX bundle: %.300s", b)
	}
}

type testrigUser struct{ email string }
