package contacts_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

type apiClient struct {
	c     *testrig.Client
	token string
	u     *auth.User
}

func (a apiClient) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b any
	if body != nil {
		if s, ok := body.(string); ok {
			b = s
		} else {
			raw, _ := json.Marshal(body)
			b = string(raw)
		}
	}
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, method, path, b, h)
	defer resp.Body.Close()
	var out map[string]any
	raw := testrig.Body(resp)
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		out = map[string]any{"_raw": raw}
	}
	return resp.StatusCode, out
}

func (a apiClient) raw(t *testing.T, path string) (int, string) {
	t.Helper()
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, "GET", path, nil, h)
	return resp.StatusCode, testrig.Body(resp)
}

func want(t *testing.T, what string, got, wantStatus int, body map[string]any) {
	t.Helper()
	if got != wantStatus {
		t.Fatalf("%s: status %d, want %d: %v", what, got, wantStatus, body)
	}
}

func count(t *testing.T, rig *testrig.Rig, query string, args ...any) int {
	t.Helper()
	var n int
	if err := rig.DB.QueryRowContext(rig.Ctx, query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// outbox returns the messages written to the outbox folder.
func outbox(t *testing.T, rig *testrig.Rig) []string {
	t.Helper()
	rig.DrainJobs(t)
	var out []string
	_ = filepath.WalkDir(rig.OutboxDir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out = append(out, string(b))
		}
		return nil
	})
	return out
}

func fraTechnical() map[string]any {
	return map[string]any{"kind": "technical", "name": "Camille Lefèvre", "function": "Head of CERT-FR coordination", "organisation": "ANSSI",
		"email": "Camille.Lefevre@ssi.gouv.example", "phone": "+33 1 23 45 67 89", "languages": []string{"fr", "en"}, "working_hours": "24/7", "time_zone": "Europe/Paris",
		"secure_channel_notes": "PGP fingerprint 0xDEADBEEF"}
}

func TestDirectory(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u), u} }
		fraEd := as(rig.User(t, auth.RoleStateEditor, "FRA"))
		fraAp := as(rig.User(t, auth.RoleStateApprover, "FRA"))
		kenEd := as(rig.User(t, auth.RoleStateEditor, "KEN"))
		kenAp := as(rig.User(t, auth.RoleStateApprover, "KEN"))
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := as(secU)
		stake := as(rig.User(t, auth.RoleStakeholder, ""))
		public := apiClient{c: rig.Anonymous(t)}
		kenBrowser := rig.SignIn(t, kenEd.u)

		st, body := fraEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", fraTechnical())
		want(t, "editor drafts", st, 201, body)
		if body["status"] != "draft" || body["email"] != "camille.lefevre@ssi.gouv.example" || body["phone"] != "+33123456789" {
			t.Fatalf("draft: %v", body)
		}
		draftID := body["id"].(string)

		t.Run("a draft is not public coverage and other States do not see it", func(t *testing.T) {
			_, cov := public.raw(t, "/api/v1/contacts/coverage")
			if !strings.Contains(cov, `"state":"FRA","name":"France","diplomatic_since":null,"technical_since":null`) {
				t.Fatalf("coverage before confirmation: %.400s", cov)
			}
			st, d := kenEd.do(t, "GET", "/api/v1/contacts/states/FRA", nil)
			want(t, "KEN reads FRA", st, 200, d)
			if len(d["drafts"].([]any)) != 0 {
				t.Fatalf("another State sees FRA's drafts: %v", d)
			}
		})

		t.Run("only an approver of the State confirms", func(t *testing.T) {
			st, b := fraEd.do(t, "POST", "/api/v1/contacts/entries/"+draftID+"/confirm", nil)
			want(t, "editor confirms", st, 403, b)
			st, b = kenAp.do(t, "POST", "/api/v1/contacts/entries/"+draftID+"/confirm", nil)
			want(t, "KEN approver confirms FRA's draft", st, 404, b)
		})
		st, body = fraAp.do(t, "POST", "/api/v1/contacts/entries/"+draftID+"/confirm", nil)
		want(t, "approver confirms", st, 200, body)
		st, body = fraAp.do(t, "POST", "/api/v1/contacts/entries/"+draftID+"/confirm", nil)
		want(t, "confirm twice", st, 409, body)

		t.Run("the secretariat is told, without the person's details", func(t *testing.T) {
			var found bool
			for _, m := range outbox(t, rig) {
				if strings.Contains(m, secU.Email) && strings.Contains(m, "France") {
					found = true
					if strings.Contains(m, "Lefevre") || strings.Contains(m, "ssi.gouv") {
						t.Fatalf("the secretariat's e-mail carries the contact's details:\n%s", m)
					}
				}
			}
			if !found {
				t.Fatal("no e-mail to the secretariat")
			}
		})

		// France updates its technical contact.
		upd := fraTechnical()
		upd["replaces"] = draftID
		upd["email"] = "cert-duty@ssi.gouv.example"
		st, body = fraEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", upd)
		want(t, "editor drafts a change", st, 201, body)
		changeID := body["id"].(string)
		st, body = fraAp.do(t, "POST", "/api/v1/contacts/entries/"+changeID+"/confirm", nil)
		want(t, "approver confirms the change", st, 200, body)
		st, body = fraEd.do(t, "GET", "/api/v1/contacts/states/FRA", nil)
		want(t, "FRA reads its directory", st, 200, body)
		if a := body["active"].([]any); len(a) != 1 || a[0].(map[string]any)["email"] != "cert-duty@ssi.gouv.example" {
			t.Fatalf("active after the change: %v", body["active"])
		}
		if h := body["history"].([]any); len(h) != 1 || h[0].(map[string]any)["status"] != "replaced" || h[0].(map[string]any)["ended_at"] == nil {
			t.Fatalf("history after the change: %v", body["history"])
		}
		st, body = fraEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", upd)
		want(t, "a change to a replaced contact", st, 409, body)

		t.Run("contact details reach State users and the secretariat only", func(t *testing.T) {
			for _, c := range []struct {
				who    string
				client apiClient
				status int
			}{{"public", public, 401}, {"stakeholder", stake, 403}, {"secretariat", sec, 200}, {"another State", kenEd, 200}} {
				st, raw := c.client.raw(t, "/api/v1/contacts/states/FRA")
				if st != c.status {
					t.Errorf("%s: status %d, want %d", c.who, st, c.status)
				}
				if (c.status == 200) != strings.Contains(raw, "cert-duty@ssi.gouv.example") {
					t.Errorf("%s: details shown = %v", c.who, strings.Contains(raw, "cert-duty"))
				}
			}
			for _, c := range []struct {
				who     string
				client  *testrig.Client
				details bool
			}{{"public", rig.Anonymous(t), false}, {"stakeholder", rig.SignIn(t, stake.u), false}, {"KEN editor", kenBrowser, true}} {
				html := c.client.GetBody(t, "/contacts/states/FRA")
				if got := strings.Contains(html, "cert-duty@ssi.gouv.example") || strings.Contains(html, "Lefèvre"); got != c.details {
					t.Errorf("%s: details on the State's page = %v, want %v", c.who, got, c.details)
				}
				if !strings.Contains(html, "Technical") {
					t.Errorf("%s: the page does not say a technical contact is named", c.who)
				}
			}
			for _, p := range []string{"/contacts", "/contacts/coverage.csv", "/api/v1/contacts/coverage", "/api/v1/search?q=Lef%C3%A8vre", "/api/v1/search?q=cert-duty", "/bulletin/feed.atom"} {
				_, raw := public.raw(t, p)
				if strings.Contains(raw, "cert-duty") || strings.Contains(raw, "Lefèvre") || strings.Contains(raw, "Lef\\u00e8vre") {
					t.Errorf("%s shows a contact's details to the public", p)
				}
				_, raw = stake.raw(t, p)
				if strings.Contains(raw, "cert-duty") || strings.Contains(raw, "Lefèvre") {
					t.Errorf("%s shows a contact's details to a stakeholder", p)
				}
			}
			_, csv := public.raw(t, "/contacts/coverage.csv")
			if !strings.Contains(csv, "FRA,France,false,,true,") {
				t.Errorf("coverage CSV: %.300s", csv)
			}
		})

		t.Run("a State edits only its own contacts", func(t *testing.T) {
			before := count(t, rig, `SELECT COUNT(*) FROM contacts_entries`)
			st, b := kenEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", fraTechnical())
			want(t, "KEN drafts for FRA", st, 404, b)
			in := fraTechnical()
			in["replaces"] = changeID
			st, b = kenAp.do(t, "POST", "/api/v1/contacts/states/KEN/contacts", in)
			want(t, "KEN replaces FRA's contact", st, 422, b)
			st, b = kenAp.do(t, "POST", "/api/v1/contacts/entries/"+changeID+"/retire", nil)
			want(t, "KEN retires FRA's contact", st, 404, b)
			resp := kenBrowser.PostForm(t, "/contacts/states/FRA/contacts", url.Values{"kind": {"technical"}, "name": {"X"}, "email": {"x@y.example"}, "time_zone": {"UTC"}})
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("form: KEN drafts for FRA: %d", resp.StatusCode)
			}
			if after := count(t, rig, `SELECT COUNT(*) FROM contacts_entries`); after != before {
				t.Fatalf("refusals changed the directory: %d -> %d", before, after)
			}
		})

		t.Run("bad input is refused, naming the field, and changes nothing", func(t *testing.T) {
			before := count(t, rig, `SELECT COUNT(*) FROM contacts_entries`)
			for _, c := range []struct {
				field string
				value any
			}{
				{"email", "not-an-address"}, {"email", "Name <a@b.example>"}, {"email", "a@localhost"},
				{"phone", "0123456789"}, {"phone", "+0123456789"}, {"phone", "+3312345678901234567"},
				{"time_zone", "Mars/Olympus_Mons"}, {"time_zone", "Local"}, {"time_zone", "../../etc/passwd"}, {"time_zone", ""},
				{"kind", "military"}, {"name", ""}, {"name", "Camille\x00"}, {"name", "Camille\nLefèvre"}, {"name", strings.Repeat("x", 201)},
				{"languages", []string{"french"}}, {"secure_channel_notes", "a\x07b"},
			} {
				in := fraTechnical()
				in[c.field] = c.value
				st, b := fraEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", in)
				if st != 422 || b["error"].(map[string]any)["field"] != c.field {
					t.Errorf("%s = %q: status %d, %v", c.field, c.value, st, b)
				}
			}
			for _, raw := range []string{`{"kind":"technical","unknown":1}`, `{"kind":`, `[]`, `{"name":42}`, "{\"name\":\"\xff\"}"} {
				st, b := fraEd.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", raw)
				if st < 400 || st >= 500 {
					t.Errorf("%q: status %d %v", raw, st, b)
				}
			}
			st, b := fraEd.do(t, "POST", "/api/v1/contacts/states/XXX/contacts", fraTechnical())
			want(t, "unknown State", st, 404, b)
			st, b = fraAp.do(t, "POST", "/api/v1/contacts/entries/nope/confirm", nil)
			want(t, "unknown entry", st, 404, b)
			if after := count(t, rig, `SELECT COUNT(*) FROM contacts_entries`); after != before {
				t.Fatalf("bad input changed the directory: %d -> %d", before, after)
			}
		})

		t.Run("the forms draft, confirm and retire", func(t *testing.T) {
			ed, ap := rig.SignIn(t, fraEd.u), rig.SignIn(t, fraAp.u)
			if html := ed.GetBody(t, "/contacts/states/FRA"); !strings.Contains(html, `action="/contacts/states/FRA/contacts"`) || !strings.Contains(html, "cert-duty@ssi.gouv.example") {
				t.Fatalf("own page has no form or details")
			}
			resp := ed.PostForm(t, "/contacts/states/FRA/contacts", url.Values{"kind": {"diplomatic"}, "name": {"Jeanne Martin"}, "email": {"jeanne.martin@diplomatie.example"},
				"phone": {"+33 1 43 17 53 53"}, "languages": {"fr, en"}, "time_zone": {"Europe/Paris"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("draft form: %d %s", resp.StatusCode, testrig.Body(resp))
			}
			var id string
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT id FROM contacts_entries WHERE email = ?`, "jeanne.martin@diplomatie.example").Scan(&id)
			html := ap.GetBody(t, "/contacts/states/FRA")
			if !strings.Contains(html, "/contacts/entries/"+id+"/confirm") {
				t.Fatalf("the approver's page does not offer to confirm the draft")
			}
			if resp := ap.PostForm(t, "/contacts/entries/"+id+"/confirm", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("confirm form: %d", resp.StatusCode)
			}
			resp = ed.PostForm(t, "/contacts/states/FRA/contacts", url.Values{"kind": {"diplomatic"}, "name": {"Jean Dupont"}, "email": {"bad"}, "phone": {"+33 1 23 45 67 89"}, "time_zone": {"Europe/Paris"}})
			b := testrig.Body(resp)
			if resp.StatusCode != 422 || !strings.Contains(b, "email") {
				t.Fatalf("bad form: %d", resp.StatusCode)
			}
			// The page comes back with what was typed and the reason beside the field.
			for _, want := range []string{`id="new-email" aria-invalid="true" aria-describedby="new-email-error"`, `<p class="field-error" id="new-email-error">must be an e-mail address`,
				`value="bad"`, `value="Jean Dupont"`, `33 1 23 45 67 89"`, `role="alert"`} {
				if !strings.Contains(b, want) {
					t.Errorf("the refused form lacks %s", want)
				}
			}
			if strings.Count(b, `class="field-error"`) != 1 {
				t.Errorf("%d field errors, want 1", strings.Count(b, `class="field-error"`))
			}
			// A change of a contact refused: its form is open with the reason.
			resp = ed.PostForm(t, "/contacts/states/FRA/contacts", url.Values{"replaces": {id}, "kind": {"diplomatic"}, "name": {"Jeanne Martin"}, "email": {"jeanne.martin@diplomatie.example"}, "time_zone": {"Mars/Olympus"}})
			b = testrig.Body(resp)
			if resp.StatusCode != 422 || !strings.Contains(b, `id="e`+id+`-tz-error"`) || !strings.Contains(b, `value="Mars/Olympus"`) || !strings.Contains(b, `<details open>`) {
				t.Errorf("refused change: %d", resp.StatusCode)
			}
			if resp := ap.PostForm(t, "/contacts/entries/"+id+"/retire", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("retire form: %d", resp.StatusCode)
			}
			_, cov := public.raw(t, "/api/v1/contacts/coverage")
			if !strings.Contains(cov, `"state":"FRA","name":"France","diplomatic_since":null,"technical_since":"`) {
				t.Fatalf("coverage after retiring the diplomatic contact: %.300s", cov[strings.Index(cov, `"FRA"`)-10:])
			}
		})

		t.Run("the audit log keeps the action, not the person", func(t *testing.T) {
			var n int
			rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT before_json || after_json FROM audit_log WHERE entity = 'contact'`)
			if err != nil {
				t.Skip("audit columns differ: ", err)
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				_ = rows.Scan(&s)
				n++
				if strings.Contains(s, "cert-duty") || strings.Contains(s, "Lef") || strings.Contains(s, "PGP") {
					t.Errorf("audit entry holds details: %s", s)
				}
			}
			if n < 4 {
				t.Errorf("only %d audit entries for contacts", n)
			}
		})
	})
}
