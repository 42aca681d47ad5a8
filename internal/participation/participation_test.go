package participation_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

type apiClient struct {
	c     *testrig.Client
	token string
}

func (a apiClient) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b any
	if body != nil {
		raw, _ := json.Marshal(body)
		b = string(raw)
	}
	resp := a.c.Do(t, method, path, b, map[string]string{"Authorization": "Bearer " + a.token})
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func want(t *testing.T, what string, got, wantStatus int, body map[string]any) {
	t.Helper()
	if got != wantStatus {
		t.Fatalf("%s: status %d, want %d: %v", what, got, wantStatus, body)
	}
}

func TestAccreditationJourney(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		orgA := rig.Organisation(t, "Tech Accord")
		orgB := rig.Organisation(t, "Other NGO")
		a := as(rig.User(t, auth.RoleStakeholder, orgA))
		b := as(rig.User(t, auth.RoleStakeholder, orgB))
		fra := as(rig.User(t, auth.RoleStateApprover, "FRA"))
		deu := as(rig.User(t, auth.RoleStateApprover, "DEU"))
		gbr := as(rig.User(t, auth.RoleStateApprover, "GBR"))
		usa := as(rig.User(t, auth.RoleStateApprover, "USA"))
		editor := as(rig.User(t, auth.RoleStateEditor, "FRA"))
		base := "/api/v1/participation"
		future := time.Now().UTC().AddDate(0, 2, 0).Format("2006-01-02")
		later := time.Now().UTC().AddDate(0, 2, 5).Format("2006-01-02")
		past := time.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")

		st, body := sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "oewg", "name": "OEWG", "modality": "non-objection-veto", "name_objectors": true, "reason_required": true})
		want(t, "create veto body", st, 201, body)
		st, body = sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "gm", "name": "Global Mechanism", "modality": "non-objection-decision"})
		want(t, "create decision body", st, 201, body)
		st, body = sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "bad", "name": "X", "modality": "lottery"})
		want(t, "unknown modality", st, 422, body)
		for _, s := range []struct{ body, slug, start, applyBy string }{{"oewg", "s1", later, future}, {"oewg", "s2", later, future}, {"oewg", "old", future, past}, {"gm", "d1", later, future}} {
			st, body = sec.do(t, "POST", base+"/bodies/"+s.body+"/sessions", map[string]any{"slug": s.slug, "title": "Session " + s.slug, "kind": "substantive", "format": "hybrid", "starts_on": s.start, "ends_on": s.start, "apply_by": s.applyBy, "place": "New York, NY"})
			want(t, "create session "+s.slug, st, 201, body)
		}

		just := "We represent over 150 companies that protect users."
		st, body = a.do(t, "POST", base+"/applications", map[string]any{"session": "s1", "justification": just})
		want(t, "apply", st, 201, body)
		appID := body["id"].(string)
		t.Run("an organisation cannot apply twice for one session", func(t *testing.T) {
			st, body := a.do(t, "POST", base+"/applications", map[string]any{"session": "s1", "justification": just})
			want(t, "second application", st, 409, body)
		})
		t.Run("an organisation cannot apply after the deadline", func(t *testing.T) {
			st, body := a.do(t, "POST", base+"/applications", map[string]any{"session": "old", "justification": just})
			want(t, "late application", st, 409, body)
			if !strings.Contains(fmt.Sprint(body), "deadline") {
				t.Errorf("the refusal does not name the deadline: %v", body)
			}
		})
		t.Run("an organisation cannot see another organisation's draft", func(t *testing.T) {
			st, body := a.do(t, "POST", base+"/applications", map[string]any{"session": "s2", "justification": just, "draft": true})
			want(t, "draft", st, 201, body)
			draft := body["id"].(string)
			st, _ = b.do(t, "GET", base+"/applications/"+draft, nil)
			want(t, "other organisation reads the draft", st, 404, nil)
			st, _ = apiClient{rig.Anonymous(t), ""}.do(t, "GET", base+"/applications/"+draft, nil)
			want(t, "public reads the draft", st, 404, nil)
			st, _ = a.do(t, "GET", base+"/applications/"+draft, nil)
			want(t, "own organisation reads the draft", st, 200, nil)
		})
		t.Run("bad application bodies are refused with the field", func(t *testing.T) {
			st, body := a.do(t, "POST", base+"/applications", map[string]any{"session": "s1"})
			want(t, "no justification", st, 422, body)
			st, body = a.do(t, "POST", base+"/applications", map[string]any{"session": "s1", "justification": just, "colour": "red"})
			want(t, "unknown field", st, 422, body)
		})

		st, body = sec.do(t, "POST", base+"/bodies/oewg/circulate", nil)
		want(t, "circulate", st, 200, body)

		t.Run("only approvers object, once per State, within the period", func(t *testing.T) {
			st, body := editor.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "no"})
			want(t, "editor objects", st, 403, body)
			st, body = a.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "no"})
			want(t, "stakeholder objects", st, 403, body)
			st, body = fra.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{})
			want(t, "objection without the required reason", st, 422, body)
			st, body = fra.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Not relevant"})
			want(t, "FRA objects", st, 200, body)
			st, body = fra.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Again"})
			want(t, "FRA objects twice", st, 409, body)
			st, body = deu.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Briefly"})
			want(t, "DEU objects", st, 200, body)
			st, body = deu.do(t, "DELETE", base+"/applications/"+appID+"/objection", nil)
			want(t, "DEU withdraws", st, 200, body)
			st, body = deu.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Again"})
			want(t, "DEU objects again after withdrawing", st, 409, body)
			if msg := fmt.Sprint(body); !strings.Contains(msg, "withdrew its objection") || strings.Contains(msg, "already objected") {
				t.Errorf("objecting again after a withdrawal: %v, want the rule (one objection per State, even withdrawn)", body)
			}
			st, body = fra.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Again"})
			if msg := fmt.Sprint(body); st != 409 || !strings.Contains(msg, "stands already") {
				t.Errorf("objecting twice: %d %v, want 409 saying the objection stands", st, body)
			}
			// Ten working days are at most fourteen calendar days.
			rig.App.Services.Clock.Advance(15 * 24 * time.Hour)
			st, body = gbr.do(t, "POST", base+"/applications/"+appID+"/objection", map[string]any{"reason": "Late"})
			want(t, "objection after the period", st, 409, body)
			if !strings.Contains(fmt.Sprint(body), "closed") {
				t.Errorf("the refusal does not say the period closed: %v", body)
			}
		})
		t.Run("under the veto modality one objection refuses", func(t *testing.T) {
			if _, err := svc.CloseDue(rig.Ctx, rig.App.Services.Now()); err != nil {
				t.Fatal(err)
			}
			st, body := a.do(t, "GET", base+"/applications/"+appID, nil)
			want(t, "read", st, 200, body)
			if body["status"] != "refused" {
				t.Fatalf("status %v, want refused", body["status"])
			}
			st, body = apiClient{rig.Anonymous(t), ""}.do(t, "GET", base+"/states/FRA/objections", nil)
			want(t, "FRA objections", st, 200, body)
			if n := len(body["items"].([]any)); n != 1 {
				t.Errorf("FRA has %d published objections, want 1", n)
			}
			st, body = fra.do(t, "POST", base+"/applications/"+appID+"/vote", map[string]any{"choice": "yes"})
			if msg := fmt.Sprint(body); st != 409 || !strings.Contains(msg, "there is no vote") || strings.Contains(msg, "closed") {
				t.Errorf("a vote under the veto: %d %v, want 409 saying the modality has no vote", st, body)
			}
		})

		t.Run("under the decision modality an objection goes to a vote and the tally decides", func(t *testing.T) {
			st, body := a.do(t, "POST", base+"/applications", map[string]any{"session": "d1", "justification": just})
			want(t, "apply", st, 201, body)
			id := body["id"].(string)
			st, body = sec.do(t, "POST", base+"/bodies/gm/circulate", nil)
			want(t, "circulate", st, 200, body)
			st, body = fra.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "no"})
			want(t, "vote during the objection period", st, 409, body)
			if !strings.Contains(fmt.Sprint(body), "put to a vote only if an objection stands") {
				t.Errorf("a vote during the objection period: %v", body)
			}
			st, body = fra.do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{"reason": "Object"})
			want(t, "FRA objects", st, 200, body)
			rig.App.Services.Clock.Advance(15 * 24 * time.Hour)
			if _, err := svc.CloseDue(rig.Ctx, rig.App.Services.Now()); err != nil {
				t.Fatal(err)
			}
			st, body = a.do(t, "GET", base+"/applications/"+id, nil)
			if body["status"] != "voting" {
				t.Fatalf("status %v, want voting", body["status"])
			}
			for _, v := range []struct {
				c      apiClient
				choice string
			}{{fra, "no"}, {deu, "yes"}, {gbr, "yes"}, {usa, "abstain"}} {
				st, body = v.c.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": v.choice})
				want(t, "vote "+v.choice, st, 200, body)
			}
			st, body = deu.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "no"})
			want(t, "a vote cannot change", st, 409, body)
			t.Run("while the vote is open the votes are counted, not tallied", func(t *testing.T) {
				st, body := apiClient{rig.Anonymous(t), ""}.do(t, "GET", base+"/applications/"+id, nil)
				want(t, "read", st, 200, body)
				if _, ok := body["tally"]; ok || body["votes_cast"] != 4.0 {
					t.Errorf("open vote: tally %v, votes_cast %v; want no tally and 4 votes cast", body["tally"], body["votes_cast"])
				}
				st, body = apiClient{rig.Anonymous(t), ""}.do(t, "GET", base+"/sessions/d1", nil)
				want(t, "session", st, 200, body)
				for _, x := range body["applications"].([]any) {
					if a := x.(map[string]any); a["id"] == id && (a["tally"] != nil || a["votes_cast"] != 4.0) {
						t.Errorf("open vote in the session report: %v", a)
					}
				}
				for _, path := range []string{"/participation/sessions/d1", "/participation/applications/" + id} {
					page := rig.Anonymous(t).GetBody(t, path)
					if !strings.Contains(page, "4 votes cast; the result is published when voting closes on ") || strings.Contains(page, "0–0 (0)") || strings.Contains(page, "0 yes, 0 no") {
						t.Errorf("%s does not say the vote is open with 4 votes cast", path)
					}
				}
				page := rig.Anonymous(t).GetBody(t, "/participation/sessions/d1?lang=ru")
				if !strings.Contains(page, "подано 4 голоса; результат будет опубликован") {
					t.Error("the Russian session page does not say 4 votes were cast in the right form")
				}
			})
			st, body = editor.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "no"})
			want(t, "an editor cannot vote", st, 403, body)
			st, body = gbr.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "maybe"})
			want(t, "a choice outside yes, no, abstain", st, 422, body)
			rig.App.Services.Clock.Advance(15 * 24 * time.Hour)
			st, body = usa.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "no"})
			want(t, "vote after close", st, 409, body)
			if _, err := svc.CloseDue(rig.Ctx, rig.App.Services.Now()); err != nil {
				t.Fatal(err)
			}
			st, body = a.do(t, "GET", base+"/applications/"+id, nil)
			tally := body["tally"].(map[string]any)
			if body["status"] != "accredited" || tally["yes"] != 2.0 || tally["no"] != 1.0 || tally["abstain"] != 1.0 {
				t.Fatalf("got %v with tally %v, want accredited 2–1–1", body["status"], tally)
			}
			st, body = fra.do(t, "POST", base+"/applications/"+id+"/vote", map[string]any{"choice": "yes"})
			want(t, "vote after decision", st, 409, body)
		})

		t.Run("the organisation's history shows each session", func(t *testing.T) {
			st, body := apiClient{rig.Anonymous(t), ""}.do(t, "GET", base+"/organisations/"+orgA, nil)
			want(t, "history", st, 200, body)
			if n := len(body["applications"].([]any)); n != 2 {
				t.Errorf("%d applications in the history, want 2 (the draft is hidden)", n)
			}
			bodies, _ := body["bodies"].([]any)
			if len(bodies) != 2 {
				t.Fatalf("%d bodies in the record, want 2", len(bodies))
			}
			veto, vote := bodies[0].(map[string]any), bodies[1].(map[string]any)
			if veto["body"] != "oewg" || veto["refused_consecutive_sessions"] != 1.0 || veto["refused_by_objection"] != 1.0 || veto["objections_per_refusal_in_run"] != 1.0 {
				t.Errorf("the veto body's record: %v", veto)
			}
			if vote["body"] != "gm" || vote["refused_consecutive_sessions"] != 0.0 || vote["objected_consecutive_sessions"] != 1.0 || vote["accredited_by_vote"] != 1.0 {
				t.Errorf("the decision body's record: %v", vote)
			}
			page := rig.Anonymous(t).GetBody(t, "/participation/organisations/"+orgA)
			if strings.Contains(page, "2 consecutive sessions") {
				t.Error("the organisation page joins two bodies in one run")
			}
		})

		t.Run("statements: a non-PDF and an oversized file are refused; a PDF is published after the check", func(t *testing.T) {
			web := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, orgA))
			post := func(name string, data []byte) *http.Response {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for k, v := range map[string]string{"title": "Our statement", "lang": "en", "delivery": "written"} {
					_ = mw.WriteField(k, v)
				}
				fw, _ := mw.CreateFormFile("file", name)
				_, _ = fw.Write(data)
				_ = mw.Close()
				req, _ := http.NewRequest("POST", rig.URL+"/participation/sessions/d1/statements", &buf)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				resp, err := web.Client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { resp.Body.Close() })
				return resp
			}
			if resp := post("evil.pdf", []byte("<html><script>alert(1)</script></html>")); resp.StatusCode != 422 {
				t.Errorf("a renamed HTML file: status %d, want 422", resp.StatusCode)
			}
			big := append([]byte("%PDF-1.7\n"), make([]byte, participation.DefaultMaxUpload)...)
			if resp := post("big.pdf", big); resp.StatusCode != 422 && resp.StatusCode != 413 {
				t.Errorf("an oversized PDF: status %d, want 422 or 413", resp.StatusCode)
			}
			if resp := post("ok.pdf", []byte("%PDF-1.7\n1 0 obj\n%%EOF\n")); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("a PDF: status %d: %s", resp.StatusCode, testrig.Body(resp))
			}
			other := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, orgB))
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			_ = mw.WriteField("title", "x")
			_ = mw.WriteField("lang", "en")
			_ = mw.WriteField("delivery", "written")
			_ = mw.WriteField("body", "text")
			_ = mw.Close()
			req, _ := http.NewRequest("POST", rig.URL+"/participation/sessions/d1/statements", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, _ := other.Client.Do(req)
			resp.Body.Close()
			if resp.StatusCode != 409 {
				t.Errorf("a statement from an organisation not accredited: status %d, want 409", resp.StatusCode)
			}
			st, body := sec.do(t, "GET", base+"/sessions/d1/statements", nil)
			want(t, "statements", st, 200, body)
			items := body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("%d statements waiting, want 1", len(items))
			}
			id := items[0].(map[string]any)["id"].(string)
			if resp := rig.Anonymous(t).Get(t, "/participation/statements/"+id+"/file"); resp.StatusCode != 404 {
				t.Errorf("an unchecked statement's file is public: %d", resp.StatusCode)
			}
			st, body = sec.do(t, "POST", base+"/statements/"+id+"/review", map[string]any{"publish": true})
			want(t, "publish", st, 200, body)
			resp = rig.Anonymous(t).Get(t, "/participation/statements/"+id+"/file")
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.HasPrefix(data, []byte("%PDF-")) {
				t.Errorf("file served with %d %v", resp.StatusCode, resp.Header)
			}
		})

		t.Run("the iCalendar feed lists the upcoming sessions", func(t *testing.T) {
			body := rig.Anonymous(t).GetBody(t, "/participation/calendar.ics")
			if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
				t.Fatalf("not a calendar: %.200q", body)
			}
			unfolded := strings.ReplaceAll(body, "\r\n ", "")
			for _, line := range strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n") {
				if !strings.Contains(line, ":") {
					t.Errorf("malformed line %q", line)
				}
			}
			if n := strings.Count(unfolded, "BEGIN:VEVENT"); n < 4 {
				t.Errorf("%d events, want the sessions and their deadlines", n)
			}
			if !strings.Contains(unfolded, `LOCATION:New York\, NY`) {
				t.Error("location not escaped")
			}
		})

		for _, path := range []string{"/participation", "/participation/bodies/oewg", "/participation/sessions/s1", "/participation/applications/" + appID, "/participation/organisations", "/participation/states", "/participation/states/FRA", "/participation/consultations"} {
			rig.Anonymous(t).GetBody(t, path)
		}
		// The lists' words are prepared in Go, once a page: each row says its
		// type and status in the reader's language, never a key.
		for _, lang := range []string{"en", "fr", "ar"} {
			body := rig.Anonymous(t).GetBody(t, "/participation/organisations?lang="+lang)
			if strings.Contains(body, "participation.type.") || strings.Contains(body, "participation.ecosoc.") || strings.Count(body, `<td><a href="/participation/organisations/`) == 0 {
				t.Errorf("%s: the list of organisations shows keys or no rows", lang)
			}
			said := false
			for _, key := range []string{"participation.ecosoc.none", "participation.ecosoc.general", "participation.ecosoc.special", "participation.ecosoc.roster"} {
				label := html.EscapeString(rig.App.Services.Site.Catalog.T(lang, key))
				said = said || strings.Contains(body, "<td>"+label+"</td>")
			}
			if !said {
				t.Errorf("%s: no row of the list of organisations says its ECOSOC status in the language", lang)
			}
		}
	})
}
