package bulletin_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// taxiiClient is a minimal TAXII 2.1 client written from the specification
// (OASIS TAXII Version 2.1, sections 3–5), independent of the server code:
// it knows only URLs, media types, HTTP basic auth and the JSON shapes.
type taxiiClient struct {
	t          *testing.T
	user, pass string
}

const taxiiType = "application/taxii+json;version=2.1"

func (c *taxiiClient) get(u string, out any) (int, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", taxiiType)
	if c.pass != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/taxii+json") || !strings.Contains(ct, "version=2.1") {
			c.t.Errorf("GET %s: content type %q", u, ct)
		}
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("GET %s: %v: %s", u, err, raw)
		}
	}
	return resp.StatusCode, resp.Header
}

type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

// all follows next links until more is false.
func (c *taxiiClient) all(objectsURL string, params url.Values) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	for page := 0; page < 1000; page++ {
		var env envelope
		if st, _ := c.get(objectsURL+"?"+params.Encode(), &env); st != 200 {
			c.t.Fatalf("objects: status %d", st)
		}
		for _, raw := range env.Objects {
			var o map[string]any
			_ = json.Unmarshal(raw, &o)
			out = append(out, o)
		}
		if !env.More {
			return out
		}
		if env.Next == "" {
			c.t.Fatal("more is true but next is empty")
		}
		params.Set("next", env.Next)
	}
	c.t.Fatal("pagination does not end")
	return nil
}

func TestTAXIIServerWithAnIndependentClient(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		anon := &taxiiClient{t: t}
		member := &taxiiClient{t: t, user: "official", pass: rig.Token(t, w.official)}

		var disc struct {
			Default  string   `json:"default"`
			APIRoots []string `json:"api_roots"`
		}
		if st, _ := anon.get(rig.URL+"/taxii2/", &disc); st != 200 || len(disc.APIRoots) == 0 || disc.Default != rig.URL+"/taxii2/bulletin/" {
			t.Fatalf("discovery: %d %+v", st, disc)
		}
		root := disc.Default
		var apiRoot struct{ Versions []string }
		if st, _ := anon.get(root, &apiRoot); st != 200 || len(apiRoot.Versions) == 0 || apiRoot.Versions[0] != taxiiType {
			t.Fatalf("api root: %d %+v", st, apiRoot)
		}
		var cols struct {
			Collections []struct {
				ID       string `json:"id"`
				CanRead  bool   `json:"can_read"`
				CanWrite bool   `json:"can_write"`
			} `json:"collections"`
		}
		anon.get(root+"collections/", &cols)
		if len(cols.Collections) != 1 {
			t.Errorf("the public sees %d collections, want the public one", len(cols.Collections))
		}
		member.get(root+"collections/", &cols)
		if len(cols.Collections) != 2 {
			t.Errorf("an official sees %d collections, want public and members", len(cols.Collections))
		}
		members := root + "collections/" + bulletin.CollectionMembers + "/"

		t.Run("pages follow next until more is false and cover every object once", func(t *testing.T) {
			whole := member.all(members+"objects/", url.Values{})
			paged := member.all(members+"objects/", url.Values{"limit": {"2"}})
			if len(whole) == 0 || len(paged) != len(whole) {
				t.Fatalf("%d objects in one page, %d in pages of 2", len(whole), len(paged))
			}
			seen := map[string]bool{}
			for _, o := range paged {
				id := fmt.Sprint(o["id"])
				if seen[id] {
					t.Errorf("%s twice", id)
				}
				seen[id] = true
			}
		})
		t.Run("match[type] and match[id] filter", func(t *testing.T) {
			reports := member.all(members+"objects/", url.Values{"match[type]": {"report"}})
			if len(reports) != 1 || reports[0]["type"] != "report" {
				t.Fatalf("reports: %v", reports)
			}
			id := fmt.Sprint(reports[0]["id"])
			one := member.all(members+"objects/", url.Values{"match[id]": {id}})
			if len(one) != 1 || one[0]["id"] != id {
				t.Fatalf("match[id]: %v", one)
			}
			var env envelope
			if st, _ := member.get(members+"objects/"+id+"/", &env); st != 200 || len(env.Objects) != 1 {
				t.Errorf("object endpoint: %d %d", st, len(env.Objects))
			}
			var vers struct{ Versions []string }
			if st, _ := member.get(members+"objects/"+id+"/versions/", &vers); st != 200 || len(vers.Versions) != 1 {
				t.Errorf("versions: %d %v", st, vers)
			}
		})
		t.Run("added_after excludes what was added before", func(t *testing.T) {
			var env envelope
			_, h := member.get(members+"objects/", &env)
			last := h.Get("X-TAXII-Date-Added-Last")
			if last == "" {
				t.Fatal("no X-TAXII-Date-Added-Last header")
			}
			member.get(members+"objects/?added_after="+url.QueryEscape(last), &env)
			if len(env.Objects) != 0 {
				t.Errorf("%d objects added after the last one", len(env.Objects))
			}
			if st, _ := member.get(members+"objects/?added_after=yesterday", &env); st != 400 {
				t.Errorf("bad added_after: %d, want 400", st)
			}
		})
		t.Run("the manifest lists every object with its version", func(t *testing.T) {
			var man struct {
				Objects []struct {
					ID, Version, MediaType string
				} `json:"objects"`
			}
			member.get(members+"manifest/", &man)
			if len(man.Objects) == 0 || man.Objects[0].Version == "" {
				t.Fatalf("manifest: %+v", man)
			}
		})
		t.Run("a client that does not accept TAXII 2.1 is refused", func(t *testing.T) {
			req, _ := http.NewRequest("GET", root, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 406 {
				t.Errorf("status %d, want 406", resp.StatusCode)
			}
		})
		t.Run("the public collection is read-only and the write collection creates drafts", func(t *testing.T) {
			contributor := rig.User(t, auth.RoleStakeholder, "")
			tok := rig.Token(t, contributor)
			envBody := `{"objects":[{"type":"threat-actor","spec_version":"2.1","id":"threat-actor--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061","created":"2026-10-01T00:00:00.000Z","modified":"2026-10-01T00:00:00.000Z","name":"Posted actor","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}]}`
			post := func(colID string, body string) (int, map[string]any) {
				req, _ := http.NewRequest("POST", root+"collections/"+colID+"/objects/", strings.NewReader(body))
				req.Header.Set("Accept", taxiiType)
				req.Header.Set("Content-Type", taxiiType)
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("me:"+tok)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			if st, _ := post(bulletin.CollectionPublic, envBody); st != http.StatusForbidden {
				t.Errorf("writing to the public collection: %d, want 403", st)
			}
			st, status := post(bulletin.CollectionContributions, envBody)
			if st != http.StatusAccepted || status["status"] != "complete" || status["success_count"] != float64(1) {
				t.Fatalf("add objects: %d %v", st, status)
			}
			var got map[string]any
			c := &taxiiClient{t: t, user: "me", pass: tok}
			if st, _ := c.get(root+"status/"+fmt.Sprint(status["id"])+"/", &got); st != 200 || got["id"] != status["id"] {
				t.Errorf("status resource: %d %v", st, got)
			}
			if st, out := post(bulletin.CollectionContributions, `{"objects":[{"type":"threat-actor","id":"nonsense"}]}`); st != 422 {
				t.Errorf("invalid STIX: %d %v", st, out)
			}
		})
	})
}
