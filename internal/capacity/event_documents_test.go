package capacity_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestEventDocumentsAndInvitations(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
		st, body := w.orgA.do(t, "POST", base+"/events", map[string]any{"title": "Tailored briefing on supply chain security", "kind": "briefing", "audience": "invited",
			"place": "Geneva, Palais des Nations", "time_zone": "Europe/Zurich", "starts": day + "T10:00", "ends": day + "T12:00", "languages": []string{"en"}, "capacity": 1})
		want(t, "event by invitation", st, 201, body)
		ev := body["id"].(string)
		organiser := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, w.orgASlug))
		other := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, ""))
		attach := func(c *testrig.Client, name, content string) *http.Response {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("document", name)
			_, _ = fw.Write([]byte(content))
			_ = mw.Close()
			return c.Do(t, "POST", "/capacity/events/"+ev+"/documents", buf.String(), map[string]string{"Content-Type": mw.FormDataContentType()})
		}
		docs := func() int {
			var n int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM capacity_event_documents`).Scan(&n)
			return n
		}

		t.Run("documents are PDFs by content, attached by the organiser only", func(t *testing.T) {
			if resp := attach(organiser, "agenda.pdf", "<html>not a pdf</html>"); resp.StatusCode != 422 {
				t.Errorf("a non-PDF named .pdf: %d", resp.StatusCode)
			}
			if resp := attach(other, "agenda.pdf", "%PDF-1.7 someone else's"); resp.StatusCode != 404 {
				t.Errorf("another organisation attaches to an event it cannot see: %d", resp.StatusCode)
			}
			if n := docs(); n != 0 {
				t.Fatalf("refused uploads stored %d documents", n)
			}
			if resp := attach(organiser, "agenda.pdf", "%PDF-1.7 the agenda"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("the organiser attaches: %d", resp.StatusCode)
			}
			st, body := w.orgA.do(t, "GET", base+"/events/"+ev, nil)
			want(t, "event", st, 200, body)
			list, _ := body["documents"].([]any)
			if len(list) != 1 {
				t.Fatalf("documents %v", body["documents"])
			}
			u := list[0].(map[string]any)["url"].(string)
			resp := organiser.Get(t, u)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != "%PDF-1.7 the agenda" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Errorf("download: %d %q %v", resp.StatusCode, b, resp.Header)
			}
			if resp := other.Get(t, u); resp.StatusCode != 404 {
				t.Errorf("another organisation downloads a document of an event by invitation: %d", resp.StatusCode)
			}
			ics := organiser.GetBody(t, "/capacity/events/"+ev+"/event.ics")
			checkICalendar(t, ics, 1)
			if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), "ATTACH;FMTTYPE=application/pdf:") {
				t.Errorf("the calendar does not attach the document:\n%s", ics)
			}
		})

		t.Run("invitations go by e-mail; the link registers the invited address", func(t *testing.T) {
			for _, c := range []struct {
				name   string
				who    apiClient
				body   map[string]any
				status int
			}{
				{"a bad address", w.orgA, map[string]any{"emails": []string{"not an address"}}, 422},
				{"no address", w.orgA, map[string]any{"emails": []string{}}, 422},
				{"another organisation", w.orgB, map[string]any{"emails": []string{"a@example.org"}}, 404},
				{"the public", w.anon, map[string]any{"emails": []string{"a@example.org"}}, 401},
			} {
				st, body := c.who.do(t, "POST", base+"/events/"+ev+"/invitations", c.body)
				want(t, c.name, st, c.status, body)
			}
			st, body := w.orgA.do(t, "POST", base+"/events/"+ev+"/invitations", map[string]any{"emails": []string{"Delegate@Example.org", "second@example.org"}, "message": "We hope to see you."})
			want(t, "invite", st, 201, body)
			if l, _ := body["invited"].([]any); len(l) != 2 {
				t.Fatalf("invited %v", body)
			}
			st, body = w.orgA.do(t, "POST", base+"/events/"+ev+"/invitations", map[string]any{"emails": []string{"delegate@example.org"}})
			want(t, "invite again", st, 201, body)
			if l, _ := body["already"].([]any); len(l) != 1 {
				t.Errorf("already %v", body)
			}
			st, body = w.orgA.do(t, "GET", base+"/events/"+ev+"/invitations", nil)
			want(t, "invitations", st, 200, body)
			if len(items(t, body)) != 2 {
				t.Errorf("invitations %v", body)
			}
			text := mailText(t, rig, "Invitation: Tailored briefing", "delegate@example.org")
			m := regexp.MustCompile(`/capacity/events/[^/]+/invitation\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(text)
			if m == nil {
				t.Fatalf("no invitation link in %q", text)
			}
			token := m[1]
			anon := rig.Anonymous(t)
			if resp := anon.Get(t, "/capacity/events/"+ev); resp.StatusCode != 404 {
				t.Errorf("the event by invitation is public: %d", resp.StatusCode)
			}
			if resp := anon.Get(t, "/capacity/events/"+ev+"/invitation?token=wrong"); resp.StatusCode != 422 {
				t.Errorf("a wrong token: %d", resp.StatusCode)
			}
			page := anon.GetBody(t, "/capacity/events/"+ev+"/invitation?token="+token)
			if !strings.Contains(page, "delegate@example.org") {
				t.Errorf("the invitation page does not name the address")
			}
			checkICalendar(t, anon.GetBody(t, "/capacity/events/"+ev+"/invitation.ics?token="+token), 1)
			resp := anon.PostForm(t, "/capacity/events/"+ev+"/invitation", url.Values{"token": {token}, "name": {"A Delegate"}})
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), `id="registered"`) {
				t.Fatalf("register by invitation: %d", resp.StatusCode)
			}
			var status string
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT status FROM capacity_registrations WHERE event_id = ? AND email = ?`, ev, "delegate@example.org").Scan(&status); err != nil || status != "confirmed" {
				t.Errorf("registration %q (%v)", status, err)
			}
			resp = anon.PostForm(t, "/capacity/events/"+ev+"/invitation", url.Values{"token": {token}, "name": {"A Delegate"}})
			if resp.StatusCode != 409 {
				t.Errorf("registering twice: %d", resp.StatusCode)
			}
			st, body = w.orgA.do(t, "GET", base+"/events/"+ev+"/invitations", nil)
			want(t, "invitations", st, 200, body)
			for _, it := range items(t, body) {
				if it["email"] == "delegate@example.org" && it["registered_at"] == nil {
					t.Errorf("the invitation is not marked registered")
				}
			}
		})
	})
}
