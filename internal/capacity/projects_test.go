package capacity_test

import (
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// outbox lists the subjects and recipients of the mail sent so far (after
// running the queued jobs).
func outbox(t *testing.T, rig *testrig.Rig) []mail.OutboxEntry {
	t.Helper()
	if err := rig.App.Services.Jobs.Drain(rig.Ctx); err != nil {
		t.Fatal(err)
	}
	list, err := mail.List(rig.App.Services.OutboxDir, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func mailedTo(list []mail.OutboxEntry, subject, to string) bool {
	for _, e := range list {
		if strings.Contains(e.Subject, subject) && strings.Contains(e.To, to) {
			return true
		}
	}
	return false
}

// acceptedProject makes a need, an offer, the invitation and its acceptance.
func (w world) acceptedProject(t *testing.T) (need, offer, project string) {
	t.Helper()
	b := needBody("CSIRT training for Senegal", "public")
	b["starts_on"], b["ends_on"] = time.Now().UTC().AddDate(0, -1, 0).Format("2006-01-02"), time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02")
	st, body := w.senEd.do(t, "POST", base+"/needs", b)
	want(t, "need", st, 201, body)
	need = body["id"].(string)
	st, body = w.senAp.do(t, "POST", base+"/needs/"+need+"/publish", nil)
	want(t, "publish", st, 200, body)
	st, body = w.orgA.do(t, "POST", base+"/offers", offerBody("Incident response training", true))
	want(t, "offer", st, 201, body)
	offer = body["id"].(string)
	st, body = w.senEd.do(t, "POST", base+"/needs/"+need+"/invitations", map[string]any{"offer": offer})
	want(t, "invite", st, 201, body)
	st, body = w.orgA.do(t, "POST", base+"/matches/"+body["id"].(string)+"/response", map[string]any{"accept": true})
	want(t, "accept", st, 200, body)
	return need, offer, body["project_id"].(string)
}

func TestProjectsMilestonesAndDirectory(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		_, _, pid := w.acceptedProject(t)
		p := base + "/projects/" + pid
		yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
		later := time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02")

		t.Run("a private project is its parties' and the secretariat's", func(t *testing.T) {
			for _, c := range []struct {
				name string
				who  apiClient
				want int
			}{{"the public", w.anon, 404}, {"another organisation", w.orgB, 404}, {"another State", w.fraAp, 404}, {"the secretariat", w.sec, 200}, {"the beneficiary", w.senEd, 200}, {"the implementer", w.orgA, 200}} {
				st, body := c.who.do(t, "GET", p, nil)
				want(t, c.name, st, c.want, body)
			}
		})

		st, body := w.senEd.do(t, "POST", p+"/milestones", map[string]any{"title": "Training delivered", "due_on": yesterday})
		want(t, "overdue milestone", st, 201, body)
		st, body = w.orgA.do(t, "POST", p+"/milestones", map[string]any{"title": "Curriculum agreed", "due_on": later})
		want(t, "second milestone", st, 201, body)
		second := body["id"].(string)
		st, body = w.orgA.do(t, "PUT", p+"/milestones/"+second, map[string]any{"status": "done"})
		want(t, "complete a milestone", st, 200, body)
		st, body = w.orgA.do(t, "PUT", p+"/milestones/"+second, map[string]any{"status": "finished-ish"})
		want(t, "unknown milestone status", st, 422, body)
		st, body = w.orgA.do(t, "POST", p+"/milestones", map[string]any{"title": "No date"})
		want(t, "milestone without a date", st, 422, body)

		t.Run("only the parties post updates", func(t *testing.T) {
			st, body := w.orgA.do(t, "POST", p+"/updates", map[string]any{"body": "First session held in Dakar."})
			want(t, "implementer posts", st, 201, body)
			st, body = w.orgB.do(t, "POST", p+"/updates", map[string]any{"body": "Spam"})
			want(t, "a stranger posts", st, 404, body)
			st, body = w.sec.do(t, "POST", p+"/updates", map[string]any{"body": "Note"})
			want(t, "the secretariat posts", st, 403, body)
		})

		t.Run("the parties' form takes a multi-line outcome", func(t *testing.T) {
			c := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "SEN"))
			resp := c.PostForm(t, "/capacity/projects/"+pid, url.Values{"title": {"CSIRT training for Senegal"}, "status": {"running"},
				"outcome_text": {"Twelve handlers trained.\nA second course is planned."}, "summary": {"Line one\nLine two"}})
			if resp.StatusCode != 303 {
				t.Fatalf("save: %d", resp.StatusCode)
			}
			st, body := w.senEd.do(t, "GET", p, nil)
			want(t, "project", st, 200, body)
			if body["outcome"] != "Twelve handlers trained.\nA second course is planned." {
				t.Errorf("outcome %q", body["outcome"])
			}
		})

		t.Run("dates in the wrong order are refused", func(t *testing.T) {
			st, body := w.senEd.do(t, "PUT", p, map[string]any{"title": "CSIRT training", "status": "running", "starts_on": "2027-05-01", "ends_on": "2027-01-01"})
			want(t, "wrong order", st, 422, body)
		})

		t.Run("an overdue milestone reminds both parties once", func(t *testing.T) {
			svc := capacity.NewService(rig.App.Services, &framework.Store{DB: rig.DB})
			n, err := svc.RemindOverdue(rig.Ctx, time.Now())
			if err != nil || n != 1 {
				t.Fatalf("reminded %d (%v), want 1", n, err)
			}
			list := outbox(t, rig)
			if !mailedTo(list, "Milestone overdue: Training delivered", "state-editor") {
				t.Errorf("the beneficiary was not reminded: %v", list)
			}
			if !mailedTo(list, "Milestone overdue", "stakeholder") {
				t.Errorf("the implementer was not reminded")
			}
			if n, _ := svc.RemindOverdue(rig.Ctx, time.Now()); n != 0 {
				t.Errorf("reminded again the same day: %d", n)
			}
		})

		t.Run("the directory shows it after the secretariat's review", func(t *testing.T) {
			st, body := w.orgA.do(t, "POST", p+"/review", map[string]any{"publish": true})
			want(t, "an organisation reviews", st, 403, body)
			st, body = w.sec.do(t, "POST", p+"/review", map[string]any{"publish": true})
			want(t, "review before a request", st, 409, body)
			st, body = w.senEd.do(t, "POST", p+"/publication", nil)
			want(t, "request publication", st, 200, body)
			st, body = w.anon.do(t, "GET", base+"/projects", nil)
			want(t, "directory", st, 200, body)
			if len(items(t, body)) != 0 {
				t.Errorf("the directory shows a project before review")
			}
			st, body = w.sec.do(t, "POST", p+"/review", map[string]any{"publish": true})
			want(t, "publish", st, 200, body)
			st, body = w.anon.do(t, "GET", base+"/projects?region=african&norm=gge2015-c", nil)
			want(t, "directory", st, 200, body)
			if list := items(t, body); len(list) != 1 || list[0]["id"] != pid {
				t.Errorf("directory: %v", list)
			}
			st, body = w.anon.do(t, "GET", base+"/projects?region=weog", nil)
			if len(items(t, body)) != 0 {
				t.Errorf("the region filter lets the project through")
			}
			resp := w.anon.c.Do(t, "GET", "/capacity/projects/export.csv?beneficiary=SEN", nil, nil)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(raw), "CSIRT training for Senegal") || !strings.HasPrefix(string(raw), "id,title,beneficiary") {
				t.Errorf("CSV export: %d %s", resp.StatusCode, raw)
			}
			st, body = w.anon.do(t, "GET", p, nil)
			want(t, "the public reads the published project", st, 200, body)
			if body["budget"] != nil && body["budget"] != "" {
				t.Errorf("the public sees the budget")
			}
			st, body = w.anon.do(t, "GET", base+"/gaps", nil)
			want(t, "gap view", st, 200, body)
			found := false
			for _, r := range body["by_norm"].([]any) {
				row := r.(map[string]any)
				if row["key"] == "gge2015-c" && row["projects_running"].(float64) == 1 && row["needs_matched"].(float64) == 1 {
					found = true
				}
			}
			if !found {
				t.Errorf("the gap view does not count the project and the matched need under norm (c): %v", body["by_norm"])
			}
			resp = w.anon.c.Do(t, "GET", "/capacity/gaps", nil, nil)
			raw, _ = io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(raw), "<svg") {
				t.Errorf("gap page: %d", resp.StatusCode)
			}
		})
	})
}
