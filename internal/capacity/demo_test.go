package capacity_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestDemoAndSearch(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		rig.Organisation(t, "Demo Partner")
		if err := capacity.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(string) {}); err != nil {
			t.Fatalf("demo: %v", err)
		}
		var needs, offers, projects, milestones, events, meetings, joined, documents, invitations int
		for _, c := range []struct {
			query string
			n     *int
		}{{"capacity_needs", &needs}, {"capacity_offers", &offers}, {"capacity_projects", &projects}, {"capacity_milestones", &milestones}, {"capacity_events", &events},
			{"capacity_meetings", &meetings}, {"capacity_event_documents", &documents}, {"capacity_event_invitations", &invitations},
			{"(SELECT project_id FROM capacity_project_implementers GROUP BY project_id HAVING COUNT(*) > 1) x", &joined}} {
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM `+c.query).Scan(c.n); err != nil {
				t.Fatal(err)
			}
		}
		if needs < 40 || offers < 25 || projects == 0 || milestones == 0 || events < 12 {
			t.Errorf("demo: %d needs, %d offers, %d projects, %d milestones, %d events", needs, offers, projects, milestones, events)
		}
		if meetings == 0 || joined == 0 || documents < 3 || invitations < 6 {
			t.Errorf("demo: %d \"Friends of\" meetings, %d projects with several implementers, %d event documents, %d invitations; want some of each", meetings, joined, documents, invitations)
		}
		w := newWorld(t, rig)
		pub := w.publishedNeed(t, "Forensic readiness for the judiciary", "public")
		secret := w.publishedNeed(t, "Forensic readiness for the secret police", "secretariat")
		st, body := w.anon.do(t, "GET", base+"/search?q=forensic+readiness", nil)
		want(t, "public search", st, 200, body)
		var ids []string
		for _, h := range items(t, body) {
			ids = append(ids, h["ref"].(string))
		}
		if !strings.Contains(strings.Join(ids, " "), pub) || strings.Contains(strings.Join(ids, " "), secret) {
			t.Errorf("public search hits %v (public %s, secret %s)", ids, pub, secret)
		}
		if body["restricted_needs"] == nil || len(body["restricted_needs"].([]any)) != 0 {
			t.Errorf("the public gets restricted needs: %v", body["restricted_needs"])
		}
		st, body = w.sec.do(t, "GET", base+"/search?q=forensic+readiness&kind=need", nil)
		want(t, "secretariat search", st, 200, body)
		if r := body["restricted_needs"].([]any); len(r) != 1 || r[0].(map[string]any)["id"] != secret {
			t.Errorf("the secretariat's search: %v", r)
		}
		st, body = w.orgB.do(t, "GET", base+"/search?q=forensic&kind=need", nil)
		if len(body["restricted_needs"].([]any)) != 0 {
			t.Errorf("an organisation sees restricted needs in search")
		}
		st, body = w.anon.do(t, "GET", base+"/search?kind=planet", nil)
		want(t, "unknown kind", st, 422, body)
	})
}
