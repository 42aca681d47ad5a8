package capacity_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

type apiClient struct {
	c     *testrig.Client
	token string
}

func (a apiClient) do(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b any
	if body != nil {
		if s, ok := body.(string); ok {
			b = s
		} else {
			raw, _ := json.Marshal(body)
			b = string(raw)
		}
	}
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, method, path, b, h)
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func want(t *testing.T, what string, got, wantStatus int, body map[string]any) {
	t.Helper()
	if got != wantStatus {
		t.Fatalf("%s: status %d, want %d: %v", what, got, wantStatus, body)
	}
}

// world is the cast of the capacity tests.
type world struct {
	rig                            *testrig.Rig
	anon, sec, senEd, senAp, fraAp apiClient
	orgA, orgB                     apiClient
	orgASlug                       string
}

func newWorld(t *testing.T, rig *testrig.Rig) world {
	as := func(u *auth.User) apiClient { return apiClient{rig.Anonymous(t), rig.Token(t, u)} }
	w := world{rig: rig, anon: apiClient{rig.Anonymous(t), ""}}
	w.sec = as(rig.User(t, auth.RoleSecretariat, ""))
	w.senEd = as(rig.User(t, auth.RoleStateEditor, "SEN"))
	w.senAp = as(rig.User(t, auth.RoleStateApprover, "SEN"))
	w.fraAp = as(rig.User(t, auth.RoleStateApprover, "FRA"))
	w.orgASlug = rig.Organisation(t, "Tech Accord")
	w.orgA = as(rig.User(t, auth.RoleStakeholder, w.orgASlug))
	w.orgB = as(rig.User(t, auth.RoleStakeholder, ""))
	return w
}

const base = "/api/v1/capacity"

func needBody(title, vis string) map[string]any {
	return map[string]any{"title": title, "description": "Our national CSIRT needs training on incident handling.", "visibility": vis,
		"norms": []string{"gge2015-c"}, "topics": []string{"incident-response"}, "kinds": []string{"training"}, "languages": []string{"fr"},
		"starts_on": "2027-01-01", "ends_on": "2027-12-31"}
}

func offerBody(title string, publish bool) map[string]any {
	return map[string]any{"title": title, "description": "Two-week incident response training for CSIRT staff.", "norms": []string{"gge2015-c"},
		"topics": []string{"incident-response"}, "kinds": []string{"training"}, "languages": []string{"fr", "en"}, "regions": []string{"african"},
		"capacity": 2, "cost": "free", "contact": "training@example.org", "publish": publish}
}

// publishedNeed drafts (editor) and publishes (approver) a need.
func (w world) publishedNeed(t *testing.T, title, vis string) string {
	t.Helper()
	st, body := w.senEd.do(t, "POST", base+"/needs", needBody(title, vis))
	want(t, "draft need", st, 201, body)
	id := body["id"].(string)
	st, body = w.senAp.do(t, "POST", base+"/needs/"+id+"/publish", nil)
	want(t, "publish need", st, 200, body)
	return id
}

func items(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	raw, ok := body["items"].([]any)
	if !ok {
		t.Fatalf("no items list: %v", body)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i] = x.(map[string]any)
	}
	return out
}

func TestNeedsOffersAndMatching(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		pub := w.publishedNeed(t, "Public CSIRT training", "public")
		members := w.publishedNeed(t, "Members CSIRT training", "members")
		secret := w.publishedNeed(t, "Secretariat CSIRT training", "secretariat")
		st, body := w.senEd.do(t, "POST", base+"/needs", needBody("Draft need", "public"))
		want(t, "draft", st, 201, body)
		draft := body["id"].(string)

		t.Run("an editor cannot publish", func(t *testing.T) {
			st, body := w.senEd.do(t, "POST", base+"/needs/"+draft+"/publish", nil)
			want(t, "editor publishes", st, 403, body)
		})
		t.Run("another State's approver cannot publish", func(t *testing.T) {
			st, body := w.fraAp.do(t, "POST", base+"/needs/"+draft+"/publish", nil)
			want(t, "FRA publishes SEN's draft", st, 404, body)
		})

		st, body = w.orgA.do(t, "POST", base+"/offers", offerBody("Incident response training", true))
		want(t, "offer", st, 201, body)
		offer := body["id"].(string)

		visible := func(c apiClient) map[string]bool {
			st, body := c.do(t, "GET", base+"/needs?limit=100", nil)
			want(t, "list needs", st, 200, body)
			seen := map[string]bool{}
			for _, it := range items(t, body) {
				seen[it["id"].(string)] = true
			}
			return seen
		}
		for _, c := range []struct {
			name                        string
			who                         apiClient
			pub, members, secret, draft bool
		}{
			{"the public", w.anon, true, false, false, false},
			{"an organisation without offer", w.orgB, true, false, false, false},
			{"an organisation with an offer", w.orgA, true, true, false, false},
			{"another State", w.fraAp, true, true, false, false},
			{"the secretariat", w.sec, true, true, true, false},
			{"the requesting State", w.senEd, true, true, true, true},
		} {
			t.Run(c.name+" sees the needs its visibility allows", func(t *testing.T) {
				seen := visible(c.who)
				for id, ok := range map[string]bool{pub: c.pub, members: c.members, secret: c.secret, draft: c.draft} {
					if seen[id] != ok {
						t.Errorf("need %s in the list: %v, want %v", id, seen[id], ok)
					}
					st, _ := c.who.do(t, "GET", base+"/needs/"+id, nil)
					if (st == 200) != ok || (st != 200 && st != 404) {
						t.Errorf("need %s: status %d, visible should be %v", id, st, ok)
					}
					st, _ = c.who.do(t, "GET", base+"/needs/"+id+"/suggestions", nil)
					if (st == 200) != ok {
						t.Errorf("suggestions of need %s: status %d, visible should be %v", id, st, ok)
					}
				}
				st, body := c.who.do(t, "GET", base+"/offers/"+offer+"/suggestions", nil)
				want(t, "suggestions for the offer", st, 200, body)
				for _, it := range items(t, body) {
					id := it["need_id"].(string)
					if id == secret && !c.secret || id == members && !c.members || id == draft {
						t.Errorf("the offer's suggestions show need %s to %s", id, c.name)
					}
				}
			})
		}

		t.Run("the secretariat-only need is never on a page or in search for others", func(t *testing.T) {
			for _, p := range []string{"/capacity/needs", "/capacity/needs/" + secret, "/capacity", "/capacity/offers/" + offer} {
				resp := w.anon.c.Do(t, "GET", p, nil, nil)
				b, _ := io.ReadAll(resp.Body)
				if strings.Contains(string(b), "Secretariat CSIRT training") {
					t.Errorf("%s shows the secretariat-only need to the public", p)
				}
			}
		})

		t.Run("the offer is proposed for the need with its reasons", func(t *testing.T) {
			st, body := w.senEd.do(t, "GET", base+"/needs/"+pub+"/suggestions", nil)
			want(t, "suggestions", st, 200, body)
			list := items(t, body)
			if len(list) != 1 || list[0]["offer_id"] != offer {
				t.Fatalf("suggestions: %v", list)
			}
			var labels []string
			for _, r := range list[0]["reasons"].([]any) {
				labels = append(labels, r.(map[string]any)["label"].(string))
			}
			got := strings.Join(labels, ", ")
			for _, part := range []string{"norm (c)", "incident response", "French", "African States", "training"} {
				if !strings.Contains(got, part) {
					t.Errorf("reasons %q lack %q", got, part)
				}
			}
			resp := w.senAp.c.Do(t, "GET", "/capacity/needs/"+pub, nil, map[string]string{"Authorization": "Bearer " + w.senAp.token})
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), "Incident response training") || !strings.Contains(string(b), "French") {
				t.Errorf("the need's page does not propose the offer with its reasons")
			}
		})

		t.Run("the requesting State invites, the offerer accepts, a project starts", func(t *testing.T) {
			st, body := w.orgA.do(t, "POST", base+"/needs/"+pub+"/invitations", map[string]any{"offer": offer})
			want(t, "an offerer invites itself", st, 403, body)
			st, body = w.senEd.do(t, "POST", base+"/needs/"+pub+"/invitations", map[string]any{"offer": offer, "message": "Please help"})
			want(t, "invite", st, 201, body)
			match := body["id"].(string)
			st, body = w.senEd.do(t, "POST", base+"/needs/"+pub+"/invitations", map[string]any{"offer": offer})
			want(t, "invite twice", st, 409, body)
			st, body = w.orgB.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
			want(t, "another organisation accepts", st, 404, body)
			st, body = w.senAp.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
			want(t, "the State accepts its own invitation", st, 403, body)
			st, body = w.orgA.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
			want(t, "the offerer accepts", st, 200, body)
			if body["project_id"] == "" || body["project_id"] == nil {
				t.Errorf("no project: %v", body)
			}
			st, body = w.orgA.do(t, "GET", base+"/offers/"+offer, nil)
			want(t, "offer", st, 200, body)
			if body["engaged"].(float64) != 1 {
				t.Errorf("engaged = %v, want 1", body["engaged"])
			}
		})

		t.Run("an offerer's interest needs the State's approver", func(t *testing.T) {
			st, body := w.orgA.do(t, "POST", base+"/needs/"+members+"/interest", map[string]any{"offer": offer})
			want(t, "interest", st, 201, body)
			match := body["id"].(string)
			st, body = w.orgA.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
			want(t, "the offerer accepts its own interest", st, 403, body)
			st, body = w.senEd.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": true})
			want(t, "the State's editor accepts", st, 403, body)
			st, body = w.senAp.do(t, "POST", base+"/matches/"+match+"/response", map[string]any{"accept": false})
			want(t, "the State's approver declines", st, 200, body)
			st, body = w.orgB.do(t, "POST", base+"/needs/"+secret+"/interest", map[string]any{"offer": offer})
			want(t, "interest in a need one cannot see", st, 404, body)
		})
	})
}

func TestBadInputIsRefusedWithTheField(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		for _, c := range []struct {
			name, field string
			change      func(map[string]any)
		}{
			{"an unknown norm", "norms", func(b map[string]any) { b["norms"] = []string{"gge2015-z"} }},
			{"an unknown topic", "topics", func(b map[string]any) { b["topics"] = []string{"astrology"} }},
			{"dates in the wrong order", "ends_on", func(b map[string]any) { b["starts_on"], b["ends_on"] = "2027-05-01", "2027-01-01" }},
			{"a date that does not exist", "starts_on", func(b map[string]any) { b["starts_on"] = "2027-02-30" }},
			{"no visibility", "visibility", func(b map[string]any) { delete(b, "visibility") }},
			{"a control character in the title", "title", func(b map[string]any) { b["title"] = "Bad\x07title" }},
			{"no kind of help", "kinds", func(b map[string]any) { b["kinds"] = []string{} }},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := needBody("A need", "public")
				c.change(b)
				st, body := w.senEd.do(t, "POST", base+"/needs", b)
				want(t, c.name, st, 422, body)
				if e, _ := body["error"].(map[string]any); e["field"] != c.field {
					t.Errorf("field %v, want %s", e["field"], c.field)
				}
			})
		}
		st, body := w.senEd.do(t, "POST", base+"/needs", `{"title":"x","colour":"red"}`)
		want(t, "unknown field", st, 422, body)
		st, body = w.orgA.do(t, "POST", base+"/offers", map[string]any{"title": "An offer", "description": "Some help for someone.", "norms": []string{"gge2015-c"},
			"kinds": []string{"training"}, "languages": []string{"en"}, "regions": []string{"mars"}, "capacity": 1, "cost": "free"})
		want(t, "unknown region", st, 422, body)
		st, body = w.anon.do(t, "GET", base+"/needs?region=mars", nil)
		want(t, "bad filter", st, 422, body)
		st, body = w.anon.do(t, "POST", base+"/needs", needBody("x", "public"))
		want(t, "the public drafts", st, 401, body)
		st, body = w.orgA.do(t, "POST", base+"/needs", needBody("A need", "public"))
		want(t, "an organisation drafts a need", st, 403, body)
		var n int
		if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM capacity_needs`).Scan(&n); err != nil || n != 0 {
			t.Errorf("refused requests left %d needs (%v)", n, err)
		}
		_ = fmt.Sprint
		_ = http.StatusOK
	})
}
