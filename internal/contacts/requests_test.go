package contacts_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

const secretPhrase = "Ransomware in the grid of Mombasa"

func criticalRequest(to string) map[string]any {
	return map[string]any{"to": to, "urgency": "critical", "tlp": "TLP:AMBER", "incident": secretPhrase + "\nSCADA historians encrypted.", "occurred_on": "2026-11-30",
		"sector": "energy", "asked": []string{"information", "stop-activity"}, "details": "Block 203.0.113.7", "norms": []string{"h", "f"}}
}

func tick(t *testing.T, rig *testrig.Rig) {
	t.Helper()
	if _, err := jobs.Enqueue(context.Background(), rig.DB, contacts.JobTick, map[string]any{}, jobs.Options{}); err != nil {
		t.Fatal(err)
	}
	rig.DrainJobs(t)
}

func TestRequests(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(role auth.Role, scope string) apiClient {
			u := rig.User(t, role, scope)
			return apiClient{rig.Anonymous(t), rig.Token(t, u), u}
		}
		sec := as(auth.RoleSecretariat, "")
		kenAp := nominate(t, rig, "KEN", "technical", "cert@ken.example")
		fraEd := as(auth.RoleStateEditor, "FRA")
		nominate(t, rig, "FRA", "technical", fraEd.u.Email) // France's technical contact has an account
		fraOther := as(auth.RoleStateEditor, "FRA")         // a French editor who is not a contact
		kenEd := as(auth.RoleStateEditor, "KEN")
		estAp := nominate(t, rig, "EST", "technical", "cert@est.example")
		stake := as(auth.RoleStakeholder, "")
		public := apiClient{c: rig.Anonymous(t)}
		base := "/api/v1/contacts/requests"

		t.Run("refusals are specific and change nothing", func(t *testing.T) {
			for _, c := range []struct {
				what   string
				client apiClient
				edit   func(map[string]any)
				status int
				field  string
			}{
				{"to a State without contacts", kenAp, func(m map[string]any) { m["to"] = "USA" }, 422, "to"},
				{"to itself", kenAp, func(m map[string]any) { m["to"] = "KEN" }, 422, "to"},
				{"to an unknown State", kenAp, func(m map[string]any) { m["to"] = "XXX" }, 422, "to"},
				{"a bad urgency", kenAp, func(m map[string]any) { m["urgency"] = "panic" }, 422, "urgency"},
				{"a bad TLP", kenAp, func(m map[string]any) { m["tlp"] = "TLP:WHITE" }, 422, "tlp"},
				{"no ask", kenAp, func(m map[string]any) { m["asked"] = []string{} }, 422, "asked"},
				{"a bad sector", kenAp, func(m map[string]any) { m["sector"] = "space" }, 422, "sector"},
				{"a bad date", kenAp, func(m map[string]any) { m["occurred_on"] = "yesterday" }, 422, "occurred_on"},
				{"a NUL in the incident", kenAp, func(m map[string]any) { m["incident"] = "a\x00b" }, 422, "incident"},
				{"a bad norm", kenAp, func(m map[string]any) { m["norms"] = []string{"z"} }, 422, "norms"},
				{"by an editor who is not a contact", kenEd, func(map[string]any) {}, 409, "from"},
				{"by a stakeholder", stake, func(map[string]any) {}, 403, ""},
				{"by the secretariat", sec, func(map[string]any) {}, 403, ""},
				{"by the public", public, func(map[string]any) {}, 401, ""},
			} {
				in := criticalRequest("FRA")
				c.edit(in)
				st, b := c.client.do(t, "POST", base, in)
				if st != c.status || c.field != "" && b["error"].(map[string]any)["field"] != c.field {
					t.Errorf("%s: %d %v", c.what, st, b)
				}
			}
			if n := count(t, rig, `SELECT COUNT(*) FROM contacts_requests`); n != 0 {
				t.Fatalf("refusals made %d requests", n)
			}
		})

		st, b := kenAp.do(t, "POST", base, criticalRequest("fra"))
		want(t, "Kenya sends a critical request to France", st, 201, b)
		rid := b["id"].(string)
		sent, _ := time.Parse(time.RFC3339Nano, b["sent_at"].(string))
		ackBy, _ := time.Parse(time.RFC3339Nano, b["acknowledge_by"].(string))
		if ackBy.Sub(sent) != 24*time.Hour || b["status"] != "sent" || b["content"] == nil {
			t.Fatalf("request: %v", b)
		}

		t.Run("content is sealed at rest, never in the audit log or e-mails", func(t *testing.T) {
			var raw []byte
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT content FROM contacts_requests WHERE id = ?`, rid).Scan(&raw)
			if len(raw) == 0 || bytes.Contains(raw, []byte("Mombasa")) {
				t.Fatalf("content stored in clear: %q", raw)
			}
			rows, _ := rig.DB.QueryContext(rig.Ctx, `SELECT before_json || after_json FROM audit_log WHERE entity = 'contacts_request'`)
			for rows.Next() {
				var s string
				_ = rows.Scan(&s)
				if strings.Contains(s, "Mombasa") || strings.Contains(s, "203.0.113") {
					t.Errorf("audit holds content: %s", s)
				}
			}
			rows.Close()
			msgs := mailTo(t, rig, fraEd.u.Email)
			if len(msgs) == 0 {
				t.Fatal("France's contact was not told")
			}
			for _, m := range outbox(t, rig) {
				if strings.Contains(decoded(m), "Mombasa") || strings.Contains(decoded(m), "203.0.113") {
					t.Fatalf("an e-mail carries the content:\n%s", decoded(m))
				}
			}
			if !strings.Contains(msgs[0], "/contacts/requests/"+rid) {
				t.Errorf("the e-mail does not link to the request")
			}
		})

		t.Run("who sees what", func(t *testing.T) {
			for _, c := range []struct {
				who     string
				client  apiClient
				status  int
				content bool
			}{{"France's contact", fraEd, 200, true}, {"Kenya's approver", kenAp, 200, true}, {"the secretariat", sec, 200, false},
				{"a French editor who is not a contact", fraOther, 404, false}, {"Kenya's editor who is not a contact", kenEd, 404, false},
				{"a third State", estAp, 404, false}, {"a stakeholder", stake, 403, false}, {"the public", public, 401, false}} {
				st, raw := c.client.raw(t, base+"/"+rid)
				if st != c.status || strings.Contains(raw, "Mombasa") != c.content {
					t.Errorf("%s: %d, content shown %v", c.who, st, strings.Contains(raw, "Mombasa"))
				}
			}
			_, raw := sec.raw(t, base)
			if !strings.Contains(raw, rid) || strings.Contains(raw, "Mombasa") {
				t.Errorf("the secretariat's list: %.300s", raw)
			}
			html := rig.SignIn(t, sec.u).GetBody(t, "/contacts/requests/"+rid)
			if strings.Contains(html, "Mombasa") || !strings.Contains(html, "Kenya") {
				t.Errorf("the secretariat's page shows content or no metadata")
			}
			for _, p := range []string{"/contacts/requests", "/contacts/requests.csv", base + "/statistics", "/api/v1/search?q=Mombasa", "/contacts"} {
				_, raw := public.raw(t, p)
				if strings.Contains(raw, "Mombasa") || strings.Contains(raw, `"KEN"`) || p != "/contacts" && strings.Contains(raw, "Kenya") {
					t.Errorf("%s shows the request to the public", p)
				}
			}
		})

		t.Run("the lifecycle refuses steps out of turn", func(t *testing.T) {
			st, b := kenAp.do(t, "POST", base+"/"+rid+"/answer", map[string]any{"answer": "help", "text": "x"})
			want(t, "the requester answers", st, 409, b)
			st, b = fraEd.do(t, "POST", base+"/"+rid+"/close", map[string]any{"feedback": "helpful"})
			want(t, "the State asked closes", st, 409, b)
			st, b = kenAp.do(t, "POST", base+"/"+rid+"/close", map[string]any{"feedback": "helpful"})
			want(t, "closing before an answer", st, 409, b)
			st, b = fraOther.do(t, "POST", base+"/"+rid+"/acknowledge", nil)
			want(t, "a non-contact acknowledges", st, 404, b)
			st, b = sec.do(t, "POST", base+"/"+rid+"/acknowledge", nil)
			want(t, "the secretariat acknowledges", st, 403, b)
			st, b = fraEd.do(t, "POST", base+"/"+rid+"/answer", map[string]any{"answer": "maybe"})
			want(t, "a bad answer", st, 422, b)
		})

		st, b = fraEd.do(t, "POST", base+"/"+rid+"/acknowledge", nil)
		want(t, "France acknowledges", st, 200, b)
		st, b = fraEd.do(t, "POST", base+"/"+rid+"/acknowledge", nil)
		want(t, "acknowledge twice", st, 409, b)

		st, b = kenAp.do(t, "POST", base+"/"+rid+"/messages", map[string]any{"body": "Logs attached.", "file_name": "logs.txt", "file_type": "text/plain", "file": []byte("203.0.113.7 beacon")})
		want(t, "Kenya writes with a file", st, 201, b)
		fid := b["files"].([]any)[0].(map[string]any)["id"].(string)
		t.Run("files reach the two States only", func(t *testing.T) {
			st, raw := fraEd.raw(t, base+"/"+rid+"/files/"+fid)
			if st != 200 || raw != "203.0.113.7 beacon" {
				t.Errorf("France downloads: %d %q", st, raw)
			}
			for _, c := range []apiClient{sec, estAp, fraOther} {
				if st, raw := c.raw(t, base+"/"+rid+"/files/"+fid); st != 404 || strings.Contains(raw, "beacon") {
					t.Errorf("%s downloads: %d", c.u.Role, st)
				}
			}
			var stored []byte
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT content FROM contacts_request_files WHERE id = ?`, fid).Scan(&stored)
			if bytes.Contains(stored, []byte("beacon")) {
				t.Error("file stored in clear")
			}
		})

		st, b = fraEd.do(t, "POST", base+"/"+rid+"/answer", map[string]any{"answer": "unable", "text": "The address is a VPN exit without logs."})
		want(t, "France answers unable to help", st, 200, b)
		if b["status"] != "answered" || b["answer"] != "unable" || b["answer_text"] != "The address is a VPN exit without logs." {
			t.Fatalf("answer: %v", b)
		}
		st, b = kenAp.do(t, "POST", base+"/"+rid+"/close", map[string]any{"feedback": "partly", "comment": "Thanks for answering quickly."})
		want(t, "Kenya closes with feedback", st, 200, b)
		t.Run("a closed request cannot change", func(t *testing.T) {
			before := count(t, rig, `SELECT COUNT(*) FROM audit_log`)
			for _, c := range []struct {
				client apiClient
				path   string
				body   any
			}{{kenAp, "/withdraw", nil}, {fraEd, "/answer", map[string]any{"answer": "help", "text": "x"}}, {kenAp, "/messages", map[string]any{"body": "x"}}, {kenAp, "/close", map[string]any{"feedback": "not"}}} {
				if st, b := c.client.do(t, "POST", base+"/"+rid+c.path, c.body); st != 409 {
					t.Errorf("%s after closing: %d %v", c.path, st, b)
				}
			}
			if count(t, rig, `SELECT COUNT(*) FROM audit_log`) != before {
				t.Error("a refusal was audited as a change")
			}
		})

		t.Run("public statistics name no State until both agree to publish", func(t *testing.T) {
			st, b := public.do(t, "GET", base+"/statistics", nil)
			want(t, "statistics", st, 200, b)
			if b["total"].(float64) != 1 || b["answered_share"].(float64) != 1 || b["unable_share_of_answers"].(float64) != 1 || b["acknowledged_in_time_share"].(float64) != 1 || len(b["published"].([]any)) != 0 {
				t.Fatalf("statistics: %v", b)
			}
			st, b = kenAp.do(t, "POST", base+"/"+rid+"/consent", map[string]any{"share_with_secretariat": true, "publish": true})
			want(t, "Kenya consents", st, 200, b)
			if _, raw := sec.raw(t, base+"/"+rid); strings.Contains(raw, "Mombasa") {
				t.Error("the secretariat sees content with one State's consent")
			}
			if _, raw := public.raw(t, base+"/statistics"); strings.Contains(raw, "KEN") {
				t.Error("published with one State's consent")
			}
			st, b = fraEd.do(t, "POST", base+"/"+rid+"/consent", map[string]any{"share_with_secretariat": true, "publish": true})
			want(t, "France consents", st, 200, b)
			if _, raw := sec.raw(t, base+"/"+rid); !strings.Contains(raw, "Mombasa") {
				t.Error("the secretariat does not see content both States shared")
			}
			if _, raw := public.raw(t, base+"/statistics"); !strings.Contains(raw, `"from":"KEN","to":"FRA"`) || strings.Contains(raw, "Mombasa") {
				t.Errorf("published: %s", raw)
			}
		})

		t.Run("deadlines: reminders before, the secretariat told after, once", func(t *testing.T) {
			st, b := kenAp.do(t, "POST", base, criticalRequest("FRA"))
			want(t, "second request", st, 201, b)
			r2 := b["id"].(string)
			now := time.Now().UTC()
			// Within the last quarter before the deadline to acknowledge.
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE contacts_requests SET sent_at = ?, ack_due = ? WHERE id = ?`, now.Add(-23*time.Hour), now.Add(time.Hour), r2); err != nil {
				t.Fatal(err)
			}
			before := len(mailTo(t, rig, fraEd.u.Email))
			tick(t, rig)
			tick(t, rig)
			if got := len(mailTo(t, rig, fraEd.u.Email)); got != before+1 {
				t.Errorf("France got %d reminders", got-before)
			}
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE contacts_requests SET sent_at = ?, ack_due = ? WHERE id = ?`, now.Add(-25*time.Hour), now.Add(-time.Hour), r2); err != nil {
				t.Fatal(err)
			}
			tick(t, rig)
			tick(t, rig)
			told := 0
			for _, m := range mailTo(t, rig, sec.u.Email) {
				if strings.Contains(m, r2) {
					told++
					if strings.Contains(m, "Mombasa") {
						t.Error("the secretariat's notice carries content")
					}
				}
			}
			if told != 1 {
				t.Errorf("the secretariat was told %d times", told)
			}
			st, b = kenAp.do(t, "POST", base+"/"+r2+"/withdraw", map[string]any{"reason": "Solved."})
			want(t, "withdraw", st, 200, b)
			st, b = fraEd.do(t, "POST", base+"/"+r2+"/acknowledge", nil)
			want(t, "acknowledge a withdrawn request", st, 409, b)
		})

		t.Run("the secretariat sets the deadlines", func(t *testing.T) {
			in := []map[string]any{{"urgency": "critical", "acknowledge_hours": 12, "answer_hours": 48}}
			st, b := kenAp.do(t, "PUT", "/api/v1/contacts/deadlines", in)
			want(t, "a State sets deadlines", st, 403, b)
			for _, bad := range [][]map[string]any{{{"urgency": "x", "acknowledge_hours": 1, "answer_hours": 2}}, {{"urgency": "high", "acknowledge_hours": 0, "answer_hours": 2}}, {{"urgency": "high", "acknowledge_hours": 10, "answer_hours": 2}}} {
				if st, b := sec.do(t, "PUT", "/api/v1/contacts/deadlines", bad); st != 422 {
					t.Errorf("%v: %d %v", bad, st, b)
				}
			}
			st, b = sec.do(t, "PUT", "/api/v1/contacts/deadlines", in)
			want(t, "set", st, 200, b)
			st, b = kenAp.do(t, "POST", base, criticalRequest("FRA"))
			want(t, "third request", st, 201, b)
			s3, _ := time.Parse(time.RFC3339Nano, b["sent_at"].(string))
			a3, _ := time.Parse(time.RFC3339Nano, b["acknowledge_by"].(string))
			if a3.Sub(s3) != 12*time.Hour {
				t.Errorf("new deadline not applied: %v", a3.Sub(s3))
			}
		})
	})
}
