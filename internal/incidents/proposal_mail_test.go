package incidents_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// mailsTo runs the queued jobs and returns the messages sent to addr.
func mailsTo(t *testing.T, rig *testrig.Rig, addr string) []mail.ParsedMessage {
	t.Helper()
	rig.DrainJobs(t)
	list, err := mail.List(rig.OutboxDir(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.ParsedMessage
	for _, e := range list {
		if strings.Contains(e.To, addr) {
			m, err := mail.Read(rig.OutboxDir(), e.Name)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

func TestTheProposerIsToldOfTheDecision(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		member := rig.User(t, auth.RoleStakeholder, "")
		org := rig.Token(t, member)

		// A new incident, accepted: the proposer is told, with its address.
		var p struct{ ID string }
		if st := call(t, rig, org, "POST", "/api/v1/incident-proposals", `{"incident":`+incidentJSON+`}`, &p); st != http.StatusCreated {
			t.Fatalf("propose: %d", st)
		}
		if got := mailsTo(t, rig, member.Email); len(got) != 0 {
			t.Fatalf("mail before the decision: %d", len(got))
		}
		var acc struct {
			IncidentID string `json:"incident_id"`
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"accept"}`, &acc); st != 200 {
			t.Fatalf("accept: %d", st)
		}
		got := mailsTo(t, rig, member.Email)
		if len(got) != 1 || got[0].Subject != "Proposal accepted: Grid blackout" || !strings.Contains(got[0].Text, "/incidents/"+acc.IncidentID) ||
			!strings.Contains(got[0].Text, "published it") || !strings.Contains(got[0].Text, "/incidents/proposals/"+p.ID) {
			t.Fatalf("acceptance mail: %+v", got)
		}

		// A correction, refused, to a proposer reading French: the reason is in it.
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE users SET lang = 'fr' WHERE id = ?`, member.ID); err != nil {
			t.Fatal(err)
		}
		corr := strings.Replace(incidentJSON, `"impact":4`, `"impact":5`, 1)
		if st := call(t, rig, org, "POST", "/api/v1/incident-proposals", `{"incident_id":"`+acc.IncidentID+`","incident":`+corr+`}`, &p); st != http.StatusCreated {
			t.Fatalf("correction: %d", st)
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"reject","reason":"The sources do not support level 5."}`, nil); st != 200 {
			t.Fatalf("reject: %d", st)
		}
		got = mailsTo(t, rig, member.Email)
		if len(got) != 2 {
			t.Fatalf("%d messages", len(got))
		}
		var refusal *mail.ParsedMessage
		for i := range got {
			if strings.HasPrefix(got[i].Subject, "Proposition non retenue") {
				refusal = &got[i]
			}
		}
		if refusal == nil || !strings.Contains(refusal.Subject, "Grid blackout") || !strings.Contains(refusal.Text, "The sources do not support level 5.") {
			t.Fatalf("refusal mail: %+v", got)
		}

		// A refused review (no reason) sends nothing.
		if st := call(t, rig, org, "POST", "/api/v1/incident-proposals", `{"incident":`+incidentJSON+`}`, &p); st != http.StatusCreated {
			t.Fatalf("propose: %d", st)
		}
		if st := call(t, rig, sec, "POST", "/api/v1/incident-proposals/"+p.ID+"/review", `{"decision":"reject"}`, nil); st != 422 {
			t.Fatalf("reject without reason: %d", st)
		}
		if got := mailsTo(t, rig, member.Email); len(got) != 2 {
			t.Errorf("a refused review sent mail: %d messages", len(got))
		}
	})
}
