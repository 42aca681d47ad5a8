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
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// beneficiaryStates reads a project's beneficiaries from its JSON.
func beneficiaryStates(t *testing.T, body map[string]any) []string {
	t.Helper()
	raw, ok := body["beneficiaries"].([]any)
	if !ok {
		t.Fatalf("no beneficiaries: %v", body)
	}
	var out []string
	for _, x := range raw {
		out = append(out, x.(map[string]any)["state"].(string))
	}
	return out
}

// TestAProjectServesSeveralBeneficiaryStates names a second beneficiary
// (from another region) on a project: only a beneficiary's staff may, the
// requesting State stays, bad codes are refused with nothing changed; the
// new beneficiary's staff are told, become a party, are reminded of
// overdue milestones, and the directory, its CSV, the API and the open
// data find the project by either State.
func TestAProjectServesSeveralBeneficiaryStates(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		_, _, pid := w.acceptedProject(t)
		p := base + "/projects/" + pid
		edit := func(bens any) map[string]any {
			b := map[string]any{"title": "CSIRT training for Senegal", "status": "running"}
			if bens != nil {
				b["beneficiaries"] = bens
			}
			return b
		}
		unchanged := func(t *testing.T) {
			t.Helper()
			st, body := w.senEd.do(t, "GET", p, nil)
			want(t, "project", st, 200, body)
			if got := beneficiaryStates(t, body); len(got) != 1 || got[0] != "SEN" {
				t.Errorf("beneficiaries changed to %v", got)
			}
		}

		for _, c := range []struct {
			name   string
			who    apiClient
			bens   any
			status int
		}{
			{"an implementer naming a beneficiary", w.orgA, []string{"SEN", "FRA"}, 403},
			{"dropping the requesting State", w.senAp, []string{"FRA"}, 422},
			{"an empty list", w.senAp, []string{}, 422},
			{"an unknown code", w.senAp, []string{"SEN", "XYZ"}, 422},
			{"a name instead of a code", w.senAp, []string{"SEN", "France"}, 422},
			{"a control character", w.senAp, []string{"SEN", "FR\x00"}, 422},
		} {
			t.Run(c.name+" is refused", func(t *testing.T) {
				st, body := c.who.do(t, "PUT", p, edit(c.bens))
				want(t, c.name, st, c.status, body)
				if e, _ := body["error"].(map[string]any); !strings.HasPrefix(e["field"].(string), "beneficiaries") {
					t.Errorf("field %v, want beneficiaries", e["field"])
				}
				unchanged(t)
			})
		}

		st, body := w.senAp.do(t, "PUT", p, edit([]string{"fra", " SEN", "FRA"}))
		want(t, "name France a beneficiary", st, 200, body)
		if got := beneficiaryStates(t, body); strings.Join(got, " ") != "SEN FRA" {
			t.Fatalf("beneficiaries %v, want SEN (the lead) then FRA", got)
		}
		if body["beneficiary"] != "SEN" {
			t.Errorf("the lead beneficiary is %v", body["beneficiary"])
		}
		st, body = w.orgA.do(t, "PUT", p, edit(nil))
		want(t, "an implementer edits without touching the beneficiaries", st, 200, body)
		if got := beneficiaryStates(t, body); strings.Join(got, " ") != "SEN FRA" {
			t.Errorf("an edit without beneficiaries changed them to %v", got)
		}
		if !mailedTo(outbox(t, rig), "A project names your State a beneficiary: CSIRT training for Senegal", "state-approver") {
			t.Errorf("France's staff were not told")
		}

		t.Run("the second beneficiary is a party", func(t *testing.T) {
			st, body := w.fraAp.do(t, "GET", p, nil)
			want(t, "France reads the private project", st, 200, body)
			st, body = w.fraAp.do(t, "POST", p+"/updates", map[string]any{"body": "France joins the project."})
			want(t, "France posts an update", st, 201, body)
			if body["party"] != "beneficiary" {
				t.Errorf("France posts as %v", body["party"])
			}
			st, body = w.fraAp.do(t, "GET", base+"/projects?own=1", nil)
			want(t, "France's own projects", st, 200, body)
			if len(items(t, body)) != 1 {
				t.Errorf("France's own projects: %v", body)
			}
		})

		t.Run("an overdue milestone reminds every beneficiary", func(t *testing.T) {
			st, body := w.senEd.do(t, "POST", p+"/milestones", map[string]any{"title": "Training delivered", "due_on": time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")})
			want(t, "overdue milestone", st, 201, body)
			svc := capacity.NewService(rig.App.Services, &framework.Store{DB: rig.DB})
			if n, err := svc.RemindOverdue(rig.Ctx, time.Now()); err != nil || n != 1 {
				t.Fatalf("reminded %d (%v), want 1", n, err)
			}
			var sen, fra bool
			for _, e := range outbox(t, rig) {
				if strings.Contains(e.Subject, "Milestone overdue: Training delivered") {
					sen = sen || strings.Contains(e.To, "state-editor")
					fra = fra || strings.Contains(e.To, "state-approver")
				}
			}
			if !sen || !fra {
				t.Errorf("reminded Senegal %v, France %v: both beneficiaries must be", sen, fra)
			}
		})

		st, body = w.senEd.do(t, "POST", p+"/publication", nil)
		want(t, "request publication", st, 200, body)
		st, body = w.sec.do(t, "POST", p+"/review", map[string]any{"publish": true})
		want(t, "publish", st, 200, body)

		t.Run("the directory finds it by any of its beneficiaries", func(t *testing.T) {
			for _, c := range []struct {
				query string
				n     int
			}{
				{"beneficiary=SEN", 1}, {"beneficiary=FRA", 1}, {"beneficiary=fra", 1}, {"beneficiary=KEN,FRA", 1}, {"beneficiary=KEN&beneficiary=SEN", 1},
				{"beneficiary=KEN", 0}, {"region=weog", 1}, {"region=african", 1}, {"region=asia-pacific", 0},
			} {
				st, body := w.anon.do(t, "GET", base+"/projects?"+c.query, nil)
				want(t, c.query, st, 200, body)
				if n := len(items(t, body)); n != c.n {
					t.Errorf("%s: %d projects, want %d", c.query, n, c.n)
				}
			}
			st, body := w.anon.do(t, "GET", base+"/projects?beneficiary=SEN,XYZ", nil)
			want(t, "an unknown State in the filter", st, 422, body)
			resp := w.anon.c.Do(t, "GET", "/capacity/projects/export.csv?beneficiary=FRA", nil, nil)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.HasPrefix(string(raw), "id,title,beneficiary,region,beneficiaries,") || !strings.Contains(string(raw), ",SEN,african,SEN FRA,") {
				t.Errorf("CSV export: %d %s", resp.StatusCode, raw)
			}
			page := w.anon.c.GetBody(t, "/capacity/projects?beneficiary=FRA&lang=fr")
			if !strings.Contains(page, "Sénégal; France") {
				t.Errorf("the French directory does not name both beneficiaries")
			}
			files := rig.OpenData(t, "capacity")
			if !strings.Contains(files["capacity-projects"], "SEN;FRA") || !strings.Contains(files["capacity-projects"], "african;weog") {
				t.Errorf("the open data lacks the beneficiaries and their regions: %s", files["capacity-projects"])
			}
		})

		t.Run("the parties' form names the beneficiaries", func(t *testing.T) {
			c := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "SEN"))
			form := url.Values{"title": {"CSIRT training for Senegal"}, "status": {"running"}, "beneficiaries": {"SEN, GMB"}}
			if resp := c.PostForm(t, "/capacity/projects/"+pid, form); resp.StatusCode != 303 {
				t.Fatalf("save: %d", resp.StatusCode)
			}
			for lang, names := range map[string][]string{"fr": {"Sénégal", "Gambie"}, "ar": {"السنغال", "غامبيا"}} {
				page := w.anon.c.GetBody(t, "/capacity/projects/"+pid+"?lang="+lang)
				for _, n := range names {
					if !strings.Contains(page, n) {
						t.Errorf("the project page in %s does not name %s", lang, n)
					}
				}
			}
			form.Set("beneficiaries", "GMB")
			resp := c.PostForm(t, "/capacity/projects/"+pid+"?lang=fr", form)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 422 || !strings.Contains(string(raw), "doit garder l&#39;État demandeur (SEN)") {
				t.Errorf("dropping the requesting State in French: %d", resp.StatusCode)
			}
			st, body := w.senEd.do(t, "GET", p, nil)
			want(t, "project", st, 200, body)
			if got := beneficiaryStates(t, body); strings.Join(got, " ") != "SEN GMB" {
				t.Errorf("beneficiaries %v, want SEN GMB", got)
			}
		})
	})
}
