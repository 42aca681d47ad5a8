package participation

import (
	"testing"
	"time"
)

func TestBodyRecords(t *testing.T) {
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	veto := func(status string, objections int) Application {
		return Application{BodySlug: "oewg", BodyName: "OEWG", SessionID: "s", Modality: ModalityVeto, Status: status, Objections: objections, DecidedAt: &end}
	}
	vote := func(status string) Application {
		return Application{BodySlug: "gm", BodyName: "Global Mechanism", SessionID: "s", Modality: ModalityDecision, Status: status, Objections: 1, VotingEndsAt: &end, DecidedAt: &end}
	}
	var list []Application
	for i := 0; i < 7; i++ {
		// The two bodies' sessions alternate, as they may in time.
		list = append(list, veto(StatusRefused, 1), vote(StatusAccredited))
	}
	list = append(list, Application{BodySlug: "oewg", Modality: ModalityVeto, Status: StatusObjection, SessionID: "s"}, Application{BodySlug: "oewg", Modality: ModalityVeto, Status: StatusAccredited, Standing: true})
	got := BodyRecords(list)
	if len(got) != 2 {
		t.Fatalf("%d bodies, want 2: %+v", len(got), got)
	}
	o, g := got[0], got[1]
	if o.Body != "oewg" || o.Applications != 9 || o.Sessions != 7 || o.Refused != 7 || o.RefusedByObjection != 7 || o.Objected != 7 || o.RefusedRun != 7 || o.LongestRefusedRun != 7 || o.RunObjections != 1 || o.ObjectedRun != 7 {
		t.Errorf("the veto body's record counts a pending application, a standing one or the other body: %+v", o)
	}
	if g.Body != "gm" || g.Sessions != 7 || g.Refused != 0 || g.RefusedRun != 0 || g.Objected != 7 || g.ObjectedRun != 7 || g.AccreditedByVote != 7 || !g.RunAccreditedByVote || g.RefusedByObjection != 0 {
		t.Errorf("the decision body's objections, overruled by vote, are not told apart from refusals: %+v", g)
	}

	t.Run("a run is broken by a session without refusal, and qualified only when every refusal in it was alike", func(t *testing.T) {
		r := BodyRecords([]Application{veto(StatusRefused, 1), veto(StatusRefused, 1), veto(StatusAccredited, 0), veto(StatusRefused, 2), veto(StatusRefused, 1)})[0]
		if r.RefusedRun != 2 || r.LongestRefusedRun != 2 || r.RunObjections != 0 || r.ObjectedRun != 2 {
			t.Errorf("%+v", r)
		}
		r = BodyRecords([]Application{veto(StatusRefused, 3), veto(StatusRefused, 3)})[0]
		if r.RunObjections != 3 {
			t.Errorf("two refusals by three objections each: %+v", r)
		}
		r = BodyRecords([]Application{vote(StatusRefused), vote(StatusAccredited)})[0]
		if r.RefusedByVote != 1 || r.AccreditedByVote != 1 || r.RunAccreditedByVote || r.ObjectedRun != 2 || r.RefusedRun != 0 {
			t.Errorf("a vote refused then a vote accredited: %+v", r)
		}
	})
}
