package capacity_test

import (
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestFriendsOfMeetings(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		need := w.publishedNeed(t, "Secretariat-only CSIRT training", "secretariat")
		st, body := w.orgA.do(t, "POST", base+"/offers", offerBody("Incident response training", true))
		want(t, "offer", st, 201, body)
		offer := body["id"].(string)
		count := func() int {
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM capacity_meetings`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("bad input and the wrong people are refused, changing nothing", func(t *testing.T) {
			for _, c := range []struct {
				name   string
				who    apiClient
				body   map[string]any
				status int
				field  string
			}{
				{"no date", w.sec, map[string]any{"offers": []string{offer}}, 422, "meets_on"},
				{"a date that does not exist", w.sec, map[string]any{"meets_on": "2027-02-30", "offers": []string{offer}}, 422, "meets_on"},
				{"an unknown State", w.sec, map[string]any{"meets_on": "2027-03-01", "states": []string{"XYZ"}}, 422, "states"},
				{"an unknown offer", w.sec, map[string]any{"meets_on": "2027-03-01", "offers": []string{"nope"}}, 422, "offers"},
				{"nobody asked", w.sec, map[string]any{"meets_on": "2027-03-01"}, 422, "offers"},
				{"the requesting State asked to its own meeting", w.senEd, map[string]any{"meets_on": "2027-03-01", "states": []string{"SEN"}}, 422, "states"},
				{"another State, which cannot see the need", w.fraAp, map[string]any{"meets_on": "2027-03-01", "states": []string{"DEU"}}, 404, ""},
				{"an organisation", w.orgA, map[string]any{"meets_on": "2027-03-01", "states": []string{"DEU"}}, 403, ""},
				{"the public", w.anon, map[string]any{"meets_on": "2027-03-01", "states": []string{"DEU"}}, 401, ""},
			} {
				st, body := c.who.do(t, "POST", base+"/needs/"+need+"/meetings", c.body)
				want(t, c.name, st, c.status, body)
				if e, _ := body["error"].(map[string]any); c.field != "" && e["field"] != c.field {
					t.Errorf("%s: field %v, want %s", c.name, e["field"], c.field)
				}
			}
			if n := count(); n != 0 {
				t.Errorf("refused requests left %d meetings", n)
			}
		})

		st, body = w.sec.do(t, "POST", base+"/needs/"+need+"/meetings", map[string]any{"meets_on": "2027-03-01", "place": "Dakar and online",
			"offers": []string{offer}, "states": []string{"FRA"}, "notes": "Agenda: the CSIRT's training plan."})
		want(t, "the secretariat convenes", st, 201, body)
		meeting := body["id"].(string)
		if ps, _ := body["participants"].([]any); len(ps) != 2 {
			t.Fatalf("participants %v, want the offerer and France", body["participants"])
		}

		t.Run("the participants, the requesting State and the secretariat see it; nobody else", func(t *testing.T) {
			for _, c := range []struct {
				name   string
				who    apiClient
				status int
			}{{"the secretariat", w.sec, 200}, {"the requesting State", w.senEd, 200}, {"the offerer asked", w.orgA, 200}, {"a State asked", w.fraAp, 200},
				{"another organisation", w.orgB, 404}, {"the public", w.anon, 401}} {
				st, body := c.who.do(t, "GET", base+"/meetings/"+meeting, nil)
				want(t, c.name, st, c.status, body)
				if c.status == 200 && body["notes"] != "Agenda: the CSIRT's training plan." {
					t.Errorf("%s reads notes %v", c.name, body["notes"])
				}
			}
			st, body := w.orgA.do(t, "GET", base+"/needs/"+need, nil)
			want(t, "the offerer asked reads the secretariat-only need", st, 200, body)
			st, body = w.orgB.do(t, "GET", base+"/needs/"+need, nil)
			want(t, "another organisation reads the need", st, 404, body)
			st, body = w.orgB.do(t, "GET", base+"/needs/"+need+"/meetings", nil)
			want(t, "another organisation lists the meetings", st, 404, body)
			st, body = w.fraAp.do(t, "GET", base+"/needs/"+need+"/meetings", nil)
			want(t, "France lists the meetings", st, 200, body)
			if len(items(t, body)) != 1 {
				t.Errorf("France sees %d meetings", len(items(t, body)))
			}
		})

		t.Run("the participants are told by e-mail", func(t *testing.T) {
			list := outbox(t, rig)
			if !mailedTo(list, "Friends of Senegal", "stakeholder") || !mailedTo(list, "Friends of Senegal", "state-approver") {
				t.Errorf("participants not mailed: %v", list)
			}
		})

		t.Run("only the convening side keeps the notes", func(t *testing.T) {
			st, body := w.orgA.do(t, "PUT", base+"/meetings/"+meeting+"/notes", map[string]any{"notes": "Mine"})
			want(t, "the offerer writes the notes", st, 403, body)
			st, body = w.fraAp.do(t, "PUT", base+"/meetings/"+meeting+"/notes", map[string]any{"notes": "Mine"})
			want(t, "a participating State writes the notes", st, 403, body)
			st, body = w.senEd.do(t, "PUT", base+"/meetings/"+meeting+"/notes", map[string]any{"notes": "Bad\x07notes"})
			want(t, "a control character", st, 422, body)
			st, body = w.senEd.do(t, "PUT", base+"/meetings/"+meeting+"/notes", map[string]any{"notes": "Senegal will invite the training offer.\nNext: a needs assessment."})
			want(t, "the requesting State writes the notes", st, 200, body)
		})

		t.Run("the meeting page offers the State its choice; nothing is agreed without it", func(t *testing.T) {
			c := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "SEN"))
			resp := c.Do(t, "GET", "/capacity/meetings/"+meeting, nil, nil)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), "Senegal will invite") || !strings.Contains(string(b), `name="offer" value="`+offer+`"`) {
				t.Fatalf("meeting page %d lacks notes or the invitation: %s", resp.StatusCode, b)
			}
			var matches int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM capacity_matches WHERE need_id = ?`, need).Scan(&matches)
			if matches != 0 {
				t.Errorf("convening a meeting paired %d offers", matches)
			}
			resp = c.PostForm(t, "/capacity/needs/"+need+"/meetings", url.Values{"meets_on": {"2027-04-01"}, "states": {"DEU, JPN"}})
			if resp.StatusCode != 303 {
				t.Fatalf("the State convenes by form: %d", resp.StatusCode)
			}
			if n := count(); n != 2 {
				t.Errorf("%d meetings, want 2", n)
			}
			o := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, ""))
			if resp := o.Do(t, "GET", "/capacity/meetings/"+meeting, nil, nil); resp.StatusCode != 404 {
				t.Errorf("another organisation's page: %d", resp.StatusCode)
			}
		})
	})
}
