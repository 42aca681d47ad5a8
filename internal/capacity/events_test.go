package capacity_test

import (
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// checkICalendar validates the RFC 5545 shape of a calendar: CRLF line
// ends, lines folded at 75 octets, balanced components, the required
// properties of VCALENDAR and VEVENT, and UTC or TZID-qualified times.
func checkICalendar(t *testing.T, body string, wantEvents int) {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("the calendar does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.Contains(l, "\n") || strings.Contains(l, "\r") {
			t.Fatalf("line %d holds a bare line break", i)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets: %q", i, len(l), l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				t.Fatalf("the calendar starts with a continuation line")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("not a VCALENDAR: %q … %q", lines[0], lines[len(lines)-1])
	}
	var stack []string
	props := map[string]int{}
	events := 0
	var ev map[string]string
	utc := regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		base, _, _ := strings.Cut(name, ";")
		switch base {
		case "BEGIN":
			stack = append(stack, value)
			if value == "VEVENT" {
				ev = map[string]string{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				t.Fatalf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				events++
				for _, p := range []string{"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} {
					if ev[p] == "" {
						t.Errorf("a VEVENT lacks %s", p)
					}
				}
				for _, p := range []string{"DTSTAMP", "DTSTART", "DTEND"} {
					if !utc.MatchString(ev[p]) {
						t.Errorf("%s %q is not a UTC date-time", p, ev[p])
					}
				}
				ev = nil
			}
			continue
		}
		if ev != nil {
			ev[base] = value
		} else if len(stack) == 1 {
			props[base]++
		}
	}
	if props["VERSION"] != 1 || props["PRODID"] != 1 {
		t.Errorf("VCALENDAR needs exactly one VERSION and PRODID: %v", props)
	}
	if events != wantEvents {
		t.Errorf("%d events, want %d", events, wantEvents)
	}
}

func mailText(t *testing.T, rig *testrig.Rig, subject, to string) string {
	t.Helper()
	for _, e := range outbox(t, rig) {
		if strings.Contains(e.Subject, subject) && strings.Contains(e.To, to) {
			m, err := mail.Read(rig.App.Services.OutboxDir, e.Name)
			if err != nil {
				t.Fatal(err)
			}
			return m.Text
		}
	}
	t.Fatalf("no mail %q to %s", subject, to)
	return ""
}

func TestEventsRegistrationAndCalendars(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
		ev := map[string]any{"title": "Industry workshop on the margins of the First Committee", "kind": "workshop", "audience": "public", "place": "New York, Conference Room 4",
			"time_zone": "America/New_York", "starts": day + "T10:00", "ends": day + "T13:00", "languages": []string{"en", "fr"}, "norms": []string{"gge2015-i"},
			"agenda": "1. Threats; 2. Supply chain, norms (i) and (j)", "capacity": 1}
		for _, c := range []struct {
			name, field string
			change      func(map[string]any)
		}{
			{"a time zone that does not exist", "time_zone", func(b map[string]any) { b["time_zone"] = "Mars/Olympus_Mons" }},
			{"a time zone that is a path", "time_zone", func(b map[string]any) { b["time_zone"] = "../../etc/passwd" }},
			{"an end before the start", "ends", func(b map[string]any) { b["ends"] = day + "T09:00" }},
			{"no place and no link", "place", func(b map[string]any) { b["place"] = "" }},
			{"an unknown norm", "norms", func(b map[string]any) { b["norms"] = []string{"gge2015-q"} }},
		} {
			t.Run(c.name+" is refused", func(t *testing.T) {
				b := map[string]any{}
				for k, v := range ev {
					b[k] = v
				}
				c.change(b)
				st, body := w.orgA.do(t, "POST", base+"/events", b)
				want(t, c.name, st, 422, body)
				if e, _ := body["error"].(map[string]any); e["field"] != c.field {
					t.Errorf("field %v, want %s", e["field"], c.field)
				}
			})
		}
		st, body := w.anon.do(t, "POST", base+"/events", ev)
		want(t, "the public schedules", st, 401, body)
		st, body = w.orgA.do(t, "POST", base+"/events", ev)
		want(t, "schedule", st, 201, body)
		id := body["id"].(string)
		if body["starts_at"] != day+"T14:00:00Z" && body["starts_at"] != day+"T15:00:00Z" {
			t.Errorf("10:00 in New York stored as %v", body["starts_at"])
		}

		st, body = w.anon.do(t, "POST", base+"/events/"+id+"/registrations", map[string]any{"name": "Ana Delegate", "email": "ana@example.org"})
		want(t, "first registration", st, 201, body)
		if body["status"] != "confirmed" {
			t.Errorf("first registration %v", body["status"])
		}
		st, body = w.anon.do(t, "POST", base+"/events/"+id+"/registrations", map[string]any{"name": "Ana Delegate", "email": "ANA@example.org"})
		want(t, "registering twice", st, 409, body)
		st, body = w.anon.do(t, "POST", base+"/events/"+id+"/registrations", map[string]any{"name": "Ben Expert", "email": "ben@example.org"})
		want(t, "second registration", st, 201, body)
		if body["status"] != "waiting" {
			t.Errorf("over capacity: %v, want waiting", body["status"])
		}
		st, body = w.anon.do(t, "POST", base+"/events/"+id+"/registrations", map[string]any{"name": "X", "email": "not an address"})
		want(t, "bad address", st, 422, body)

		t.Run("cancelling frees the place for the waiting list", func(t *testing.T) {
			text := mailText(t, rig, "Registration confirmed", "ana@example.org")
			m := regexp.MustCompile(`/capacity/events/[^ \n]+/cancel\?[^ \n]+`).FindString(text)
			if m == "" {
				t.Fatalf("no cancellation link in %q", text)
			}
			u, _ := url.Parse(m)
			resp := w.anon.c.Do(t, "GET", m, nil, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("cancel page: %d", resp.StatusCode)
			}
			resp = w.anon.c.PostForm(t, u.Path, url.Values{"r": {u.Query().Get("r")}, "token": {"wrong"}})
			if resp.StatusCode != 422 {
				t.Errorf("a wrong token: %d", resp.StatusCode)
			}
			resp = w.anon.c.PostForm(t, u.Path, url.Values{"r": {u.Query().Get("r")}, "token": {u.Query().Get("token")}})
			if resp.StatusCode != 200 {
				t.Fatalf("cancel: %d", resp.StatusCode)
			}
			mailText(t, rig, "Registration confirmed", "ben@example.org")
			st, body := w.anon.do(t, "GET", base+"/events/"+id, nil)
			want(t, "event", st, 200, body)
			if body["confirmed"].(float64) != 1 || body["waiting"].(float64) != 0 {
				t.Errorf("after the cancellation: %v confirmed, %v waiting", body["confirmed"], body["waiting"])
			}
		})

		t.Run("the iCalendar feeds are valid RFC 5545", func(t *testing.T) {
			for _, c := range []struct {
				path string
				n    int
			}{{"/capacity/events/" + id + "/event.ics", 1}, {"/capacity/events.ics", 1}, {"/capacity/organisers/org-" + w.orgASlug + "/events.ics", 1}, {"/capacity/organisers/state-fra/events.ics", 0}} {
				resp := w.anon.c.Do(t, "GET", c.path, nil, nil)
				raw, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
					t.Fatalf("%s: %d %s", c.path, resp.StatusCode, resp.Header.Get("Content-Type"))
				}
				checkICalendar(t, string(raw), c.n)
			}
		})

		t.Run("events for States only are not shown to others", func(t *testing.T) {
			b := map[string]any{}
			for k, v := range ev {
				b[k] = v
			}
			b["audience"], b["title"] = "states", "Closed briefing for States"
			st, body := w.sec.do(t, "POST", base+"/events", b)
			want(t, "States' briefing", st, 201, body)
			sid := body["id"].(string)
			st, _ = w.anon.do(t, "GET", base+"/events/"+sid, nil)
			want(t, "the public reads it", st, 404, nil)
			st, _ = w.orgB.do(t, "GET", base+"/events/"+sid, nil)
			want(t, "an organisation reads it", st, 404, nil)
			st, _ = w.fraAp.do(t, "GET", base+"/events/"+sid, nil)
			want(t, "a State reads it", st, 200, nil)
			resp := w.anon.c.Do(t, "GET", "/capacity/events.ics", nil, nil)
			raw, _ := io.ReadAll(resp.Body)
			if strings.Contains(string(raw), "Closed briefing") {
				t.Errorf("the public feed holds the States' briefing")
			}
		})

		t.Run("the calendar page shows events and the participation module's sessions", func(t *testing.T) {
			st, body := w.sec.do(t, "POST", "/api/v1/participation/bodies", map[string]any{"slug": "oewg", "name": "OEWG", "modality": "open"})
			want(t, "body", st, 201, body)
			st, body = w.sec.do(t, "POST", "/api/v1/participation/bodies/oewg/sessions", map[string]any{"slug": "s9", "title": "Ninth substantive session", "kind": "substantive", "format": "hybrid",
				"starts_on": day, "ends_on": day, "apply_by": time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02"), "place": "New York"})
			want(t, "session", st, 201, body)
			resp := w.anon.c.Do(t, "GET", "/capacity/calendar", nil, nil)
			raw, _ := io.ReadAll(resp.Body)
			page := string(raw)
			for _, s := range []string{"Industry workshop on the margins", "Ninth substantive session", "/participation/sessions/s9"} {
				if !strings.Contains(page, s) {
					t.Errorf("the calendar lacks %q", s)
				}
			}
			if strings.Contains(page, "Closed briefing") {
				t.Errorf("the public calendar shows the States' briefing")
			}
		})
	})
}
