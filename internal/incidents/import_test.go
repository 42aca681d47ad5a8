package incidents_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

const cfrCSV = "Title,Date,Affiliations,Description,Response,Victims,Sponsor,Type,Category,Sources\n" +
	"Power grid disruption,12/23/2015,\"Sandworm Team\",Outage after an intrusion.,Denial,Ukraine,Russia,Sabotage,Government,https://example.org/a https://example.org/b\n" +
	"Parliament e-mail theft,2015-05,APT28,Mailboxes stolen.,,Germany,Russian Federation,Espionage,Government,https://example.org/c\n"

func TestImport(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		org := rig.Token(t, rig.User(t, auth.RoleStakeholder, ""))
		count := func() (n int) {
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT (SELECT COUNT(*) FROM incidents) + (SELECT COUNT(*) FROM incident_proposals)`).Scan(&n)
			return n
		}
		c := rig.Anonymous(t)
		post := func(tok, format, body string) (int, string) {
			resp := c.Do(t, "POST", "/api/v1/incidents/import?format="+format, body, map[string]string{"Authorization": "Bearer " + tok})
			return resp.StatusCode, testrig.Body(resp)
		}
		// Bad files are refused whole, with the line and the reason.
		for _, bad := range []struct{ name, body, want string }{
			{"an unknown State on line 3", strings.Replace(cfrCSV, "Germany", "Atlantis", 1), "line 3: Victims"},
			{"an unknown type", strings.Replace(cfrCSV, "Sabotage", "Mischief", 1), "line 2: Type"},
			{"a non-http source", strings.Replace(cfrCSV, "https://example.org/c", "file:///etc/passwd", 1), "line 3: sources[0].url"},
			{"a bad date", strings.Replace(cfrCSV, "12/23/2015", "yesterday", 1), "line 2: start"},
			{"an unknown column", strings.Replace(cfrCSV, "Category", "Mood", 1), "line 1: mood"},
			{"a broken quote", cfrCSV + "\"Unclosed,2020,,x,,France,,Espionage,Government,https://example.org/d\n", "line 4"},
		} {
			st, body := post(sec, "cfr-csv", bad.body)
			if st != 422 || !strings.Contains(body, bad.want) {
				t.Errorf("%s: %d %s", bad.name, st, body)
			}
		}
		if st, body := post(sec, "json", `{"incidents":[{"name":"x","summary":"y","start":"2020","type":"espionage","receivers":[{"state":"FRA","sector":"government"}],"impact":1,"sources":[{"url":"https://example.org","title":"t"}]},{"name":"z"}]}`); st != 422 || !strings.Contains(body, "line 2") {
			t.Errorf("a bad JSON record: %d %s", st, body)
		}
		if n := count(); n != 0 {
			t.Fatalf("%d records written by refused files", n)
		}
		// Good files: the secretariat's become drafts, an organisation's proposals.
		if st, body := post(sec, "cfr-csv", cfrCSV); st != http.StatusCreated || strings.Count(body, `"01`) != 2 {
			t.Fatalf("import: %d %s", st, body)
		}
		var drafts int
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incidents WHERE status = 'draft' AND origin = 'import' AND actor_ids LIKE '%,G0034,%'`).Scan(&drafts)
		if drafts != 1 {
			t.Errorf("%d drafts linked to Sandworm Team", drafts)
		}
		if st, _ := post(org, "cfr-csv", cfrCSV); st != http.StatusCreated {
			t.Errorf("organisation import: %d", st)
		}
		var props int
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incident_proposals WHERE status = 'submitted'`).Scan(&props)
		if props != 2 {
			t.Errorf("%d proposals", props)
		}
		// The platform's own JSON round-trips: export, then import.
		x := struct{ ID string }{}
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
		call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
		export := rig.Anonymous(t).GetBody(t, "/incidents/dataset/incidents.json")
		if st, body := post(sec, "json", export); st != http.StatusCreated {
			t.Errorf("re-import of the export: %d %s", st, body)
		}
		if st, _ := post(rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA")), "json", export); st != http.StatusForbidden {
			t.Errorf("a State imports: %d", st)
		}
		// The HTML form (multipart) shows the line and the reason.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("format", "cfr-csv")
		fw, _ := mw.CreateFormFile("file", "tracker.csv")
		_, _ = fw.Write([]byte(strings.Replace(cfrCSV, "Germany", "Atlantis", 1)))
		_ = mw.Close()
		cl := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
		req, _ := http.NewRequest("POST", rig.URL+"/incidents/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := cl.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if body := testrig.Body(resp); resp.StatusCode != 422 || !strings.Contains(body, "Atlantis") || !strings.Contains(body, "3") {
			t.Errorf("import form: %d", resp.StatusCode)
		}
	})
}

func TestImportCarriesStatements(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		c := rig.Anonymous(t)
		post := func(body string) (int, string) {
			resp := c.Do(t, "POST", "/api/v1/incidents/import?format=json", body, map[string]string{"Authorization": "Bearer " + sec})
			return resp.StatusCode, testrig.Body(resp)
		}
		// A published incident with a joint statement naming Russia, and its denial.
		var x struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
		call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
		var a struct{ ID string }
		if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/attributions", `{"date":"2016-02-01","attributor_kind":"state","attributor_states":["FRA","DEU"],
			"basis":"other-government","named_state":"RUS","named_actor":"Sandworm Team","norms":["gge2015-c","gge2015-f"],"law":["Article 2(4) of the Charter"]}`, &a); st != http.StatusCreated {
			t.Fatalf("statement: %d", st)
		}
		call(t, rig, sec, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial","date":"2016-02-03"}`, nil)
		export := rig.Anonymous(t).GetBody(t, "/incidents/dataset/incidents.json")
		counts := func() (incs, atts int) {
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incidents`).Scan(&incs)
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM incident_attributions`).Scan(&atts)
			return
		}

		// A statement with an unknown norm, or an answer when no State is
		// named, refuses the whole file with the incident and the field.
		for _, bad := range []struct{ name, body, want string }{
			{"an unknown norm", strings.Replace(export, `"gge2015-f"],"law_topics"`, `"gge2015-z"],"law_topics"`, 1), `attributions[0].norms`},
			{"a bad statement date", strings.Replace(export, `"date":"2016-02-01"`, `"date":"1999-01-01"`, 1), `attributions[0].date`},
			{"an answer with no State named", strings.Replace(export, `"named_state":"RUS",`, ``, 1), `attributions[0].response`},
			{"statements that are not a list", strings.Replace(export, `"attributions":[`, `"attributions":{"x":[`, 1), `line 1`},
		} {
			i0, a0 := counts()
			st, body := post(bad.body)
			if st != 422 || !strings.Contains(body, bad.want) || !strings.Contains(body, "line 1") {
				t.Errorf("%s: %d %s", bad.name, st, body)
			}
			if i, a := counts(); i != i0 || a != a0 {
				t.Errorf("%s: written (%d incidents, %d statements)", bad.name, i-i0, a-a0)
			}
		}

		// The export re-imported: a draft incident with the statement and its answer.
		var res struct {
			Drafts     []string
			Statements int
		}
		resp := c.Do(t, "POST", "/api/v1/incidents/import?format=json", export, map[string]string{"Authorization": "Bearer " + sec})
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusCreated || len(res.Drafts) != 1 || res.Statements != 1 {
			t.Fatalf("import: %d %+v %v", resp.StatusCode, res, err)
		}
		var states, named, response, norms string
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT attributor_states, named_state, response, norms FROM incident_attributions WHERE incident_id = ?`, res.Drafts[0]).
			Scan(&states, &named, &response, &norms); err != nil {
			t.Fatal(err)
		}
		if states != ",DEU,FRA," && states != ",FRA,DEU," || named != "RUS" || response != "denial" || !strings.Contains(norms, "gge2015-f") {
			t.Errorf("imported statement: %s %s %s %s", states, named, response, norms)
		}
		// Hidden while the incident is a draft; shown once it is published.
		if st := call(t, rig, "", "GET", "/api/v1/incidents/"+res.Drafts[0], "", nil); st != http.StatusNotFound {
			t.Errorf("the draft is public: %d", st)
		}
		call(t, rig, sec, "POST", "/api/v1/incidents/"+res.Drafts[0]+"/publish", "", nil)
		var view struct {
			Attributions []struct{ Response string } `json:"attributions"`
		}
		if st := call(t, rig, "", "GET", "/api/v1/incidents/"+res.Drafts[0], "", &view); st != 200 || len(view.Attributions) != 1 || view.Attributions[0].Response != "denial" {
			t.Errorf("published import: %d %+v", st, view)
		}
	})
}
