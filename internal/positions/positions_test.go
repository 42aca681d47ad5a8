package positions_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

const draftJSON = `{"title":"Application of international law to States' conduct in cyberspace","issued_on":"2019-09-09","languages":["fr","en"],
"source_url":"https://www.example.org/fr-position.pdf",
"passages":[
 {"ref":"§1.1","text":"Cyberspace is not a lawless zone: sovereignty applies to it and a cyberattack may breach it.","topics":["sovereignty"]},
 {"ref":"§1.2","text":"States must not knowingly allow their territory to be used for acts contrary to the rights of other States.","topics":["due-diligence"]},
 {"ref":"§2","text":"International humanitarian law applies to cyber operations conducted in connection with an armed conflict.","topics":["ihl","use-of-force"]}],
"stances":[{"question":"sovereignty-rule","answer":"yes","passage":1},{"question":"ihl-applies","answer":"yes","passage":3}]}`

// count returns how many rows a table has.
func count(t *testing.T, rig *testrig.Rig, table string) int {
	t.Helper()
	var n int
	if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkTopicCounts compares the topics' kept counts with a count of the
// published documents' passages: a write that forgets them fails here.
func checkTopicCounts(t *testing.T, rig *testrig.Rig) {
	t.Helper()
	read := func(query string) map[string]int {
		out, err := db.Counts(rig.Ctx, rig.DB, query)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	kept := read(`SELECT topic_id, n FROM positions_topic_counts WHERE n <> 0`)
	counted := read(`SELECT t.topic_id, COUNT(DISTINCT t.document_id) FROM positions_passage_topics t
		JOIN positions_documents d ON d.id = t.document_id WHERE d.status = 'published' GROUP BY t.topic_id`)
	if !reflect.DeepEqual(kept, counted) {
		t.Errorf("topic counts kept %v, counted %v", kept, counted)
	}
}

func decode(t *testing.T, resp *http.Response, v any) {
	t.Helper()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDraftPublishRead(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		editor := rig.User(t, auth.RoleStateEditor, "FRA")
		approver := rig.User(t, auth.RoleStateApprover, "FRA")
		other := rig.User(t, auth.RoleStateApprover, "DEU")
		ec := rig.Anonymous(t)
		resp := ec.Do(t, "POST", "/api/v1/positions/documents", draftJSON, bearer(rig.Token(t, editor)))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		var doc struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Passages []struct {
				Topics []string `json:"topics"`
			} `json:"passages"`
		}
		decode(t, resp, &doc)
		if doc.Status != "draft" || len(doc.Passages) != 3 || len(doc.Passages[2].Topics) != 2 {
			t.Fatalf("draft = %+v", doc)
		}
		// The draft is the State's own: 404 to the public, another State and the secretariat.
		anon := rig.Anonymous(t)
		if r := anon.Get(t, "/api/v1/positions/documents/"+doc.ID); r.StatusCode != http.StatusNotFound {
			t.Errorf("public reads the draft: %d", r.StatusCode)
		}
		if r := anon.Get(t, "/positions/documents/"+doc.ID); r.StatusCode != http.StatusNotFound {
			t.Errorf("public reads the draft page: %d", r.StatusCode)
		}
		sec := rig.User(t, auth.RoleSecretariat, "")
		if r := anon.Do(t, "GET", "/api/v1/positions/documents/"+doc.ID, nil, bearer(rig.Token(t, sec))); r.StatusCode != http.StatusNotFound {
			t.Errorf("secretariat reads the draft: %d", r.StatusCode)
		}
		if r := anon.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/publish", nil, bearer(rig.Token(t, other))); r.StatusCode != http.StatusNotFound {
			t.Errorf("another State publishes the draft: %d", r.StatusCode)
		}
		// The editor cannot publish (route rule); the approver does.
		if r := anon.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/publish", nil, bearer(rig.Token(t, editor))); r.StatusCode != http.StatusForbidden {
			t.Errorf("editor publishes: %d", r.StatusCode)
		}
		if r := anon.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/publish", nil, bearer(rig.Token(t, approver))); r.StatusCode != http.StatusOK {
			t.Fatalf("approver publishes: %d %s", r.StatusCode, testrig.Body(r))
		}
		// A published position cannot be edited.
		if r := anon.Do(t, "PUT", "/api/v1/positions/documents/"+doc.ID, draftJSON, bearer(rig.Token(t, editor))); r.StatusCode != http.StatusConflict {
			t.Errorf("edit a published position: %d", r.StatusCode)
		}
		// The public reads it on the topic page, the State page, the comparison and the CSV.
		page := anon.GetBody(t, "/positions/topics/sovereignty")
		if !strings.Contains(page, "sovereignty applies to it") || !strings.Contains(page, "<svg") {
			t.Errorf("topic page lacks the passage or the map")
		}
		if page := anon.GetBody(t, "/positions/states/FRA"); !strings.Contains(page, "knowingly allow") {
			t.Errorf("State page lacks the passage")
		}
		if page := anon.GetBody(t, "/positions/compare?states=FRA,DEU"); !strings.Contains(page, "armed conflict") {
			t.Errorf("comparison lacks the passage")
		}
		// The shipped topics and questions are said in the reader's language
		// (the stances and the passages stay as the State wrote them).
		for path, wants := range map[string][]string{
			"/positions?lang=fr":                        {"Si et comment le principe de la souveraineté de l&#39;État s&#39;applique"},
			"/positions/topics/sovereignty?lang=fr":     {"La souveraineté est-elle une règle autonome", "Pas tranché", ">Oui</th>", "sovereignty applies to it"},
			"/positions/states/FRA?lang=ar":             {"هل السيادة قاعدة قائمة بذاتها", ">نعم</td>"},
			"/positions/compare?states=FRA,DEU&lang=es": {"¿Es la soberanía una norma autónoma", ">Sí</td>"},
			"/positions/compare?states=FRA,DEU&lang=zh": {"主权是否是一项独立规则"},
		} {
			page := rig.Anonymous(t).GetBody(t, path) // ?lang= stays with the client
			for _, want := range wants {
				if !strings.Contains(page, want) {
					t.Errorf("%s lacks %q", path, want)
				}
			}
		}
		if page := anon.GetBody(t, "/positions/search?q=lawless&topic=sovereignty&state=FRA"); !strings.Contains(page, "<mark>lawless</mark>") {
			t.Errorf("search does not find the passage")
		}
		var found struct{ Total int }
		decode(t, anon.Get(t, "/api/v1/positions/search?q=lawless&topic=ihl"), &found)
		if found.Total != 0 {
			t.Errorf("the topic facet does not narrow: %d", found.Total)
		}
		if r := anon.Get(t, "/positions/search?state=XXX"); r.StatusCode != http.StatusBadRequest {
			t.Errorf("search with a bad State: %d", r.StatusCode)
		}
		csv := anon.GetBody(t, "/positions/questions/sovereignty-rule/stances.csv")
		if !strings.Contains(csv, "FRA,France,weog,yes,Yes,"+doc.ID) || !strings.Contains(csv, "DEU,Germany,weog,not-stated") {
			t.Errorf("CSV:\n%.400s", csv)
		}
		var qv struct {
			Counts map[string]int `json:"counts"`
		}
		decode(t, anon.Get(t, "/api/v1/positions/questions/sovereignty-rule/stances"), &qv)
		if qv.Counts["yes"] != 1 || qv.Counts["not-stated"] != 194 {
			t.Errorf("counts %v", qv.Counts)
		}
		// A second position supersedes the first, which stays readable.
		resp = ec.Do(t, "POST", "/api/v1/positions/documents", strings.Replace(draftJSON, "2019-09-09", "2021-03-01", 1), bearer(rig.Token(t, approver)))
		var second struct{ ID string }
		decode(t, resp, &second)
		if r := anon.Do(t, "POST", "/api/v1/positions/documents/"+second.ID+"/publish", nil, bearer(rig.Token(t, approver))); r.StatusCode != http.StatusOK {
			t.Fatalf("publish second: %d", r.StatusCode)
		}
		var first struct {
			Status       string `json:"status"`
			SupersededBy string `json:"superseded_by"`
		}
		decode(t, anon.Get(t, "/api/v1/positions/documents/"+doc.ID), &first)
		if first.Status != "superseded" || first.SupersededBy != second.ID {
			t.Errorf("first after second: %+v", first)
		}
		if r := anon.Do(t, "PUT", "/api/v1/positions/documents/"+doc.ID, draftJSON, bearer(rig.Token(t, editor))); r.StatusCode != http.StatusConflict {
			t.Errorf("edit a superseded position: %d", r.StatusCode)
		}
		if page := anon.GetBody(t, "/positions/documents/"+second.ID+"/diff?with="+doc.ID); strings.Count(page, "Unchanged") != 3 || !strings.Contains(page, "2019-09-09") {
			t.Errorf("diff of two versions with the same passages")
		}
		if r := anon.Get(t, "/positions/documents/"+second.ID+"/diff?with=nope"); r.StatusCode != http.StatusNotFound {
			t.Errorf("diff with an unknown document: %d", r.StatusCode)
		}
		decode(t, anon.Get(t, "/api/v1/positions/search?q=lawless"), &found)
		if found.Total != 1 {
			t.Errorf("after superseding, search finds %d passages, want the current one", found.Total)
		}
		var list struct{ Items []json.RawMessage }
		decode(t, anon.Get(t, "/api/v1/positions/passages?topic=sovereignty"), &list)
		if len(list.Items) != 1 {
			t.Errorf("current passages on sovereignty: %d", len(list.Items))
		}
		checkTopicCounts(t, rig)
		// The index counts the published positions per topic: the
		// superseded one no longer counts.
		if m := regexp.MustCompile(`href="/positions/topics/sovereignty"[^>]*>[^<]*</a></th><td[^>]*>[^<]*</td><td class="num">(\d+)</td>`).FindStringSubmatch(anon.GetBody(t, "/positions")); m == nil || m[1] != "1" {
			t.Errorf("the index counts %v positions on sovereignty, want 1", m)
		}
	})
}

func TestSecretariatEntryAndJointPosition(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.User(t, auth.RoleSecretariat, "")
		tok := rig.Token(t, sec)
		c := rig.Anonymous(t)
		body := strings.Replace(draftJSON, `"title"`, `"state":"AUS","title"`, 1)
		resp := c.Do(t, "POST", "/api/v1/positions/documents", body, bearer(tok))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("secretariat entry: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		var doc struct {
			ID            string
			Status        string
			BySecretariat bool `json:"by_secretariat"`
		}
		decode(t, resp, &doc)
		if doc.Status != "published" || !doc.BySecretariat {
			t.Fatalf("entry = %+v", doc)
		}
		page := c.GetBody(t, "/positions/documents/"+doc.ID)
		if !strings.Contains(page, "Entered by the secretariat from https://www.example.org/fr-position.pdf, 2019-09-09") {
			t.Errorf("entry not marked")
		}
		aus := rig.User(t, auth.RoleStateApprover, "AUS")
		if r := c.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/confirm", nil, bearer(rig.Token(t, aus))); r.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", r.StatusCode)
		}
		if page := c.GetBody(t, "/positions/documents/"+doc.ID); strings.Contains(page, "Entered by the secretariat") {
			t.Errorf("confirmed entry still marked")
		}
		joint := `{"kind":"joint","group":"African Union","title":"Common African Position on the application of international law to the use of ICTs in cyberspace","issued_on":"2024-01-29","languages":["en"],
"source_url":"https://au.int/en/documents/common-african-position","passages":[{"ref":"§12","text":"Due diligence is an obligation of conduct binding on States.","topics":["due-diligence"]}],
"stances":[{"question":"due-diligence-binding","answer":"yes","passage":1}],
"endorsements":[{"state":"KEN","endorsed_on":"2024-01-29"},{"state":"NGA","endorsed_on":"2024-01-29"}]}`
		resp = c.Do(t, "POST", "/api/v1/positions/documents", joint, bearer(tok))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("joint: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		if page := c.GetBody(t, "/positions/states/KEN"); !strings.Contains(page, "Common African Position") {
			t.Errorf("endorsing State's page lacks the joint position")
		}
		if page := c.GetBody(t, "/positions/topics/due-diligence?region=african"); !strings.Contains(page, "obligation of conduct") {
			t.Errorf("topic page filtered by region lacks the joint passage")
		}
		checkTopicCounts(t, rig)
	})
}

func TestFormJourney(t *testing.T) {
	rig := testrig.New(t)
	editor := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "EST"))
	form := url.Values{"slots": {"5"}, "title": {"Estonia's position"}, "issued_on": {"2019-05-29"}, "languages": {"en"}, "source_url": {"https://example.org/est"},
		"p1_ref": {"p. 1"}, "p1_text": {"Sovereignty is a rule."}, "p1_topics": {"sovereignty"},
		"p2_ref": {"p. 2"}, "p2_text": {"Countermeasures may be collective."}, "p2_topics": {"countermeasures"},
		"stance_collective-countermeasures": {"yes"}, "stancep_collective-countermeasures": {"2"}}
	resp := editor.PostForm(t, "/positions/documents", form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create by form: %d %s", resp.StatusCode, testrig.Body(resp))
	}
	loc := resp.Header.Get("Location")
	if page := editor.GetBody(t, loc); !strings.Contains(page, "Countermeasures may be collective.") {
		t.Errorf("draft page lacks the passage")
	}
	// Bad input is shown again with the values kept.
	bad := url.Values{"slots": {"5"}, "title": {"Kept title"}, "issued_on": {"2999-01-01"}, "languages": {"en"}}
	resp = editor.PostForm(t, "/positions/documents", bad)
	page := testrig.Body(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "cannot be in the future") || !strings.Contains(page, `value="Kept title"`) {
		t.Errorf("bad form: %d", resp.StatusCode)
	}
}

// TestSeedTranslatesShippedTopics: a shipped topic seeded when it had an
// English description alone takes the six languages at the next start; a
// topic the secretariat has curated since is left as it is.
func TestSeedTranslatesShippedTopics(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		english := `{"en":"When a cyber operation is attributable to a State, and what evidence and procedure attribution requires."}`
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE positions_topics SET descriptions = ? WHERE id IN ('attribution', 'ihl')`, english); err != nil {
			t.Fatal(err)
		}
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE positions_topics SET version = 2 WHERE id = 'ihl'`); err != nil {
			t.Fatal(err)
		}
		if err := positions.NewService(rig.App.Services).SeedTopics(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		var attribution, ihl string
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT descriptions FROM positions_topics WHERE id = 'attribution'`).Scan(&attribution)
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT descriptions FROM positions_topics WHERE id = 'ihl'`).Scan(&ihl)
		if !strings.Contains(attribution, "Quand une cyberopération est attribuable à un État") || !strings.Contains(attribution, `"ar":`) {
			t.Errorf("the English-only shipped topic was not translated: %s", attribution)
		}
		if ihl != english {
			t.Errorf("a curated topic was overwritten: %s", ihl)
		}
	})
}
