package capacity_test

import (
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// A need can have several implementers: a further offer the requesting
// State accepts joins the need's running project.
func TestANeedWithSeveralImplementers(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		need, _, pid := w.acceptedProject(t)
		st, body := w.fraAp.do(t, "POST", base+"/offers", offerBody("French CSIRT mentoring", true))
		want(t, "France's offer", st, 201, body)
		second := body["id"].(string)
		p := base + "/projects/" + pid

		st, body = w.fraAp.do(t, "POST", p+"/updates", map[string]any{"body": "Not yet ours."})
		want(t, "France posts before it implements", st, 404, body)

		st, body = w.senEd.do(t, "POST", base+"/needs/"+need+"/invitations", map[string]any{"offer": second})
		want(t, "the State invites a second offer", st, 201, body)
		match := body["id"].(string)
		st, body = w.fraAp.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
		want(t, "France accepts", st, 200, body)
		if body["project_id"] != pid {
			t.Fatalf("the second acceptance started project %v, want it to join %s", body["project_id"], pid)
		}
		var n int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM capacity_projects WHERE need_id = ?`, need).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d projects for the need (%v), want 1", n, err)
		}

		st, body = w.senEd.do(t, "GET", p, nil)
		want(t, "project", st, 200, body)
		ims, _ := body["implementers"].([]any)
		if len(ims) != 2 || ims[0].(map[string]any)["lead"] != true || ims[1].(map[string]any)["state"] != "FRA" {
			t.Fatalf("implementers %v, want the organisation (lead) and France", body["implementers"])
		}
		if body["implementer"] != "Tech Accord; France" {
			t.Errorf("implementer %q", body["implementer"])
		}

		st, body = w.fraAp.do(t, "POST", p+"/updates", map[string]any{"body": "Mentoring plan shared."})
		want(t, "the second implementer posts", st, 201, body)
		if body["party"] != "implementer" {
			t.Errorf("party %v", body["party"])
		}
		st, body = w.fraAp.do(t, "GET", base+"/projects?own=1", nil)
		want(t, "France's own projects", st, 200, body)
		if l := items(t, body); len(l) != 1 || l[0]["id"] != pid {
			t.Errorf("France's own projects: %v", l)
		}
		st, body = w.anon.do(t, "GET", base+"/projects?own=1", nil)
		want(t, "the public's own projects", st, 200, body)

		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
		st, body = w.senEd.do(t, "POST", p+"/milestones", map[string]any{"title": "Mentors assigned", "due_on": yesterday})
		want(t, "overdue milestone", st, 201, body)
		svc := capacity.NewService(rig.App.Services, &framework.Store{DB: rig.DB})
		if n, err := svc.RemindOverdue(rig.Ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("reminded %d (%v)", n, err)
		}
		list := outbox(t, rig)
		sent := 0
		for _, e := range list {
			if e.Subject == "Milestone overdue: Mentors assigned" {
				sent++
			}
		}
		// Senegal's editor and approver, the organisation's member, France's approver.
		if sent != 4 {
			t.Errorf("%d reminders, want 4 (the beneficiary's two accounts and each implementer's)", sent)
		}
	})
}
