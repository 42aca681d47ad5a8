package positions_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestDocumentsRefuseBadInput posts bad position documents route by route
// and checks the status, the field named and that nothing was written.
func TestDocumentsRefuseBadInput(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		ed := bearer(rig.Token(t, rig.User(t, auth.RoleStateEditor, "FRA")))
		sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
		org := bearer(rig.Token(t, rig.User(t, auth.RoleStakeholder, "")))
		good := func(repl ...string) string {
			s := draftJSON
			for i := 0; i+1 < len(repl); i += 2 {
				if !strings.Contains(s, repl[i]) {
					t.Fatalf("test input lacks %q", repl[i])
				}
				s = strings.Replace(s, repl[i], repl[i+1], 1)
			}
			return s
		}
		for _, tc := range []struct {
			name   string
			who    map[string]string
			body   string
			status int
			field  string
		}{
			{"no title", ed, good(`"title":"Application of international law to States' conduct in cyberspace"`, `"title":""`), 422, "title"},
			{"future date", ed, good("2019-09-09", "2999-09-09"), 422, "issued_on"},
			{"bad date", ed, good("2019-09-09", "09/09/2019"), 422, "issued_on"},
			{"no language", ed, good(`["fr","en"]`, `[]`), 422, "languages"},
			{"bad language", ed, good(`["fr","en"]`, `["french"]`), 422, "languages"},
			{"ftp source", ed, good("https://www.example.org", "ftp://www.example.org"), 422, "source_url"},
			{"passage without topic", ed, good(`"topics":["sovereignty"]`, `"topics":[]`), 422, "passages[0].topics"},
			{"unknown topic", ed, good(`"topics":["sovereignty"]`, `"topics":["piracy"]`), 422, "passages[0].topics"},
			{"passage without text", ed, good(`"text":"Cyberspace is not a lawless zone: sovereignty applies to it and a cyberattack may breach it."`, `"text":" "`), 422, "passages[0].text"},
			{"answer not in the set", ed, good(`"answer":"yes","passage":1`, `"answer":"perhaps","passage":1`), 422, "stances[0].answer"},
			{"unknown question", ed, good(`"question":"sovereignty-rule"`, `"question":"is-it-law"`), 422, "stances[0].question"},
			{"stance on a missing passage", ed, good(`"answer":"yes","passage":1`, `"answer":"yes","passage":9`), 422, "stances[0].passage"},
			{"another State", ed, good(`"title"`, `"state":"DEU","title"`), 403, "state"},
			{"editor writes a joint position", ed, good(`"title"`, `"kind":"joint","title"`), 403, "kind"},
			{"endorsements on a national position", sec, good(`"title"`, `"state":"DEU","endorsements":[{"state":"KEN","endorsed_on":"2024-01-01"}],"title"`), 422, "endorsements"},
			{"secretariat without a State", sec, draftJSON, 422, "state"},
			{"joint without group", sec, good(`"title"`, `"kind":"joint","endorsements":[{"state":"KEN","endorsed_on":"2024-01-01"}],"title"`), 422, "group"},
			{"joint endorsed by no State", sec, good(`"title"`, `"kind":"joint","group":"AU","endorsements":[{"state":"XXX","endorsed_on":"2024-01-01"}],"title"`), 422, "endorsements[0].state"},
			{"NUL in a title", ed, good(`"title":"Application`, `"title":"App\u0000lication`), 422, "title"},
			{"unknown field", ed, good(`"title"`, `"secret":1,"title"`), 422, "secret"},
		} {
			r := c.Do(t, "POST", "/api/v1/positions/documents", tc.body, tc.who)
			body := testrig.Body(r)
			if r.StatusCode != tc.status || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s", tc.name, r.StatusCode, body)
			}
		}
		if r := c.Do(t, "POST", "/api/v1/positions/documents", draftJSON, org); r.StatusCode != http.StatusForbidden {
			t.Errorf("a stakeholder writes a position: %d", r.StatusCode)
		}
		if r := c.Do(t, "POST", "/api/v1/positions/documents", draftJSON, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("the public writes a position: %d", r.StatusCode)
		}
		for _, table := range []string{"positions_documents", "positions_passages", "positions_stances", "positions_endorsements"} {
			if n := count(t, rig, table); n != 0 {
				t.Errorf("refused requests wrote %d rows to %s", n, table)
			}
		}
		// Topics and questions: the secretariat's, checked.
		for _, tc := range []struct {
			name, path, body string
			who              map[string]string
			status           int
			field            string
		}{
			{"topic id", "/api/v1/positions/topics", `{"id":"Bad Id","titles":{"en":"X"},"descriptions":{"en":"Y"}}`, sec, 422, "id"},
			{"topic without English", "/api/v1/positions/topics", `{"id":"piracy","titles":{"fr":"X"},"descriptions":{"en":"Y"}}`, sec, 422, "titles.en"},
			{"topic in Klingon", "/api/v1/positions/topics", `{"id":"piracy","titles":{"en":"X","tlh":"Y"},"descriptions":{"en":"Y"}}`, sec, 422, "titles"},
			{"topic twice", "/api/v1/positions/topics", `{"id":"sovereignty","titles":{"en":"X"},"descriptions":{"en":"Y"}}`, sec, 409, "id"},
			{"topic by a State", "/api/v1/positions/topics", `{"id":"piracy","titles":{"en":"X"},"descriptions":{"en":"Y"}}`, ed, 403, ""},
			{"question on no topic", "/api/v1/positions/questions", `{"id":"q1","topic":"piracy","text":"Q?","answers":[{"id":"yes","label":"Yes"},{"id":"no","label":"No"}]}`, sec, 422, "topic"},
			{"question with one answer", "/api/v1/positions/questions", `{"id":"q1","topic":"ihl","text":"Q?","answers":[{"id":"yes","label":"Yes"}]}`, sec, 422, "answers"},
			{"question answering not-stated", "/api/v1/positions/questions", `{"id":"q1","topic":"ihl","text":"Q?","answers":[{"id":"yes","label":"Yes"},{"id":"not-stated","label":"N"}]}`, sec, 422, "answers[1].id"},
			{"question twice", "/api/v1/positions/questions", `{"id":"ihl-applies","topic":"ihl","text":"Q?","answers":[{"id":"yes","label":"Yes"},{"id":"no","label":"No"}]}`, sec, 409, "id"},
		} {
			r := c.Do(t, "POST", tc.path, tc.body, tc.who)
			body := testrig.Body(r)
			if r.StatusCode != tc.status || (tc.field != "" && !strings.Contains(body, `"field":"`+tc.field+`"`)) {
				t.Errorf("%s: %d %s", tc.name, r.StatusCode, body)
			}
		}
		if n := count(t, rig, "positions_topics"); n != 11 {
			t.Errorf("%d topics after refused requests, want the 11 shipped", n)
		}
		// A topic changed by the secretariat keeps its earlier text.
		if r := c.Do(t, "PUT", "/api/v1/positions/topics/sovereignty", `{"titles":{"en":"Sovereignty","fr":"Souveraineté"},"descriptions":{"en":"Revised."}}`, sec); r.StatusCode != http.StatusOK {
			t.Fatalf("change a topic: %d %s", r.StatusCode, testrig.Body(r))
		}
		if n := count(t, rig, "positions_topic_versions"); n != 1 {
			t.Errorf("%d earlier topic versions kept, want 1", n)
		}
		// Pages: bad filters are refused with 400 and the page still shown.
		for _, p := range []string{"/positions/topics/sovereignty?year=abc", "/positions/topics/sovereignty?region=mars", "/positions/compare?states=FRA", "/positions/compare?states=FRA,XXX", "/positions/compare?states=FRA,DEU,EST,KEN,NGA"} {
			if r := c.Get(t, p); r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
		for _, p := range []string{"/positions/topics/piracy", "/positions/states/XXX", "/positions/documents/nope", "/positions/proposals/nope", "/api/v1/positions/documents/nope", "/api/v1/positions/questions/nope/stances"} {
			if r := c.Get(t, p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: %d", p, r.StatusCode)
			}
		}
	})
}
