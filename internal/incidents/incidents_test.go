package incidents_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

const incidentJSON = `{"name":"Grid blackout","summary":"A destructive attack on distribution companies.","start":"2015-12","end":"2015-12-23",
 "type":"disruption","receivers":[{"state":"UKR","sector":"ci-energy"}],"initiators":[{"name":"Sandworm Team","state":"RUS"}],
 "techniques":["T1566.001"],"zero_day":false,"impact":4,"sources":[{"url":"https://example.org/report","title":"Report","date":"2016-01-05"}]}`

// call sends JSON with a bearer token and decodes the answer into out.
func call(t *testing.T, rig *testrig.Rig, token, method, path, body string, out any) int {
	t.Helper()
	c := rig.Anonymous(t)
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	var b any
	if body != "" {
		b = body
	}
	resp := c.Do(t, method, path, b, h)
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

type apiErr struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func TestJourneyOverTheAPI(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		org := rig.Token(t, rig.User(t, auth.RoleStakeholder, ""))
		other := rig.Token(t, rig.User(t, auth.RoleStakeholder, ""))
		fra := rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA"))
		deu := rig.Token(t, rig.User(t, auth.RoleStateApprover, "DEU"))
		fraEd := rig.Token(t, rig.User(t, auth.RoleStateEditor, "FRA"))
		rus := rig.Token(t, rig.User(t, auth.RoleStateApprover, "RUS"))

		// A research institute proposes; another organisation cannot see it.
		var p struct{ ID, Status string }
		if st := call(t, rig, org, "POST", "/api/v1/incident-proposals", `{"incident":`+incidentJSON+`,"note":"from our report"}`, &p); st != http.StatusCreated {
			t.Fatalf("propose: %d", st)
		}
		if st := call(t, rig, other, "GET", "/api/v1/incident-proposals/"+p.ID, "", nil); st != http.StatusNotFound {
			t.Errorf("another organisation sees the proposal: %d", st)
		}
		if st := call(t, rig, org, "POST", "/api/v1/incidents", incidentJSON, nil); st != http.StatusForbidden {
			t.Errorf("an organisation creates an incident: %d", st)
		}
		// The secretariat rejects without a reason (422), then accepts.
		var e apiErr
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"reject"}`, &e); st != 422 || e.Error.Field != "reason" {
			t.Errorf("reject without reason: %d %+v", st, e)
		}
		var acc struct {
			IncidentID string `json:"incident_id"`
			Status     string
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"accept"}`, &acc); st != 200 || acc.Status != "accepted" {
			t.Fatalf("accept: %d %+v", st, acc)
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"accept"}`, nil); st != http.StatusConflict {
			t.Errorf("second decision: %d", st)
		}
		incID := acc.IncidentID
		var inc struct {
			Initiators []struct {
				GroupID string `json:"group_id"`
			}
		}
		if st := call(t, rig, "", "GET", "/api/v1/incidents/"+incID, "", &inc); st != 200 || len(inc.Initiators) != 1 || inc.Initiators[0].GroupID != "G0034" {
			t.Fatalf("public incident: %d %+v", st, inc)
		}

		// A joint statement: France drafts it with Germany; France's editor cannot
		// name a State for Germany alone; it is published when both sign.
		stmt := `{"date":"2016-02-01","attributor_kind":"state","attributor_states":["FRA","DEU"],"basis":"other-government",
			"named_state":"RUS","named_actor":"Sandworm Team","norms":["gge2015-c","gge2015-f"],"law_topics":["sovereignty"],"law":["Article 2(4) of the Charter"],
			"evidence":[{"url":"https://example.org/ev","title":"Technical annex","kind":"report"}]}`
		if st := call(t, rig, fraEd, "POST", "/api/v1/incidents/"+incID+"/attributions", strings.Replace(stmt, `["FRA","DEU"]`, `["DEU"]`, 1), &e); st != 422 || e.Error.Field != "attributor_states" {
			t.Errorf("France for Germany alone: %d %+v", st, e)
		}
		var a struct {
			ID, Status string
			Signed     []string `json:"signed_by"`
			Days       int      `json:"days_after_incident"`
		}
		if st := call(t, rig, fra, "POST", "/api/v1/incidents/"+incID+"/attributions", stmt, &a); st != http.StatusCreated || a.Status != "draft" || len(a.Signed) != 1 {
			t.Fatalf("draft joint statement: %d %+v", st, a)
		}
		if a.Days != 62 {
			t.Errorf("days after = %d, want 62 (2015-12-01 to 2016-02-01)", a.Days)
		}
		if st := call(t, rig, "", "GET", "/api/v1/incidents?named=RUS", "", nil); st != 200 {
			t.Errorf("list: %d", st)
		}
		var list struct{ Items []struct{ ID string } }
		call(t, rig, "", "GET", "/api/v1/incidents?attributor=FRA", "", &list)
		if len(list.Items) != 0 {
			t.Errorf("a draft statement counts in the public facets")
		}
		if st := call(t, rig, rus, "POST", "/api/v1/incident-attributions/"+a.ID+"/sign", "", nil); st != http.StatusNotFound {
			t.Errorf("Russia signs a draft it cannot see: %d", st)
		}
		if st := call(t, rig, rus, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial"}`, nil); st != http.StatusNotFound {
			t.Errorf("Russia answers a draft: %d", st)
		}
		if st := call(t, rig, deu, "POST", "/api/v1/incident-attributions/"+a.ID+"/sign", "", &a); st != 200 || a.Status != "published" {
			t.Fatalf("Germany signs: %d %+v", st, a)
		}
		if st := call(t, rig, fra, "POST", "/api/v1/incident-attributions/"+a.ID+"/sign", "", nil); st != http.StatusConflict {
			t.Errorf("sign again: %d", st)
		}
		// The named State's denial, by its approver; Germany cannot answer for it.
		if st := call(t, rig, deu, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial"}`, nil); st != http.StatusForbidden {
			t.Errorf("Germany answers for Russia: %d", st)
		}
		if st := call(t, rig, rus, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"shrug"}`, &e); st != 422 || e.Error.Field != "response" {
			t.Errorf("bad answer: %d %+v", st, e)
		}
		if st := call(t, rig, rus, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial","date":"2016-02-02","url":"https://example.org/denial"}`, nil); st != 200 {
			t.Errorf("denial: %d", st)
		}
		call(t, rig, "", "GET", "/api/v1/incidents?attributor=FRA&norm=gge2015-f", "", &list)
		if len(list.Items) != 1 {
			t.Errorf("facets after publication: %+v", list)
		}

		// Responses: against a State not named is refused; France's approver
		// records only France's measures.
		resp := `{"kind":"sanctions","date":"2016-03-01","by_states":["FRA"],"against_state":"CHN","description":"Asset freezes.","sources":[{"url":"https://example.org/s","title":"Decision"}]}`
		if st := call(t, rig, fra, "POST", "/api/v1/incidents/"+incID+"/responses", resp, &e); st != 422 || e.Error.Field != "against_state" {
			t.Errorf("response against a State not named: %d %+v", st, e)
		}
		if st := call(t, rig, fra, "POST", "/api/v1/incidents/"+incID+"/responses", strings.Replace(strings.Replace(resp, "CHN", "RUS", 1), `["FRA"]`, `["DEU"]`, 1), &e); st != 422 || e.Error.Field != "by_states" {
			t.Errorf("France records Germany's measure: %d %+v", st, e)
		}
		if st := call(t, rig, fra, "POST", "/api/v1/incidents/"+incID+"/responses", strings.Replace(resp, "CHN", "RUS", 1), nil); st != http.StatusCreated {
			t.Errorf("response: %d", st)
		}

		// The public page shows all of it, with history.
		page := rig.Anonymous(t).GetBody(t, "/incidents/"+incID)
		for _, want := range []string{"Grid blackout", "Denial", "gge2015-f", "joint statement", "Sanctions", "History of changes", "Sovereignty", "Article 2(4)"} {
			if !strings.Contains(page, want) {
				t.Errorf("incident page lacks %q", want)
			}
		}
		body := rig.Anonymous(t).GetBody(t, "/incidents?q=blackout")
		if !strings.Contains(body, "Grid blackout") {
			t.Errorf("search does not find the incident")
		}
		for _, path := range []string{"/incidents/states/FRA", "/incidents/states/DEU", "/incidents/states/RUS", "/incidents/norms/gge2015-f", "/incidents/actors/G0034",
			"/incidents/timeline", "/incidents?named=RUS&norm=gge2015-c"} {
			if !strings.Contains(rig.Anonymous(t).GetBody(t, path), "Grid blackout") {
				t.Errorf("%s does not list the incident", path)
			}
		}
		for _, path := range []string{"/incidents/stats", "/incidents/stats.csv", "/incidents/actors", "/incidents/dataset"} {
			rig.Anonymous(t).GetBody(t, path)
		}
		// The groups' rows, kept once rendered, in each language's page.
		for _, path := range []string{"/incidents/actors", "/incidents/actors", "/incidents/actors?lang=fr"} {
			if b := rig.Anonymous(t).GetBody(t, path); !strings.Contains(b, `<a href="/incidents/actors/G0034">G0034</a>`) || !strings.Contains(b, "Sandworm Team") {
				t.Errorf("%s lacks the ATT&CK group G0034", path)
			}
		}
		for _, c := range []struct{ file, want string }{{"incidents.csv", "Grid blackout"}, {"attributions.csv", "FRA;DEU"}, {"responses.csv", "sanctions"}} {
			if b := rig.Anonymous(t).GetBody(t, "/incidents/dataset/"+c.file); !strings.Contains(b, c.want) {
				t.Errorf("%s lacks %q: %.300s", c.file, c.want, b)
			}
		}
		var ds struct {
			Incidents []struct {
				Name         string
				Attributions []struct{ Response string }
				Responses    []struct{ Kind string }
			}
		}
		if err := json.Unmarshal([]byte(rig.Anonymous(t).GetBody(t, "/incidents/dataset/incidents.json")), &ds); err != nil {
			t.Fatalf("dataset JSON: %v", err)
		}
		if len(ds.Incidents) != 1 || len(ds.Incidents[0].Attributions) != 1 || ds.Incidents[0].Attributions[0].Response != "denial" || len(ds.Incidents[0].Responses) != 1 {
			t.Errorf("dataset JSON: %+v", ds)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		cases := []struct{ name, from, to, field string }{
			{"dates in the wrong order", `"end":"2015-12-23"`, `"end":"2015-11-02"`, "end"},
			{"a bad date", `"start":"2015-12"`, `"start":"Dec 2015"`, "start"},
			{"an unknown State", `"state":"UKR"`, `"state":"XXX"`, "receivers[0].state"},
			{"an unknown sector", `"ci-energy"`, `"energy"`, "receivers[0].sector"},
			{"an unknown technique", `"T1566.001"`, `"T9999"`, "techniques"},
			{"a non-http source", `https://example.org/report`, `javascript:alert(1)`, "sources[0].url"},
			{"an impact off the scale", `"impact":4`, `"impact":9`, "impact"},
			{"a control character in the name", `Grid blackout`, `Grid\u0007blackout`, "name"},
			{"no source", `"sources":[{"url":"https://example.org/report","title":"Report","date":"2016-01-05"}]`, `"sources":[]`, "sources"},
		}
		for _, c := range cases {
			var e apiErr
			body := strings.Replace(incidentJSON, c.from, c.to, 1)
			if st := call(t, rig, sec, "POST", "/api/v1/incidents", body, &e); st != 422 || e.Error.Field != c.field {
				t.Errorf("%s: %d %+v", c.name, st, e)
			}
		}
		var e apiErr
		if st := call(t, rig, sec, "POST", "/api/v1/incidents", `{"name":"x"}`, &e); st != 422 || e.Error.Field == "" {
			t.Errorf("missing fields: %d %+v", st, e)
		}
		var n int
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incidents`).Scan(&n)
		if n != 0 {
			t.Errorf("%d incidents written by refused requests", n)
		}
		// A statement naming an unknown norm, and one before the incident.
		var x struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
		if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil); st != 200 {
			t.Fatalf("publish: %d", st)
		}
		stmt := `{"date":"2016-02-01","attributor_kind":"state","attributor_states":["FRA"],"basis":"receiver-government","named_state":"RUS","norms":["gge2015-f"]}`
		for _, c := range []struct{ from, to, field string }{
			{`"gge2015-f"`, `"gge2015-z"`, "norms"},
			{`"norms":["gge2015-f"]`, `"norms":["gge2015-f"],"law_topics":["no-such-topic"]`, "law_topics"},
			{`"2016-02-01"`, `"2015-11-30"`, "date"},
			{`"named_state":"RUS"`, `"named_state":"ZZZ"`, "named_state"},
			{`"basis":"receiver-government"`, `"basis":"hunch"`, "basis"},
			{`"named_state":"RUS"`, `"named_state":""`, "named_state"},
		} {
			var e apiErr
			if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/attributions", strings.Replace(stmt, c.from, c.to, 1), &e); st != 422 || e.Error.Field != c.field {
				t.Errorf("statement %s: %d %+v", c.to, st, e)
			}
		}
		// A statement that names only an actor has no State's response.
		var a struct{ ID string }
		if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/attributions", strings.Replace(stmt, `"named_state":"RUS"`, `"named_actor":"APT28"`, 1), &a); st != 201 {
			t.Fatalf("actor-only statement: %d", st)
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial"}`, &e); st != 422 || e.Error.Field != "response" {
			t.Errorf("response for a State not named: %d %+v", st, e)
		}
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incident_attributions`).Scan(&n)
		if n != 1 {
			t.Errorf("%d statements, want 1", n)
		}
	})
}

func TestDraftsAndProposalsAreHidden(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := rig.Token(t, secU)
		var x struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
		for _, role := range []auth.Role{auth.RoleStakeholder, auth.RoleStateApprover, auth.RoleStateEditor} {
			tok := rig.Token(t, rig.User(t, role, ""))
			if st := call(t, rig, tok, "GET", "/api/v1/incidents/"+x.ID, "", nil); st != 404 {
				t.Errorf("%s sees a draft: %d", role, st)
			}
		}
		if st := call(t, rig, "", "GET", "/api/v1/incidents/"+x.ID, "", nil); st != 404 {
			t.Errorf("public sees a draft: %d", st)
		}
		if resp := rig.Anonymous(t).Get(t, "/incidents/"+x.ID); resp.StatusCode != 404 {
			t.Errorf("draft page: %d", resp.StatusCode)
		}
		// The HTML journey of a secretariat: publish through the form.
		c := rig.SignIn(t, secU)
		resp := c.PostForm(t, "/incidents/publish/"+x.ID, url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish form: %d", resp.StatusCode)
		}
		if resp := rig.Anonymous(t).Get(t, "/incidents/"+x.ID); resp.StatusCode != 200 {
			t.Errorf("published page: %d", resp.StatusCode)
		}
		// A stakeholder cannot publish or review.
		st := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, ""))
		if resp := st.PostForm(t, "/incidents/publish/"+x.ID, url.Values{}); resp.StatusCode != 403 {
			t.Errorf("stakeholder publish: %d", resp.StatusCode)
		}
	})
}
