package capacity_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestTheReportShowsWhichGapsAreAddressedAndByWhom(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		today := time.Now().UTC()
		st, body := w.sec.do(t, "POST", "/api/v1/reporting/cycles", map[string]any{"name": "2026", "opens_on": today.AddDate(0, 0, -10).Format("2006-01-02"),
			"due_on": today.AddDate(0, 1, 0).Format("2006-01-02"), "closes_on": today.AddDate(0, 2, 0).Format("2006-01-02")})
		want(t, "cycle", st, 201, body)
		st, body = w.senAp.do(t, "POST", "/api/v1/reports", map[string]any{"cycle_id": body["id"]})
		want(t, "report", st, 201, body)
		report := body["id"].(string)
		st, body = w.senAp.do(t, "PUT", "/api/v1/reports/"+report+"/draft", map[string]any{"revision": body["revision"], "content": map[string]any{
			"notes": []map[string]any{{"norm_id": "gge2015-c", "capacity_gaps": "No trained incident handlers."}, {"norm_id": "gge2015-f", "capacity_gaps": "No critical infrastructure inventory."}}}})
		want(t, "draft", st, 200, body)
		st, body = w.senAp.do(t, "POST", "/api/v1/reports/"+report+"/submit", map[string]any{"visibility": "public"})
		want(t, "submit", st, 201, body)

		fromGap := func(title, vis, norm string) string {
			b := needBody(title, vis)
			b["report_id"], b["report_norm"] = report, norm
			st, body := w.senEd.do(t, "POST", base+"/needs", b)
			want(t, "need from the gap", st, 201, body)
			id := body["id"].(string)
			st, body = w.senAp.do(t, "POST", base+"/needs/"+id+"/publish", nil)
			want(t, "publish", st, 200, body)
			return id
		}
		need := fromGap("Incident handlers for Senegal", "public", "gge2015-c")
		fromGap("Confidential inventory work", "secretariat", "gge2015-f")
		st, body = w.orgA.do(t, "POST", base+"/offers", offerBody("Incident response training", true))
		want(t, "offer", st, 201, body)
		st, body = w.senEd.do(t, "POST", base+"/needs/"+need+"/invitations", map[string]any{"offer": body["id"]})
		want(t, "invite", st, 201, body)
		st, body = w.orgA.do(t, "POST", base+"/matches/"+body["id"].(string)+"/response", map[string]any{"accept": true})
		want(t, "accept", st, 200, body)
		project := body["project_id"].(string)

		state := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "SEN"))
		page := state.GetBody(t, "/reports/"+report)
		for _, s := range []string{`id="report-gap-needs"`, "Incident handlers for Senegal", "Tech Accord", "/capacity/projects/" + project, "Confidential inventory work"} {
			if !strings.Contains(page, s) {
				t.Errorf("the State's report page lacks %q", s)
			}
		}
		anon := rig.Anonymous(t)
		page = anon.GetBody(t, "/reports/"+report)
		if !strings.Contains(page, "Incident handlers for Senegal") || !strings.Contains(page, "No project yet") {
			t.Errorf("the public report page does not show the public need without its unpublished project")
		}
		if strings.Contains(page, "Confidential inventory work") || strings.Contains(page, project) {
			t.Errorf("the public report page shows a secretariat-only need or an unpublished project")
		}
		st, body = w.senEd.do(t, "POST", base+"/projects/"+project+"/publication", nil)
		want(t, "ask to publish", st, 200, body)
		st, body = w.sec.do(t, "POST", base+"/projects/"+project+"/review", map[string]any{"publish": true})
		want(t, "publish the project", st, 200, body)
		page = anon.GetBody(t, "/reports/"+report+"?lang=fr")
		for _, s := range []string{"Manques de capacités pris en charge", "Tech Accord", "/capacity/projects/" + project} {
			if !strings.Contains(page, s) {
				t.Errorf("the public French report page lacks %q once the project is published", s)
			}
		}
	})
}

func TestTheGapViewIsBesideTheMonitoringDashboards(t *testing.T) {
	rig := testrig.New(t)
	for lang, want := range map[string]string{"en": "The capacity gap view", "ar": "عرض الثغرات في القدرات"} {
		page := rig.Anonymous(t).GetBody(t, "/monitoring?lang="+lang)
		if !strings.Contains(page, `href="/capacity/gaps"`) || !strings.Contains(page, want) {
			t.Errorf("/monitoring in %s does not link to the gap view", lang)
		}
	}
}
