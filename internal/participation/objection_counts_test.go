package participation_test

import (
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// countedBefore is how ObjectionCounts counted before the counts were
// kept: every objection (withdrawn ones included) in a body that names
// objecting States.
const countedBefore = `SELECT x.state_iso3, COUNT(*) FROM participation_objections x
	JOIN participation_applications a ON a.id = x.application_id JOIN participation_bodies b ON b.id = a.body_id
	WHERE b.name_objectors = ? GROUP BY x.state_iso3 ORDER BY COUNT(*) DESC, x.state_iso3`

func TestObjectionCountsMatchACountOfEveryObjectionAfterEachWrite(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		// A second instance on the same database, as behind a load
		// balancer: it must see every write at once.
		other := participation.NewService(rig.App.Services)
		check := func(t *testing.T, after string) {
			t.Helper()
			rows, err := rig.DB.QueryContext(rig.Ctx, countedBefore, true)
			if err != nil {
				t.Fatal(err)
			}
			want := []participation.ObjectionCount{}
			for rows.Next() {
				var c participation.ObjectionCount
				if err := rows.Scan(&c.StateISO3, &c.Count); err != nil {
					t.Fatal(err)
				}
				want = append(want, c)
			}
			rows.Close()
			for _, s := range []*participation.Service{svc, other} {
				got, err := s.ObjectionCounts(rig.Ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("after %s: counts %v, want %v", after, got, want)
				}
			}
		}
		check(t, "nothing")

		as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
		sec := as(rig.User(t, auth.RoleSecretariat, ""))
		base := "/api/v1/participation"
		named := map[string]any{"name": "Named", "modality": "non-objection-veto", "name_objectors": true}
		unnamed := map[string]any{"name": "Unnamed", "modality": "non-objection-decision"}
		st, body := sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "named", "name": named["name"], "modality": named["modality"], "name_objectors": true})
		want(t, "create the named body", st, 201, body)
		st, body = sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "unnamed", "name": unnamed["name"], "modality": unnamed["modality"]})
		want(t, "create the unnamed body", st, 201, body)
		var apps []string
		for _, org := range []string{"First NGO", "Second NGO"} {
			c := as(rig.User(t, auth.RoleStakeholder, rig.Organisation(t, org)))
			for _, b := range []string{"named", "unnamed"} {
				st, body := c.do(t, "POST", base+"/applications", map[string]any{"body": b, "justification": "We work on the body's mandate."})
				want(t, "apply to "+b, st, 201, body)
				apps = append(apps, body["id"].(string))
			}
		}
		for _, b := range []string{"named", "unnamed"} {
			st, body := sec.do(t, "POST", base+"/bodies/"+b+"/circulate", nil)
			want(t, "circulate "+b, st, 200, body)
		}

		fra := as(rig.User(t, auth.RoleStateApprover, "FRA"))
		deu := as(rig.User(t, auth.RoleStateApprover, "DEU"))
		for i, app := range apps {
			st, body := fra.do(t, "POST", base+"/applications/"+app+"/objection", map[string]any{"reason": "No"})
			want(t, "FRA objects", st, 200, body)
			check(t, "an objection")
			if i%2 == 0 {
				st, body = deu.do(t, "POST", base+"/applications/"+app+"/objection", map[string]any{"reason": "No"})
				want(t, "DEU objects", st, 200, body)
				check(t, "a second State's objection")
			}
		}
		st, body = deu.do(t, "DELETE", base+"/applications/"+apps[0]+"/objection", nil)
		want(t, "DEU withdraws", st, 200, body)
		check(t, "a withdrawal (which still counts)")

		unnamed["name_objectors"] = true
		st, body = sec.do(t, "PUT", base+"/bodies/unnamed", unnamed)
		want(t, "name the unnamed body's objectors", st, 200, body)
		check(t, "a body starting to name objectors")
		named["name_objectors"] = false
		st, body = sec.do(t, "PUT", base+"/bodies/named", named)
		want(t, "stop naming the named body's objectors", st, 200, body)
		check(t, "a body ceasing to name objectors")

		if err := participation.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 1, func(string) {}); err != nil {
			t.Fatal(err)
		}
		check(t, "the demo's objections")
	})
}

// TestStatePagesWalkTheWholeRecord walks a State's objections and votes a
// few at a time (votes cast at one instant, so the order's second key
// decides) and finds every row of the full list once, in its order; a
// page after a row not in the list is refused.
func TestStatePagesWalkTheWholeRecord(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := participation.NewService(rig.App.Services)
		bodyID := id.New()
		if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_bodies (id, slug, name, modality, name_objectors, created_at) VALUES (?, 'walk', 'Walk', 'veto', ?, ?)`, bodyID, true, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		fillObjections(t, rig, bodyID, 0, 400)
		iso3 := states.All()[0].ISO3
		objections, votes := wholeRecord(t, rig, svc, iso3)
		var walked []string
		for after, pages := "", 0; pages == 0 || after != ""; pages++ {
			page, next, err := svc.StateObjectionsPage(rig.Ctx, iso3, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				walked = append(walked, o.Application.ID+o.CreatedAt.String())
			}
			after = next
		}
		var all []string
		for _, o := range objections {
			all = append(all, o.Application.ID+o.CreatedAt.String())
		}
		if !reflect.DeepEqual(walked, all) {
			t.Errorf("objections walked two at a time:\n%v\nwant\n%v", walked, all)
		}
		walked, all = nil, nil
		for after, pages := "", 0; pages == 0 || after != ""; pages++ {
			page, next, err := svc.StateVotesPage(rig.Ctx, iso3, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page {
				walked = append(walked, v.Application.ID)
			}
			after = next
		}
		for _, v := range votes {
			all = append(all, v.Application.ID)
		}
		if !reflect.DeepEqual(walked, all) {
			t.Errorf("votes walked three at a time:\n%v\nwant\n%v", walked, all)
		}
		// An objection in a body that does not name objecting States is no
		// row of the list: as a cursor it is refused like an unknown one,
		// so that the page tells nothing of it.
		hidden := id.New()
		if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO participation_bodies (id, slug, name, modality, name_objectors, created_at) VALUES (?, 'hidden', 'Hidden', 'veto', ?, ?)`, hidden, false, time.Now().UTC()); err != nil {
			t.Fatal(err)
		}
		fillObjections(t, rig, hidden, 400, 420)
		var secret, objector string
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT x.application_id, x.state_iso3 FROM participation_objections x JOIN participation_applications a ON a.id = x.application_id
			WHERE a.body_id = ? ORDER BY x.state_iso3 LIMIT 1`, hidden).Scan(&secret, &objector); err != nil {
			t.Fatal(err)
		}
		c := rig.Anonymous(t)
		// Each list's link to its next page says which list it pages, so
		// that a screen reader's list of links tells the two apart.
		defer participation.SetStatePageRows(2)()
		page := testrig.Body(c.Get(t, "/participation/states/"+iso3))
		for _, list := range []string{"objections", "votes"} {
			if !strings.Contains(page, ">Next page of "+list+"<") {
				t.Errorf("a State's page has no link named %q", "Next page of "+list)
			}
		}
		if strings.Contains(page, ">Next page<") {
			t.Error(`a State's page has a link named only "Next page"`)
		}
		for q, field := range map[string]string{iso3 + "?after=" + id.New(): "after", objector + "?after=" + secret: "after", iso3 + "?votes_after=nothing": "votes_after",
			iso3 + "?after=" + objections[0].Application.ID + "&votes_after=" + id.New(): "votes_after", iso3 + "?votes_after=%00": "votes_after"} {
			resp := c.Get(t, "/participation/states/"+q)
			if body := testrig.Body(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, field+":") {
				t.Errorf("a State's page ?%s: status %d, want 400 naming %s", q, resp.StatusCode, field)
			}
		}
	})
}

// wholeRecord reads a State's objections and votes unpaged, the lists a
// walk through their pages must find, and fails if they are too short to
// take several pages.
func wholeRecord(t *testing.T, rig *testrig.Rig, svc *participation.Service, iso3 string) ([]participation.StateObjection, []participation.StateVoteRecord) {
	t.Helper()
	objections, err := svc.StateObjections(rig.Ctx, iso3)
	if err != nil {
		t.Fatal(err)
	}
	votes, err := svc.StateVotes(rig.Ctx, iso3)
	if err != nil {
		t.Fatal(err)
	}
	if len(objections) < 5 || len(votes) < 5 {
		t.Fatalf("%d objections and %d votes: too few to walk", len(objections), len(votes))
	}
	return objections, votes
}
