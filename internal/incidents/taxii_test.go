package incidents_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

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

// taxiiGet fetches a TAXII resource as an anonymous client and decodes it.
func taxiiGet(t *testing.T, rig *testrig.Rig, path string, out any) (int, http.Header) {
	t.Helper()
	resp := rig.Anonymous(t).Do(t, "GET", path, nil, map[string]string{"Accept": "application/taxii+json;version=2.1"})
	if out != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp.StatusCode, resp.Header
}

func TestTAXIIObjectManifestVersionsAndDiscovery(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		var ids []string
		for range 3 {
			var x struct{ ID string }
			call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &x)
			call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
			ids = append(ids, x.ID)
		}
		var draft struct{ ID string }
		call(t, rig, sec, "POST", "/api/v1/incidents", incidentJSON, &draft)
		var stmt struct{ ID string }
		if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+ids[0]+"/attributions", `{"date":"2016-02-01","attributor_kind":"state","attributor_states":["UKR"],"basis":"receiver-government","named_state":"RUS","norms":["gge2015-f"]}`, &stmt); st != http.StatusCreated {
			t.Fatalf("statement: %d", st)
		}
		base := "/taxii2/incidents/collections/" + incidents.TAXIICollectionID + "/"

		// Discovery lists this API root beside the bulletin's.
		var disc struct {
			Default  string   `json:"default"`
			APIRoots []string `json:"api_roots"`
		}
		if st, _ := taxiiGet(t, rig, "/taxii2/", &disc); st != 200 || !slices.Contains(disc.APIRoots, rig.URL+"/taxii2/incidents/") || !slices.Contains(disc.APIRoots, rig.URL+"/taxii2/bulletin/") {
			t.Errorf("discovery: %d %+v", st, disc)
		}

		// The manifest: every published incident's objects with versions, no draft.
		var man struct {
			More    bool
			Next    string
			Objects []struct {
				ID        string `json:"id"`
				Version   string `json:"version"`
				DateAdded string `json:"date_added"`
				MediaType string `json:"media_type"`
			}
		}
		st, h := taxiiGet(t, rig, base+"manifest/?match[type]=incident", &man)
		if st != 200 || len(man.Objects) != 3 || man.More || h.Get("X-TAXII-Date-Added-First") == "" {
			t.Fatalf("manifest: %d %+v", st, man)
		}
		incidentSTIX := map[string]string{} // STIX id -> version
		for _, o := range man.Objects {
			if o.Version == "" || o.DateAdded == "" || o.MediaType != "application/stix+json;version=2.1" {
				t.Errorf("manifest record: %+v", o)
			}
			incidentSTIX[o.ID] = o.Version
		}
		if len(incidentSTIX) != 3 {
			t.Errorf("manifest ids: %v", incidentSTIX)
		}
		// Paged by whole incidents: limit 1 gives one incident's objects and next.
		var page struct {
			More    bool
			Next    string
			Objects []struct{ ID string }
		}
		if st, _ := taxiiGet(t, rig, base+"manifest/?limit=1", &page); st != 200 || !page.More || page.Next == "" || len(page.Objects) < 5 {
			t.Errorf("manifest page: %d more=%v next=%q %d objects", st, page.More, page.Next, len(page.Objects))
		}
		if st, _ := taxiiGet(t, rig, base+"manifest/?next=%25%25", nil); st != 400 {
			t.Errorf("manifest bad next: %d", st)
		}

		// One object by id: the incident, at the manifest's version.
		var env struct {
			More    bool
			Objects []map[string]any
		}
		for sid, ver := range incidentSTIX {
			if st, h := taxiiGet(t, rig, base+"objects/"+sid+"/", &env); st != 200 || len(env.Objects) != 1 || env.Objects[0]["id"] != sid ||
				env.Objects[0]["modified"] != ver || h.Get("X-TAXII-Date-Added-Last") == "" {
				t.Errorf("object %s: %d %+v", sid, st, env)
			}
			break
		}
		for _, p := range []string{"objects/incident--00000000-0000-4000-8000-000000000000/", "objects/not-an-id/", "objects/incident--00000000-0000-4000-8000-000000000000/versions/"} {
			if st, _ := taxiiGet(t, rig, base+p, nil); st != 404 {
				t.Errorf("%s: %d", p, st)
			}
		}
		if st, _ := taxiiGet(t, rig, "/taxii2/incidents/collections/zz/manifest/", nil); st != 404 {
			t.Errorf("unknown collection's manifest: %d", st)
		}

		// The relationship "related-to" from the group to the State is in
		// each incident, at each incident's version: three versions, the
		// latest by default, first and all on request.
		shared := ""
		counts := map[string]int{}
		var man2 struct{ Objects []struct{ ID string } }
		taxiiGet(t, rig, base+"manifest/?match[type]=relationship", &man2)
		for _, o := range man2.Objects {
			counts[o.ID]++
			if counts[o.ID] == 3 {
				shared = o.ID
			}
		}
		if shared == "" {
			t.Fatalf("no relationship shared by the three incidents: %v", counts)
		}
		var vers struct {
			More     bool
			Versions []string
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/versions/", &vers); st != 200 || len(vers.Versions) != 3 || vers.More {
			t.Fatalf("versions: %d %+v", st, vers)
		}
		latest := slices.Max(vers.Versions)
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/", &env); st != 200 || len(env.Objects) != 1 || env.Objects[0]["modified"] != latest {
			t.Errorf("latest version: %d %+v, want %s", st, env, latest)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/?match[version]=first", &env); st != 200 || len(env.Objects) != 1 || env.Objects[0]["modified"] != slices.Min(vers.Versions) {
			t.Errorf("first version: %d %+v", st, env)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/?match[version]=all&limit=2", &env); st != 200 || len(env.Objects) != 2 || !env.More {
			t.Errorf("all versions, limit 2: %d %d more=%v", st, len(env.Objects), env.More)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/versions/?limit=1", &vers); st != 200 || len(vers.Versions) != 1 || !vers.More {
			t.Errorf("versions limit 1: %d %+v", st, vers)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+shared+"/?match[version]=yesterday", nil); st != 400 {
			t.Errorf("bad match[version]: %d", st)
		}

		// Recording the named State's answer changes the statement's report:
		// the manifest and versions give its new version, served by id.
		var reps struct {
			Objects []struct{ ID, Version string }
		}
		taxiiGet(t, rig, base+"manifest/?match[type]=report", &reps)
		if len(reps.Objects) != 1 {
			t.Fatalf("reports in the manifest: %+v", reps)
		}
		report, before := reps.Objects[0].ID, reps.Objects[0].Version
		time.Sleep(2 * time.Millisecond) // versions are milliseconds
		if st := call(t, rig, sec, "POST", "/api/v1/incident-attributions/"+stmt.ID+"/response", `{"response":"denial"}`, nil); st != 200 {
			t.Fatalf("answer: %d", st)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+report+"/versions/", &vers); st != 200 || len(vers.Versions) != 1 || vers.Versions[0] == before {
			t.Errorf("report's versions after the answer: %d %+v (before %s)", st, vers, before)
		}
		if st, _ := taxiiGet(t, rig, base+"objects/"+report+"/", &env); st != 200 || len(env.Objects) != 1 || env.Objects[0]["modified"] != vers.Versions[0] ||
			!strings.Contains(env.Objects[0]["description"].(string), "denial") {
			t.Errorf("report after the answer: %d %+v", st, env)
		}
	})
}
