package contacts_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestHostileInputChangesNothing walks every contacts API route that takes
// a body, as an account its rule allows, with malformed, oversized and
// hostile bodies, and every contacts route with hostile path values: each
// answer is a 4xx, and no table of the module nor the audit log changes.
func TestHostileInputChangesNothing(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.User(t, auth.RoleSecretariat, "")
		fra := nominate(t, rig, "FRA", "technical", "cert@fra.example")
		nominate(t, rig, "KEN", "technical", "cert@ken.example")
		secC := apiClient{rig.Anonymous(t), rig.Token(t, sec), sec}
		st, b := fra.do(t, "POST", "/api/v1/contacts/requests", criticalRequest("KEN"))
		want(t, "a request", st, 201, b)
		rid := b["id"].(string)
		st, b = secC.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "R", "hours": 48})
		want(t, "a round", st, 201, b)
		roundID := b["id"].(string)
		var entryID, pingID string
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT id FROM contacts_entries WHERE state_iso3 = 'FRA'`).Scan(&entryID)
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT id FROM contacts_pings WHERE state_iso3 = 'FRA'`).Scan(&pingID)
		rig.DrainJobs(t)

		snapshot := func() string {
			var b strings.Builder
			for _, tbl := range []string{"contacts_entries", "contacts_coverage", "contacts_rounds", "contacts_pings", "contacts_round_states", "contacts_requests", "contacts_request_messages", "contacts_request_files", "contacts_deadlines", "audit_log"} {
				b.WriteString(tbl)
				b.WriteString(":")
				b.WriteString(strings.Repeat("x", count(t, rig, `SELECT COUNT(*) FROM `+tbl)))
				b.WriteString(" ")
			}
			var acked, status string
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COALESCE(CAST(acked_at AS TEXT), '') FROM contacts_pings WHERE id = ?`, pingID).Scan(&acked)
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT status FROM contacts_requests WHERE id = ?`, rid).Scan(&status)
			return b.String() + acked + status
		}
		before := snapshot()
		param := regexp.MustCompile(`\{[a-z0-9]+\}`)
		fill := func(p string) string {
			return param.ReplaceAllStringFunc(p, func(s string) string {
				switch {
				case s == "{iso3}":
					return "FRA"
				case strings.Contains(p, "/entries/"):
					return entryID
				case strings.Contains(p, "/rounds/"):
					return roundID
				case strings.Contains(p, "/pings/"):
					return pingID
				}
				return rid
			})
		}
		clients := map[string]apiClient{"public": {c: rig.Anonymous(t)}, "secretariat": secC, "state-editor|state-approver": fra, "state-approver": fra,
			"secretariat|state-editor|state-approver": fra}
		bodies := []string{`{"x":`, `[]`, `"\u0000"`, "{\"name\":\"\xff\xfe\"}", `{"title":"a\u0000b","name":"a\u0000b","body":"a\u0000b","token":"a\u0000b","incident":"a\u0000"}`,
			`{"hours":1e400,"urgency":12,"addresses":"x","answer":[1]}`, `{"unknown_field":1}`, `{"token":"` + strings.Repeat("A", 5000) + `"}`, strings.Repeat("[", 100000), `{"file":"` + strings.Repeat("A", 8<<20) + `"}`}
		walked := 0
		for _, r := range rig.App.Services.Site.Router().Routes() {
			if !r.IsAPI || !strings.HasPrefix(r.Path, "/api/v1/contacts") || r.Method == "GET" || noBody(r.Path) {
				continue
			}
			c, ok := clients[r.Rule.Name]
			if !ok {
				t.Fatalf("no client for rule %q", r.Rule.Name)
			}
			path := fill(r.Path)
			for _, body := range bodies {
				resp := c.c.Do(t, r.Method, path, body, map[string]string{"Authorization": "Bearer " + c.token})
				resp.Body.Close()
				if resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Errorf("%s %s with %.40q: %d", r.Method, path, body, resp.StatusCode)
				}
			}
			walked++
		}
		if walked < 10 {
			t.Fatalf("walked only %d routes", walked)
		}
		for _, p := range []string{"/contacts/states/%00", "/contacts/states/F%0AA", "/contacts/rounds/%FF", "/contacts/requests/" + strings.Repeat("A", 300), "/api/v1/contacts/states/%E2%80%AE/rounds", "/contacts/ack?t=%00"} {
			resp := rig.Anonymous(t).Get(t, p)
			resp.Body.Close()
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				if !(strings.HasPrefix(p, "/contacts/ack") && resp.StatusCode == 200) {
					t.Errorf("GET %s: %d", p, resp.StatusCode)
				}
			}
		}
		if after := snapshot(); after != before {
			t.Errorf("hostile input changed something:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// noBody reports whether a route acts on its path alone (no body to be
// hostile; the other tests cover who may call it).
func noBody(p string) bool {
	for _, s := range []string{"/confirm", "/discard", "/retire", "/ack", "/acknowledge"} {
		if strings.HasSuffix(p, s) && !strings.HasSuffix(p, "/contacts/ack") {
			return true
		}
	}
	return false
}
