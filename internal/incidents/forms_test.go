package incidents_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestJourneyThroughTheForms walks the journey with the HTML forms
// alone (no JavaScript): a research institute proposes an incident, the
// secretariat accepts it, France and Germany sign a joint statement citing
// norms (c) and (f), Russia's denial is recorded, and a signed-out visitor
// finds it.
func TestJourneyThroughTheForms(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		inst := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, rig.Organisation(t, "Institute for Cyber Research")))
		sec := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
		fra := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
		deu := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "DEU"))
		rus := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "RUS"))

		form := url.Values{"name": {"Satellite modem wipe"}, "summary": {"Modems of a satellite network were wiped.\nService was lost in several countries."},
			"start": {"2022-02-24"}, "type": {"destruction"}, "receivers_text": {"UKR military\nDEU ci-energy"},
			"initiators_text": {"APT28 | RUS"}, "techniques": {"T1485, T1190"}, "impact": {"4"},
			"sources_text": {"https://example.org/viasat | Operator's report | 2022-03-30\nhttps://example.org/eu | EU statement"}, "note": {"Well documented."}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("sources_text", "ftp://example.org/x | Not the web")
		if resp := inst.PostForm(t, "/incidents/new", bad); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), "sources[0].url") {
			t.Fatalf("a non-http source: %d", resp.StatusCode)
		}
		resp := inst.PostForm(t, "/incidents/new", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("propose: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		proposal := resp.Header.Get("Location")
		if resp := rig.Anonymous(t).Get(t, proposal); resp.StatusCode == http.StatusOK {
			t.Errorf("the public sees the proposal")
		}
		if !strings.Contains(sec.GetBody(t, "/incidents/proposals"), "Satellite modem wipe") {
			t.Errorf("not in the secretariat's queue")
		}
		page := sec.GetBody(t, proposal)
		id := proposal[strings.LastIndex(proposal, "/")+1:]
		accept := url.Values{"decision": {"accept"}}
		for _, f := range []string{"name", "summary", "start", "end", "type", "receivers_text", "initiators_text", "techniques", "impact", "sources_text"} {
			m := regexp.MustCompile(`(?s)name="` + f + `"[^>]*?(?:value="([^"]*)"[^>]*)?>(?:([^<]*)</textarea>)?`).FindStringSubmatch(page)
			if m != nil {
				accept.Set(f, unescape(m[1]+m[2]))
			}
		}
		accept.Set("type", "destruction")
		accept.Set("impact", "4")
		accept.Set("name", "Satellite modem wipe (KA-SAT)")
		resp = sec.PostForm(t, "/incidents/review/"+id, accept)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		incident := resp.Header.Get("Location")
		incID := incident[strings.LastIndex(incident, "/")+1:]
		// A second decision from the page opened before the first: refused
		// with the reason in the reader's language and a link back.
		resp = sec.Do(t, "POST", "/incidents/review/"+id, url.Values{"decision": {"reject"}, "reason": {"Дубликат."}}, map[string]string{"Referer": rig.URL + proposal, "Accept-Language": "ru"})
		if body := testrig.Body(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "по этому предложению уже принято решение") ||
			!strings.Contains(body, "Ничего не изменено") || !strings.Contains(body, `href="`+proposal+`"`) {
			t.Errorf("a decision on a proposal already decided: %d\n%s", resp.StatusCode, body)
		}

		stmt := url.Values{"date": {"2022-05-10"}, "attributor_kind": {"state"}, "attributor_states": {"FRA, DEU"}, "basis": {"other-government"},
			"named_state": {"RUS"}, "named_actor": {"APT28"}, "norms": {"gge2015-c", "gge2015-f"}, "law_text": {"sovereignty\nnon-intervention"},
			"evidence_text": {"https://example.org/annex | Technical annex | report"}}
		if resp := fra.PostForm(t, "/incidents/attribute/"+incID, stmt); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("France drafts: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		page = deu.GetBody(t, incident)
		m := regexp.MustCompile(`action="/incidents/sign/([A-Z0-9]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no sign button for Germany")
		}
		if strings.Contains(rig.Anonymous(t).GetBody(t, incident), "joint statement") {
			t.Errorf("the draft statement is public")
		}
		if resp := deu.PostForm(t, "/incidents/sign/"+m[1], url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("Germany signs: %d", resp.StatusCode)
		}
		if resp := rus.PostForm(t, "/incidents/answer/"+m[1], url.Values{"response": {"denial"}, "date": {"2022-05-11"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("Russia's denial: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		pub := rig.Anonymous(t)
		for _, path := range []string{"/incidents?q=satellite", "/incidents/states/FRA", "/incidents/states/DEU", "/incidents/norms/gge2015-f"} {
			if !strings.Contains(pub.GetBody(t, path), "Satellite modem wipe (KA-SAT)") {
				t.Errorf("%s does not show the incident", path)
			}
		}
		body := pub.GetBody(t, incident)
		for _, want := range []string{"Denial", "joint statement", "gge2015-c", "Institute for Cyber Research", "Germany"} {
			if !strings.Contains(body, want) {
				t.Errorf("the incident page lacks %q", want)
			}
		}
		// The norms are named by their titles, in the reader's language.
		for path, want := range map[string]string{
			incident + "?lang=fr":                "(c) Empêcher l&#39;utilisation abusive des TIC",
			"/incidents/norms/gge2015-f?lang=fr": "(f) Ne pas endommager les infrastructures critiques",
			"/incidents/norms/gge2015-f?lang=ar": "(f) عدم الإضرار بالبنية التحتية الحيوية",
			"/incidents/states/FRA?lang=ar":      "(f) عدم الإضرار بالبنية التحتية الحيوية",
			"/incidents?lang=fr":                 ">(f) Ne pas endommager les infrastructures critiques</option>",
		} {
			if b := rig.Anonymous(t).GetBody(t, path); !strings.Contains(b, want) { // ?lang= stays with the client
				t.Errorf("%s does not name the norm %q", path, want)
			}
		}
		if csv := pub.GetBody(t, "/incidents/dataset/attributions.csv"); !strings.Contains(csv, "FRA;DEU") || !strings.Contains(csv, "denial") {
			t.Errorf("attributions.csv: %s", csv)
		}
	})
}

func unescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`).Replace(s)
}
