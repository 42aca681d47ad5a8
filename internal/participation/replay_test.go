package participation_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// objectorCode finds the objecting States' codes as words (an id may hold
// the same letters).
var objectorCode = regexp.MustCompile(`\b(RUS|CHN)\b`)

// TestSeedReplay replays the first seed's complaint as issue 22 tells it:
// an industry coalition applies to seven consecutive sessions of a body
// deciding by non-objection with veto (objectors not named, reasons not
// required), and one State objects each time; then to seven sessions of a
// body deciding objections by a recorded vote (objectors named, reasons
// required), where each application is accredited 8–2. A third body votes
// by secret ballot. It checks what the pages, the API and the e-mails say.
func TestSeedReplay(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		public := apiClient{rig.Anonymous(t), ""}
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		org := rig.Organisation(t, "Industry Coalition")
		coalition := as(rig.User(t, auth.RoleStakeholder, org))
		yes := []string{"FRA", "DEU", "GBR", "USA", "BRA", "IND", "JPN", "MEX"}
		no := []string{"RUS", "CHN"}
		approver := map[string]apiClient{}
		for _, iso := range append(append([]string{}, yes...), no...) {
			approver[iso] = as(rig.User(t, auth.RoleStateApprover, iso))
		}
		base := "/api/v1/participation"
		closeDue := func() {
			t.Helper()
			rig.App.Services.Clock.Advance(15 * 24 * time.Hour) // ten working days are at most fourteen calendar days
			if _, err := svc.CloseDue(rig.Ctx, rig.App.Services.Now()); err != nil {
				t.Fatal(err)
			}
		}
		for _, b := range []map[string]any{
			{"slug": "oewg", "name": "OEWG 2021–2025", "modality": "non-objection-veto"},
			{"slug": "gm", "name": "Global Mechanism", "modality": "non-objection-decision", "name_objectors": true, "reason_required": true, "votes": "recorded"},
			{"slug": "ahc", "name": "Ad Hoc Committee", "modality": "non-objection-decision", "name_objectors": true, "votes": "secret"},
		} {
			st, body := sec.do(t, "POST", base+"/bodies", b)
			want(t, "create body "+b["slug"].(string), st, 201, body)
		}
		st, body := sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "x", "name": "X", "modality": "non-objection-decision", "votes": "show-of-hands"})
		want(t, "a body with an unknown way of voting", st, 422, body)
		start := rig.App.Services.Now().AddDate(1, 6, 0)
		for i := 1; i <= 7; i++ {
			for j, b := range []string{"oewg", "gm"} {
				day := start.AddDate(0, 0, 14*i+7*j).Format("2006-01-02")
				st, body := sec.do(t, "POST", base+"/bodies/"+b+"/sessions", map[string]any{"slug": fmt.Sprintf("%s-%d", b, i), "title": fmt.Sprintf("%s session %d", strings.ToUpper(b), i),
					"kind": "substantive", "format": "hybrid", "starts_on": day, "ends_on": day, "apply_by": day})
				want(t, "create session", st, 201, body)
			}
		}
		day := start.AddDate(0, 0, 200).Format("2006-01-02")
		st, body = sec.do(t, "POST", base+"/bodies/ahc/sessions", map[string]any{"slug": "ahc-1", "title": "AHC session 1", "kind": "substantive", "format": "hybrid", "starts_on": day, "ends_on": day, "apply_by": day})
		want(t, "create session", st, 201, body)
		apply := func(session string) string {
			t.Helper()
			st, body := coalition.do(t, "POST", base+"/applications", map[string]any{"session": session, "justification": "We represent more than 150 technology companies."})
			want(t, "apply to "+session, st, 201, body)
			return body["id"].(string)
		}

		// The veto body: seven sessions, one State objects each time.
		var vetoApps []string
		for i := 1; i <= 7; i++ {
			id := apply(fmt.Sprintf("oewg-%d", i))
			vetoApps = append(vetoApps, id)
			st, body := sec.do(t, "POST", base+"/bodies/oewg/circulate", nil)
			want(t, "circulate", st, 200, body)
			st, body = approver["RUS"].do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{})
			want(t, "RUS objects", st, 200, body)
			if i == 1 {
				st, body = approver["CHN"].do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{})
				want(t, "CHN objects", st, 200, body)
				st, body = approver["CHN"].do(t, "DELETE", base+"/applications/"+id+"/objection", nil)
				want(t, "CHN withdraws", st, 200, body)
				st, body = approver["CHN"].do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{})
				if msg := fmt.Sprint(body); st != 409 || !strings.Contains(msg, "withdrew its objection") {
					t.Errorf("objecting again after withdrawing: %d %v", st, body)
				}
			}
			closeDue()
			st, body = public.do(t, "GET", base+"/applications/"+id, nil)
			if body["status"] != "refused" || body["objections"] != 1.0 {
				t.Fatalf("veto session %d: %v with %v objections, want refused by one", i, body["status"], body["objections"])
			}
			if _, named := body["objectors"]; named {
				t.Fatalf("the veto body names its objectors: %v", body["objectors"])
			}
			if i == 1 {
				st, body = approver["FRA"].do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "yes"})
				if msg := fmt.Sprint(body); st != 409 || !strings.Contains(msg, "there is no vote") {
					t.Errorf("a vote under the veto: %d %v", st, body)
				}
			}
		}

		// The decision body: seven sessions, each objected to by one State
		// and accredited by a recorded vote of 8–2.
		var voteApps []string
		for i := 1; i <= 7; i++ {
			id := apply(fmt.Sprintf("gm-%d", i))
			voteApps = append(voteApps, id)
			st, body := sec.do(t, "POST", base+"/bodies/gm/circulate", nil)
			want(t, "circulate", st, 200, body)
			st, body = approver["RUS"].do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{"reason": "Not relevant to the mandate."})
			want(t, "RUS objects", st, 200, body)
			closeDue()
			for _, iso := range yes {
				st, body = approver[iso].do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "yes"})
				want(t, iso+" votes yes", st, 200, body)
			}
			for _, iso := range no {
				st, body = approver[iso].do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "no"})
				want(t, iso+" votes no", st, 200, body)
			}
			if i == 1 {
				st, body = public.do(t, "GET", base+"/applications/"+id, nil)
				if _, ok := body["tally"]; ok || body["votes_cast"] != 10.0 || body["votes"] != nil || body["recorded_vote"] != true {
					t.Errorf("an open recorded vote: %v", body)
				}
				page := rig.Anonymous(t).GetBody(t, "/participation/sessions/gm-1")
				if !strings.Contains(page, "10 votes cast; the result is published when voting closes on") || strings.Contains(page, "0–0 (0)") {
					t.Error("the session page does not say the open vote has 10 votes cast")
				}
				page = rig.Anonymous(t).GetBody(t, "/participation/applications/"+id)
				if !strings.Contains(page, "each State&#39;s vote is published when voting closes") {
					t.Error("the application page does not say the open vote is recorded")
				}
				if strings.Contains(page, `id="recorded-vote"`) {
					t.Error("the votes of an open vote are shown")
				}
			}
			closeDue()
			st, body = public.do(t, "GET", base+"/applications/"+id, nil)
			tally, _ := body["tally"].(map[string]any)
			if body["status"] != "accredited" || tally["yes"] != 8.0 || tally["no"] != 2.0 {
				t.Fatalf("decision session %d: %v %v, want accredited 8–2", i, body["status"], tally)
			}
		}

		t.Run("the record is per body, objections apart from refusals", func(t *testing.T) {
			st, body := public.do(t, "GET", base+"/organisations/"+org, nil)
			want(t, "history", st, 200, body)
			bodies := body["bodies"].([]any)
			veto, vote := bodies[0].(map[string]any), bodies[1].(map[string]any)
			if veto["body"] != "oewg" || veto["refused_consecutive_sessions"] != 7.0 || veto["longest_refused_run"] != 7.0 || veto["refused_by_objection"] != 7.0 || veto["objections_per_refusal_in_run"] != 1.0 || veto["accredited"] != 0.0 {
				t.Errorf("the veto body's record: %v", veto)
			}
			if vote["body"] != "gm" || vote["refused_consecutive_sessions"] != 0.0 || vote["objected_consecutive_sessions"] != 7.0 || vote["accredited_by_vote"] != 7.0 || vote["objected_run_accredited_by_vote"] != true || vote["refused"] != 0.0 {
				t.Errorf("the decision body's record: %v", vote)
			}
			for lang, words := range map[string][]string{
				"en": {"Refused in 7 consecutive sessions of OEWG 2021–2025, each time by one State&#39;s objection", "Objected to in 7 consecutive sessions of Global Mechanism, accredited by vote each time"},
				"fr": {"Refus lors de 7 sessions consécutives de OEWG 2021–2025, chaque fois sur l&#39;objection d&#39;un seul État", "Objections lors de 7 sessions consécutives de Global Mechanism, accréditation par vote chaque fois"},
				"es": {"Rechazo en 7 sesiones consecutivas de OEWG 2021–2025, cada vez por la objeción de un solo Estado", "Objeciones en 7 sesiones consecutivas de Global Mechanism, acreditación por votación cada vez"},
				"ru": {"Отказ в аккредитации на 7 сессиях подряд в органе «OEWG 2021–2025», каждый раз по возражению одного государства", "Возражения на 7 сессиях подряд в органе «Global Mechanism»; каждый раз аккредитация предоставлена голосованием"},
				"zh": {"连续 7 届会议被拒：OEWG 2021–2025，每次均因一个国家反对", "连续 7 届会议遭到反对：Global Mechanism，每次均经表决获得认可"},
				"ar": {"رُفض الطلب في 7 دورات متتالية لهيئة OEWG 2021–2025، في كل مرة باعتراض دولة واحدة", "اعتُرض على الطلب في 7 دورات متتالية لهيئة Global Mechanism، واعتُمد بالتصويت في كل مرة"},
			} {
				page := rig.Anonymous(t).GetBody(t, "/participation/organisations/"+org+"?lang="+lang)
				for _, w := range words {
					if !strings.Contains(page, w) {
						t.Errorf("the organisation page in %s does not say %q", lang, w)
					}
				}
				if strings.Contains(page, " 14 ") {
					t.Errorf("the organisation page in %s counts 14 of something: the two bodies joined", lang)
				}
			}
			page := rig.Anonymous(t).GetBody(t, "/participation/organisations/"+org)
			if strings.Contains(page, `href="/participation/organisations/`+org+`"`) || strings.Count(page, `<a href="/participation/bodies/gm">Global Mechanism</a>`) < 8 {
				t.Error("the history table repeats the organisation instead of naming the body of each application")
			}
		})

		t.Run("a recorded vote publishes each State's vote", func(t *testing.T) {
			st, body := public.do(t, "GET", base+"/applications/"+voteApps[0], nil)
			want(t, "application", st, 200, body)
			votes, _ := body["votes"].([]any)
			got := map[string]string{}
			for _, v := range votes {
				m := v.(map[string]any)
				got[m["state"].(string)] = m["choice"].(string)
			}
			if len(got) != 10 || got["FRA"] != "yes" || got["RUS"] != "no" || got["CHN"] != "no" {
				t.Errorf("recorded votes %v, want 10 with FRA yes, RUS and CHN no", got)
			}
			page := rig.Anonymous(t).GetBody(t, "/participation/applications/"+voteApps[0])
			if !strings.Contains(page, `id="recorded-vote"`) || !strings.Contains(page, `<a href="/participation/states/RUS">RUS</a>`) {
				t.Error("the application page does not show the recorded vote")
			}
			page = rig.Anonymous(t).GetBody(t, "/participation/sessions/gm-3")
			if !strings.Contains(page, `id="recorded-votes"`) || !strings.Contains(page, "Yes (accredit) — BRA, DEU, FRA, GBR, IND, JPN, MEX, USA;") || !strings.Contains(page, "No (refuse) — CHN, RUS;") {
				t.Error("the session page does not show each State's vote")
			}
			st, body = public.do(t, "GET", base+"/states/FRA/votes", nil)
			want(t, "FRA's votes", st, 200, body)
			if items := body["items"].([]any); len(items) != 7 || items[0].(map[string]any)["choice"] != "yes" {
				t.Errorf("FRA's recorded votes: %d, want 7 yes", len(items))
			}
			page = rig.Anonymous(t).GetBody(t, "/participation/states/RUS")
			if n := strings.Count(page, "<td>No (refuse)</td>"); n != 7 {
				t.Errorf("the Russian Federation's page shows %d recorded votes against, want 7", n)
			}
			st, _ = public.do(t, "GET", base+"/states/XXX/votes", nil)
			want(t, "votes of no State", st, 404, nil)
			// The States' pages read a State's published votes apart from
			// its others (migration 0405): the decision marks them.
			for _, app := range voteApps {
				var n int
				if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM participation_votes WHERE application_id = ? AND published = ?`, app, true).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 10 {
					t.Errorf("application %s: %d votes marked published, want its 10", app, n)
				}
			}
		})

		t.Run("a secret ballot publishes the tally alone", func(t *testing.T) {
			id := apply("ahc-1")
			st, body := sec.do(t, "POST", base+"/bodies/ahc/circulate", nil)
			want(t, "circulate", st, 200, body)
			st, body = approver["RUS"].do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{})
			want(t, "RUS objects", st, 200, body)
			closeDue()
			st, body = approver["FRA"].do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "abstain"})
			want(t, "FRA abstains", st, 200, body)
			// A body that turns to recorded votes does not disclose a vote
			// cast in secret.
			st, body = sec.do(t, "PUT", base+"/bodies/ahc", map[string]any{"name": "Ad Hoc Committee", "modality": "non-objection-decision", "name_objectors": true, "votes": "recorded"})
			want(t, "the body turns to recorded votes", st, 200, body)
			closeDue()
			st, body = public.do(t, "GET", base+"/applications/"+id, nil)
			if _, ok := body["votes"]; ok || body["tally"] == nil || body["recorded_vote"] != nil {
				t.Errorf("a secret ballot: votes %v, tally %v, recorded %v", body["votes"], body["tally"], body["recorded_vote"])
			}
			var marked int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM participation_votes WHERE application_id = ? AND published = ?`, id, true).Scan(&marked); err != nil {
				t.Fatal(err)
			}
			if marked != 0 {
				t.Errorf("%d votes by secret ballot marked published", marked)
			}
			st, body = public.do(t, "GET", base+"/states/FRA/votes", nil)
			for _, it := range body["items"].([]any) {
				if it.(map[string]any)["application"].(map[string]any)["id"] == id {
					t.Error("a vote by secret ballot is on the State's list")
				}
			}
			for _, path := range []string{"/participation/states/FRA", "/participation/applications/" + id, "/participation/sessions/ahc-1"} {
				if page := rig.Anonymous(t).GetBody(t, path); strings.Contains(page, "Abstain</td>") || strings.Contains(page, `id="recorded-vote`) {
					t.Errorf("%s shows a vote by secret ballot", path)
				}
			}
		})

		t.Run("the pages pass axe, in English and Arabic", func(t *testing.T) {
			browsertest.RequireAxe(t)
			ctx := browsertest.New(t)
			for _, p := range []string{"/participation/organisations/" + org, "/participation/applications/" + voteApps[0], "/participation/applications/" + vetoApps[0],
				"/participation/sessions/gm-1", "/participation/bodies/gm", "/participation/states/RUS"} {
				for _, lang := range []string{"en", "ar"} {
					vs, err := browsertest.Audit(ctx, rig.URL+p+"?lang="+lang)
					if err != nil {
						t.Fatalf("%s in %s: %v", p, lang, err)
					}
					if len(vs) > 0 {
						t.Errorf("%s in %s: %d accessibility violations:%s", p, lang, len(vs), browsertest.Describe(vs))
					}
				}
			}
		})

		t.Run("the veto body's objector is named nowhere", func(t *testing.T) {
			st, body := public.do(t, "GET", base+"/states/RUS/objections", nil)
			want(t, "RUS objections", st, 200, body)
			for _, it := range body["items"].([]any) {
				if b := it.(map[string]any)["application"].(map[string]any)["body"]; b != "gm" && b != "ahc" {
					t.Errorf("an objection in %v is published", b)
				}
			}
			for _, id := range vetoApps {
				if page := rig.Anonymous(t).GetBody(t, "/participation/applications/"+id); strings.Contains(page, "/participation/states/RUS") || strings.Contains(page, "/participation/states/CHN") {
					t.Errorf("the page of a veto application names an objector")
				}
			}
			for i := 1; i <= 7; i++ {
				if page := rig.Anonymous(t).GetBody(t, fmt.Sprintf("/participation/sessions/oewg-%d", i)); strings.Contains(page, ">RUS<") {
					t.Errorf("session oewg-%d names the objector", i)
				}
			}
			rig.DrainJobs(t)
			entries, err := cnmail.List(rig.OutboxDir(), 0)
			if err != nil {
				t.Fatal(err)
			}
			about := 0
			for _, e := range entries {
				m, err := cnmail.Read(rig.OutboxDir(), e.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(m.Subject+m.Text, "OEWG session") {
					continue
				}
				about++
				if objectorCode.MatchString(m.Subject + m.Text) {
					t.Errorf("an e-mail about the veto body names an objector: %s\n%s", m.Subject, m.Text)
				}
			}
			if about < 7*3 {
				t.Errorf("%d e-mails about the veto body's sessions, want the objections and refusals at least", about)
			}
		})
	})
}
