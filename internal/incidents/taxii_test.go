package incidents_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestTAXIICollection(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		for range 3 {
			var x struct{ ID string }
			call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
			call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
		}
		var draft struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &draft)
		c := rig.Anonymous(t)
		h := map[string]string{"Accept": "application/taxii+json;version=2.1"}
		base := "/taxii2/incidents/collections/" + incidents.TAXIICollectionID + "/"
		for _, p := range []string{"/taxii2/incidents/", "/taxii2/incidents/collections/", base} {
			if resp := c.Do(t, "GET", p, nil, h); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/taxii+json;version=2.1" {
				t.Errorf("%s: %d %s", p, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		if resp := c.Do(t, "GET", base, nil, map[string]string{"Accept": "application/xml"}); resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("wrong Accept: %d", resp.StatusCode)
		}
		if resp := c.Do(t, "GET", "/taxii2/incidents/collections/zz/objects/", nil, h); resp.StatusCode != 404 {
			t.Errorf("unknown collection: %d", resp.StatusCode)
		}
		// Walk the pages: every incident once, the draft never.
		seen := map[string]int{}
		next := ""
		for pages := 0; ; pages++ {
			q := url.Values{"limit": {"5"}}
			if next != "" {
				q.Set("next", next)
			}
			resp := c.Do(t, "GET", base+"objects/?"+q.Encode(), nil, h)
			var env struct {
				More    bool
				Next    string
				Objects []struct{ Type, ID string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || resp.StatusCode != 200 {
				t.Fatalf("page %d: %d %v", pages, resp.StatusCode, err)
			}
			for _, o := range env.Objects {
				if o.Type == "incident" {
					seen[o.ID]++
				}
			}
			if !env.More {
				break
			}
			next = env.Next
			if pages > 10 {
				t.Fatal("no end")
			}
		}
		if len(seen) != 3 {
			t.Errorf("incidents seen: %v", seen)
		}
		resp := c.Do(t, "GET", base+"objects/?match[type]=incident", nil, h)
		var env struct{ Objects []struct{ Type string } }
		_ = json.NewDecoder(resp.Body).Decode(&env)
		if len(env.Objects) != 3 {
			t.Errorf("match[type]=incident: %d objects", len(env.Objects))
		}
	})
}
