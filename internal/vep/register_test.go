package vep_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

func justification(word string) map[string]string {
	j := map[string]string{}
	for _, c := range vep.Justified {
		j[c] = word + " " + c
	}
	return j
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// secret is text that must never leave the State's register.
const secret = "Zebracorn Router Firmware"

func outbox(t *testing.T, rig *testrig.Rig) []cnmail.ParsedMessage {
	t.Helper()
	entries, err := cnmail.List(rig.OutboxDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []cnmail.ParsedMessage
	for _, e := range entries {
		m, err := cnmail.Read(rig.OutboxDir(), e.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestRegister(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		approverU := rig.User(t, auth.RoleStateApprover, "FRA")
		editorU := rig.User(t, auth.RoleStateEditor, "FRA")
		bystanderU := rig.User(t, auth.RoleStateEditor, "FRA")
		approver, editor, bystander := as(approverU), as(editorU), as(bystanderU)
		other := as(rig.User(t, auth.RoleStateApprover, "DEU"))
		otherU := rig.User(t, auth.RoleStateEditor, "DEU")
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		member := as(rig.User(t, auth.RoleStakeholder, ""))
		pub := apiClient{c: rig.Anonymous(t)}
		base := "/api/v1/vep/register"
		today := time.Now().UTC()

		st, body := editor.do(t, "GET", base, nil)
		want(t, "an editor without the permission", st, 404, body)
		st, body = editor.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": editorU.ID})
		want(t, "an editor cannot grant", st, 403, body)
		st, body = other.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": editorU.ID})
		want(t, "another State's approver cannot grant to FRA's user", st, 404, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": editorU.ID})
		want(t, "the approver grants", st, 200, body)
		st, body = approver.do(t, "POST", "/api/v1/vep/grants", map[string]string{"user_id": otherU.ID})
		want(t, "the approver cannot grant to another State's user", st, 404, body)
		st, body = approver.do(t, "GET", "/api/v1/vep/grants", nil)
		want(t, "grants", st, 200, body)
		if n := len(body["items"].([]any)); n != 3 {
			t.Fatalf("the approver sees %d users, want FRA's 3", n)
		}

		entry := map[string]any{"product": secret, "vendor": "Acme Networks", "cve": "CVE-2026-31337", "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
			"found_how": "internal_research", "found_on": day(today.AddDate(0, -5, 0)), "decision": "retain", "justification": justification("Secretly"),
			"decided_on": day(today.AddDate(0, -4, 0))}
		st, body = editor.do(t, "POST", base, entry)
		want(t, "record", st, 201, body)
		entryID := body["id"].(string)
		if cv := body["cvss"].(map[string]any); cv["score"] != 9.8 || cv["version"] != "3.1" {
			t.Errorf("cvss %v", cv)
		}
		if body["review_status"] != "ok" || body["next_review_on"] != day(today.AddDate(0, -4, 0).AddDate(0, 6, 0)) {
			t.Errorf("review: %v %v", body["review_status"], body["next_review_on"])
		}
		disclosed := map[string]any{"product": "Other product", "vendor": "Beta", "found_how": "partner", "found_on": day(today.AddDate(0, -2, 0)), "decision": "disclose",
			"justification": justification("Openly"), "decided_on": day(today.AddDate(0, -2, 0)), "vendor_notified_on": day(today.AddDate(0, -2, 3)), "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}
		st, body = editor.do(t, "POST", base, disclosed)
		want(t, "record a disclosed one", st, 201, body)

		t.Run("no one else reads, writes or infers the register", func(t *testing.T) {
			for name, c := range map[string]apiClient{"same State without permission": bystander, "another State": other, "secretariat": sec, "stakeholder": member, "approver without permission": approver} {
				for _, r := range []struct{ method, path string }{{"GET", base}, {"GET", base + "/due"}, {"GET", base + "/" + entryID}, {"GET", base + "/01ARZ3NDEKTSV4RRFFQ69G5FAV"},
					{"PUT", base + "/" + entryID}, {"POST", base + "/" + entryID + "/reviews"}, {"POST", base}} {
					var b any
					if r.method != "GET" {
						b = `{"bad":` // even a malformed body answers 404, never 400
					}
					st, body := c.do(t, r.method, r.path, b)
					if st != 404 {
						t.Errorf("%s %s as %s: %d %v", r.method, r.path, name, st, body)
					}
				}
				resp := c.c.Do(t, "GET", "/vep/register/"+entryID, nil, map[string]string{"Authorization": "Bearer " + c.token})
				if resp.StatusCode != 404 && resp.StatusCode != 303 {
					t.Errorf("page as %s: %d", name, resp.StatusCode)
				}
			}
			st, _ := pub.do(t, "GET", base, nil)
			if st != 401 {
				t.Errorf("public: %d", st)
			}
			// Nothing public mentions it.
			for _, p := range []string{"/vep", "/vep/states/FRA", "/vep/scorecards.csv", "/api/v1/vep/scorecards/FRA", "/search?q=Zebracorn", "/api/v1/search?q=Zebracorn"} {
				resp := rig.Anonymous(t).Get(t, p)
				// The page's own address, which the language menu returns
				// to, holds the reader's query: that is not the entry.
				if b := strings.ReplaceAll(testrig.Body(resp), "q=Zebracorn", ""); strings.Contains(b, "Zebracorn") {
					t.Errorf("%s shows the entry", p)
				}
			}
		})

		t.Run("sealed at rest: the raw database holds no plaintext", func(t *testing.T) {
			rawDatabaseLacks(t, rig, "Zebracorn", "Acme Networks", "CVE-2026-31337", "Secretly", "AV:N/AC:L", "Openly")
			var actions []string
			rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT action, actor_id FROM audit_log WHERE entity_id = ?`, entryID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var a, actor string
				_ = rows.Scan(&a, &actor)
				actions = append(actions, a)
				if actor == editorU.ID {
					t.Errorf("the audit names the State's user for %s", a)
				}
			}
			rows.Close()
			if len(actions) != 1 || actions[0] != "vep.entry.record" {
				t.Errorf("audit %v", actions)
			}
		})

		t.Run("bad input", func(t *testing.T) {
			for _, c := range []struct {
				change map[string]any
				field  string
			}{
				{map[string]any{"cve": "CVE-26-1"}, "cve"},
				{map[string]any{"cvss_vector": "CVSS:3.1/AV:N"}, "cvss_vector"},
				{map[string]any{"cvss_vector": "CVSS:2.0/AV:N/AC:L/Au:N/C:C/I:C/A:C"}, "cvss_vector"},
				{map[string]any{"found_on": "yesterday"}, "found_on"},
				{map[string]any{"found_on": day(today.AddDate(0, 0, 2))}, "found_on"},
				{map[string]any{"decided_on": day(today.AddDate(0, -6, 0))}, "decided_on"},
				{map[string]any{"decision": "sell"}, "decision"},
				{map[string]any{"found_how": "dream"}, "found_how"},
				{map[string]any{"product": ""}, "product"},
				{map[string]any{"product": "A\x07B"}, "product"},
				{map[string]any{"justification": map[string]string{"national_security": "x"}}, "justification.threat_impact"},
				{map[string]any{"justification": map[string]string{"astrology": "x"}}, "justification"},
			} {
				in := map[string]any{}
				for k, v := range entry {
					in[k] = v
				}
				for k, v := range c.change {
					in[k] = v
				}
				st, body := editor.do(t, "POST", base, in)
				if st != 422 {
					t.Errorf("%v: %d %v", c.change, st, body)
					continue
				}
				e := body["error"].(map[string]any)
				if e["field"] != c.field {
					t.Errorf("%v: field %v, want %s", c.change, e["field"], c.field)
				}
				if strings.Contains(e["message"].(string), "Zebracorn") {
					t.Errorf("an error echoes the input")
				}
			}
			st, body := editor.do(t, "POST", base, `{"product":`)
			want(t, "malformed", st, 400, body)
		})

		t.Run("reviews are due, reminded, overdue, and recorded", func(t *testing.T) {
			svc := vep.NewService(rig.App.Services)
			n, err := svc.SendReminders(rig.Ctx, today)
			if err != nil || n != 0 {
				t.Fatalf("reminders now: %d %v", n, err)
			}
			n, err = svc.SendReminders(rig.Ctx, today.AddDate(0, 1, 20))
			if err != nil || n != 1 {
				t.Fatalf("reminders when due: %d %v", n, err)
			}
			n, _ = svc.SendReminders(rig.Ctx, today.AddDate(0, 1, 20))
			if n != 0 {
				t.Fatalf("reminded twice in one week: %d", n)
			}
			n, err = svc.SendReminders(rig.Ctx, today.AddDate(0, 3, 0))
			if err != nil || n != 1 {
				t.Fatalf("reminders when overdue: %d %v", n, err)
			}
			rig.DrainJobs(t)
			msgs := outbox(t, rig)
			if len(msgs) != 2 {
				t.Fatalf("%d messages", len(msgs))
			}
			for _, m := range msgs {
				if !strings.Contains(m.To, editorU.Email) {
					t.Errorf("a reminder to %s", m.To)
				}
				for _, s := range []string{"Zebracorn", "Acme", "CVE-", entryID} {
					if strings.Contains(m.Subject+m.Text, s) {
						t.Errorf("a reminder names %q", s)
					}
				}
			}
			// Overdue in the register at a later clock.
			svc.Now = func() time.Time { return today.AddDate(0, 3, 0) }
			ctx := auth.WithUser(rig.Ctx, editorU)
			due, err := svc.Due(ctx)
			if err != nil || len(due) != 1 || due[0].ReviewStatus != "overdue" {
				t.Fatalf("due: %v %+v", err, due)
			}
			// A review re-records the decision; releasing it ends the reviews.
			st, body := editor.do(t, "POST", base+"/"+entryID+"/reviews", map[string]any{"reviewed_on": day(today), "decision": "retain"})
			want(t, "a review needs its reasons", st, 422, body)
			st, body = editor.do(t, "POST", base+"/"+entryID+"/reviews", map[string]any{"reviewed_on": day(today), "decision": "retain", "justification": justification("Still")})
			want(t, "review", st, 201, body)
			if body["current_since"] != day(today) || body["review_status"] != "ok" || len(body["reviews"].([]any)) != 1 {
				t.Errorf("after review: %v", body)
			}
			st, body = editor.do(t, "POST", base+"/"+entryID+"/reviews", map[string]any{"reviewed_on": day(today), "decision": "disclose", "justification": justification("Now")})
			want(t, "release", st, 201, body)
			if body["current_decision"] != "disclose" || body["next_review_on"] != nil {
				t.Errorf("after release: %v", body)
			}
			st, body = editor.do(t, "POST", base+"/"+entryID+"/reviews", map[string]any{"reviewed_on": day(today), "decision": "retain", "justification": justification("Again")})
			want(t, "no review of a released entry", st, 409, body)
		})

		t.Run("the pages and the State's own export", func(t *testing.T) {
			c := rig.SignIn(t, editorU)
			resp := c.Get(t, "/vep/register")
			page := testrig.Body(resp)
			if resp.StatusCode != 200 || !strings.Contains(page, secret) {
				t.Fatalf("register page: %d", resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q", cc)
			}
			resp = c.PostForm(t, "/vep/register", url.Values{"product": {"P"}, "vendor": {"V"}, "found_how": {"purchase"}, "found_on": {day(today)}, "decision": {"retain"}, "decided_on": {day(today)}, "cve": {"nope"}})
			if b := testrig.Body(resp); resp.StatusCode != 422 || !strings.Contains(b, `id="cve-error"`) {
				t.Errorf("form refusal: %d", resp.StatusCode)
			}
			csv := c.GetBody(t, "/vep/register/export.csv")
			if !strings.Contains(csv, secret) {
				t.Error("the export lacks the entry")
			}
			if resp := rig.SignIn(t, otherU).Get(t, "/vep/register/export.csv"); resp.StatusCode != 404 {
				t.Errorf("another State's export: %d", resp.StatusCode)
			}
			ap := rig.SignIn(t, approverU)
			if resp := ap.PostForm(t, "/vep/permissions/"+editorU.ID+"/withdraw", url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("withdraw: %d", resp.StatusCode)
			}
			if resp := c.Get(t, "/vep/register"); resp.StatusCode != 404 {
				t.Errorf("after withdrawal: %d", resp.StatusCode)
			}
		})
	})
}

// rawDatabaseLacks reads every row of every table, as a database
// administrator or a backup would, and fails if any value contains one of
// the needles.
func rawDatabaseLacks(t *testing.T, rig *testrig.Rig, needles ...string) {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if rig.DB.Dialect == "postgres" {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := rig.DB.QueryContext(rig.Ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("only %d tables", len(tables))
	}
	for _, tbl := range tables {
		rows, err := rig.DB.QueryContext(rig.Ctx, `SELECT * FROM "`+tbl+`"`)
		if err != nil {
			t.Logf("%s: %v", tbl, err)
			continue
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch x := v.(type) {
				case string:
					b = []byte(x)
				case []byte:
					b = x
				}
				for _, n := range needles {
					if bytes.Contains(b, []byte(n)) {
						t.Errorf("%q in plaintext in %s.%s", n, tbl, cols[i])
					}
				}
			}
		}
		rows.Close()
	}
}
