package positions_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

const supplyChain = `{"id":"supply-chain","norm_id":"proposed-supply-chain","title":"Protection of the ICT supply chain","text":"States should not tamper with ICT products.","proposed_by":"Cybersecurity Tech Accord","proposer_states":["NLD"],"body":"Global Mechanism","proposed_on":"2024-03-04"}`

// outboxCount counts the messages in the rig's mail outbox after draining jobs.
func outboxCount(t *testing.T, rig *testrig.Rig, to string) int {
	t.Helper()
	rig.DrainJobs(t)
	n := 0
	_ = filepath.Walk(rig.OutboxDir(), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), to) {
				n++
			}
		}
		return nil
	})
	return n
}

func TestProposalConsensus(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
		if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, sec); r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, testrig.Body(r))
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, sec); r.StatusCode != http.StatusConflict {
			t.Errorf("create twice: %d", r.StatusCode)
		}
		// A follower is e-mailed on a change of status.
		fu := rig.User(t, auth.RoleStakeholder, "")
		ftok := bearer(rig.Token(t, fu))
		if r := c.Do(t, "PUT", "/api/v1/positions/follows", `{"target":"proposal:supply-chain","follow":true}`, ftok); r.StatusCode != http.StatusOK {
			t.Fatalf("follow: %d %s", r.StatusCode, testrig.Body(r))
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/status", `{"status":"under-discussion","on_date":"2024-07-01"}`, sec); r.StatusCode != http.StatusOK {
			t.Fatalf("status: %d %s", r.StatusCode, testrig.Body(r))
		}
		if n := outboxCount(t, rig, fu.Email); n != 1 {
			t.Errorf("follower got %d messages, want 1", n)
		}
		fra := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA")))
		deu := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "DEU")))
		for _, tc := range []struct {
			name, body string
			who        map[string]string
			status     int
			field      string
		}{
			{"another State's position", `{"state":"DEU","stance":"supports","stated_on":"2024-07-01","source_kind":"statement"}`, fra, 403, "state"},
			{"unknown stance", `{"stance":"maybe","stated_on":"2024-07-01","source_kind":"statement"}`, fra, 422, "stance"},
			{"amendments without text", `{"stance":"supports-with-amendments","stated_on":"2024-07-01","source_kind":"statement"}`, fra, 422, "amendment"},
			{"future date", `{"stance":"supports","stated_on":"2999-01-01","source_kind":"statement"}`, fra, 422, "stated_on"},
			{"bad source kind", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"rumour"}`, fra, 422, "source_kind"},
			{"non-http source", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"document","source_ref":"javascript://x"}`, fra, 422, "source_ref"},
			{"secretariat without source", `{"state":"DEU","stance":"supports","stated_on":"2024-07-01","source_kind":"public-statement"}`, sec, 422, "source_ref"},
			{"unknown field", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"statement","votes":3}`, fra, 422, "votes"},
		} {
			r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", tc.body, tc.who)
			body := testrig.Body(r)
			if r.StatusCode != tc.status || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s", tc.name, r.StatusCode, body)
			}
		}
		if n := count(t, rig, "positions_proposal_stances"); n != 0 {
			t.Fatalf("refused requests wrote %d positions", n)
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/nope/positions", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"statement"}`, fra); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown proposal: %d", r.StatusCode)
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"stance":"opposes","reason":"premature","stated_on":"2024-07-01","source_kind":"statement"}`, fra); r.StatusCode != http.StatusCreated {
			t.Fatalf("record: %d %s", r.StatusCode, testrig.Body(r))
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"stance":"supports-with-amendments","amendment":"Add: in accordance with international law.","stated_on":"2024-12-01","source_kind":"statement"}`, fra); r.StatusCode != http.StatusCreated {
			t.Fatalf("record change: %d %s", r.StatusCode, testrig.Body(r))
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"stance":"supports","stated_on":"2024-11-01","source_kind":"statement"}`, fra); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a position dated before the current one: %d", r.StatusCode)
		}
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"state":"DEU","stance":"supports","stated_on":"2024-12-01","source_kind":"public-statement","source_ref":"https://example.org/deu"}`, sec); r.StatusCode != http.StatusCreated {
			t.Fatalf("secretariat record: %d %s", r.StatusCode, testrig.Body(r))
		}
		_ = deu
		org := rig.User(t, auth.RoleStakeholder, "")
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/endorsements", `{"note":"We support it."}`, bearer(rig.Token(t, org))); r.StatusCode != http.StatusCreated {
			t.Fatalf("endorse: %d %s", r.StatusCode, testrig.Body(r))
		}
		var cv struct {
			Counts       map[string]int
			Obstacles    []struct{ State, Stance, Amendment string }
			Timeline     []struct{ Date string }
			History      []struct{ Stance string }
			Endorsements []struct{ Note string }
		}
		decode(t, c.Get(t, "/api/v1/positions/proposals/supply-chain"), &cv)
		if cv.Counts["supports"] != 1 || cv.Counts["supports-with-amendments"] != 1 || cv.Counts["opposes"] != 0 || cv.Counts["not-stated"] != 193 {
			t.Errorf("counts %v", cv.Counts)
		}
		if len(cv.Obstacles) != 1 || cv.Obstacles[0].State != "FRA" || cv.Obstacles[0].Amendment == "" {
			t.Errorf("obstacles %+v", cv.Obstacles)
		}
		if len(cv.History) != 3 || len(cv.Timeline) != 2 || len(cv.Endorsements) != 1 {
			t.Errorf("history %d, timeline %d, endorsements %d", len(cv.History), len(cv.Timeline), len(cv.Endorsements))
		}
		page := c.GetBody(t, "/positions/proposals/supply-chain")
		if !strings.Contains(page, "Add: in accordance with international law.") || !strings.Contains(page, "We support it.") || !strings.Contains(page, "<svg") {
			t.Errorf("consensus page lacks the amendment, the endorsement or the map")
		}
		csv := c.GetBody(t, "/positions/proposals/supply-chain/positions.csv")
		if !strings.Contains(csv, "DEU,Germany,weog,supports,,,2024-12-01,public-statement,https://example.org/deu,yes") {
			t.Errorf("CSV:\n%.500s", csv)
		}
	})
}

func TestTopicFollowerIsMailedOnPublication(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	reader := rig.User(t, auth.RoleStakeholder, "")
	rc := rig.SignIn(t, reader)
	if r := rc.PostForm(t, "/positions/follow", map[string][]string{"target": {"topic:ihl"}, "follow": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("follow by form: %d", r.StatusCode)
	}
	if page := rc.GetBody(t, "/positions/following"); !strings.Contains(page, "Stop following") {
		t.Errorf("following page does not show the topic followed")
	}
	ed := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "JPN")))
	r := c.Do(t, "POST", "/api/v1/positions/documents", draftJSON, ed)
	var doc struct{ ID string }
	decode(t, r, &doc)
	if n := outboxCount(t, rig, reader.Email); n != 0 {
		t.Fatalf("mailed for a draft: %d", n)
	}
	c.Do(t, "POST", "/api/v1/positions/documents/"+doc.ID+"/publish", nil, ed)
	if n := outboxCount(t, rig, reader.Email); n != 1 {
		t.Errorf("follower of IHL got %d messages, want 1", n)
	}
}
