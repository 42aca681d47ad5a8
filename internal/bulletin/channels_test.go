package bulletin_test

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fetch GETs a path as a client (nil: anonymous, no cookies), with extra
// headers, and returns status and body.
func fetch(t *testing.T, rig *testrig.Rig, c *testrig.Client, path string, header map[string]string) (int, string) {
	t.Helper()
	if c == nil {
		c = rig.Anonymous(t)
	}
	resp := c.Do(t, "GET", path, nil, header)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestReleaseRulesOnEveryChannel checks, for every channel, who sees which
// TLP level; above all that TLP:RED appears on none.
func TestReleaseRulesOnEveryChannel(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		anon := rig.Anonymous(t)
		official := rig.SignIn(t, w.official)
		colleague := rig.SignIn(t, w.colleague)
		outsider := rig.SignIn(t, w.outsider)
		sec := rig.SignIn(t, w.secretariat)
		otok := rig.Token(t, w.official)
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("official:"+otok))
		taxii := map[string]string{"Accept": bulletin.TAXIIMediaType}
		taxiiMembers := map[string]string{"Accept": bulletin.TAXIIMediaType, "Authorization": basic}
		col := "/taxii2/bulletin/collections/"

		channels := []struct {
			name   string
			client *testrig.Client
			path   string
			header map[string]string
			// want lists the titles that must appear; the others must not.
			want []string
		}{
			{"the public archive", anon, "/bulletin", nil, []string{titleClear}},
			{"the public issue page", anon, "/bulletin/issues/2026-q4", nil, []string{titleClear}},
			{"the public API search", anon, "/api/v1/bulletin/items", nil, []string{titleClear}},
			{"the public API issue", anon, "/api/v1/bulletin/issues/2026-q4", nil, []string{titleClear}},
			{"the issues Atom feed", anon, "/bulletin/feed.atom", nil, []string{titleClear}},
			{"the items Atom feed", anon, "/bulletin/items.atom", nil, []string{titleClear}},
			{"the feeds even for the secretariat", sec, "/bulletin/items.atom", nil, []string{titleClear}},
			{"the public STIX export", anon, "/bulletin/issues/2026-q4/stix.json", nil, []string{titleClear}},
			{"the public TAXII collection", anon, col + bulletin.CollectionPublic + "/objects/", taxii, []string{titleClear}},
			{"the members' TAXII collection", anon, col + bulletin.CollectionMembers + "/objects/", taxiiMembers, []string{titleClear, titleGreen}},
			{"an official's issue page", official, "/bulletin/issues/2026-q4", nil, []string{titleClear, titleGreen}},
			{"an official's STIX export", official, "/bulletin/issues/2026-q4/stix.json", nil, []string{titleClear, titleGreen}},
			{"an official's archive search", official, "/bulletin?q=", nil, []string{titleClear, titleGreen}},
			{"another organisation's member", outsider, "/bulletin/issues/2026-q4", nil, []string{titleClear, titleGreen}},
			{"the contributor's colleague", colleague, "/bulletin/issues/2026-q4", nil, []string{titleClear, titleGreen, titleStrict}},
			{"the secretariat's issue page", sec, "/bulletin/issues/2026-q4", nil, []string{titleClear, titleGreen, titleStrict}},
			{"the secretariat's web preview", sec, "/bulletin/editor/issues/" + w.issue.ID + "/preview/web", nil, []string{titleClear}},
			{"the email HTML preview", sec, "/bulletin/editor/issues/" + w.issue.ID + "/preview/email-html", nil, []string{titleClear}},
			{"the email text preview", sec, "/bulletin/editor/issues/" + w.issue.ID + "/preview/email-text", nil, []string{titleClear}},
		}
		all := []string{titleClear, titleGreen, titleStrict, titleRed}
		for _, ch := range channels {
			t.Run(ch.name, func(t *testing.T) {
				st, body := fetch(t, rig, ch.client, ch.path, ch.header)
				if st != http.StatusOK {
					t.Fatalf("GET %s: status %d: %.300s", ch.path, st, body)
				}
				for _, title := range all {
					want := false
					for _, x := range ch.want {
						want = want || x == title
					}
					// JSON and XML escape some characters; titles are plain.
					if got := strings.Contains(body, title); got != want {
						t.Errorf("%q shown = %v, want %v in %.2000s", title, got, want, body)
					}
				}
			})
		}
		t.Run("item pages answer 404 to those who may not see them", func(t *testing.T) {
			cases := []struct {
				who    *testrig.Client
				item   bulletin.Item
				status int
			}{
				{anon, w.clear, 200}, {anon, w.green, 404}, {anon, w.strict, 404}, {anon, w.red, 404},
				{official, w.green, 200}, {official, w.strict, 404}, {official, w.red, 404},
				{outsider, w.red, 404}, {outsider, w.strict, 404},
				{colleague, w.strict, 200}, {colleague, w.red, 200}, // their own organisation's items
			}
			for _, c := range cases {
				for _, p := range []string{"/bulletin/items/" + c.item.ID, "/api/v1/bulletin/items/" + c.item.ID} {
					if st, _ := fetch(t, rig, c.who, p, nil); st != c.status {
						t.Errorf("%s as %v: status %d, want %d", p, c.who.User, st, c.status)
					}
				}
			}
		})
		t.Run("the members' TAXII collection needs credentials", func(t *testing.T) {
			if st, _ := fetch(t, rig, anon, col+bulletin.CollectionMembers+"/objects/", taxii); st != http.StatusUnauthorized {
				t.Errorf("anonymous: %d, want 401", st)
			}
			bad := map[string]string{"Accept": bulletin.TAXIIMediaType, "Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("x:cn_wrong"))}
			if st, _ := fetch(t, rig, anon, col+bulletin.CollectionMembers+"/objects/", bad); st != http.StatusUnauthorized {
				t.Errorf("wrong token: %d, want 401", st)
			}
		})
		t.Run("the feeds are well-formed Atom", func(t *testing.T) {
			for _, p := range []string{"/bulletin/feed.atom", "/bulletin/items.atom"} {
				_, body := fetch(t, rig, anon, p, nil)
				var f struct {
					XMLName xml.Name
					Entries []struct {
						ID      string `xml:"id"`
						Title   string `xml:"title"`
						Updated string `xml:"updated"`
					} `xml:"entry"`
				}
				if err := xml.Unmarshal([]byte(body), &f); err != nil || f.XMLName.Space != "http://www.w3.org/2005/Atom" || len(f.Entries) == 0 {
					t.Errorf("%s: %v %+v", p, err, f)
				}
				for _, e := range f.Entries {
					if e.ID == "" || e.Updated == "" || e.Title == "" {
						t.Errorf("%s: entry lacks id, title or updated: %+v", p, e)
					}
				}
			}
		})
		t.Run("the STIX export is valid and the same on every export", func(t *testing.T) {
			_, a := fetch(t, rig, official, "/bulletin/issues/2026-q4/stix.json", nil)
			_, b := fetch(t, rig, official, "/bulletin/issues/2026-q4/stix.json", nil)
			if a != b {
				t.Fatal("two exports of the same issue differ")
			}
			bundle, err := stix.ParseBundle([]byte(a))
			if err != nil {
				t.Fatal(err)
			}
			types := map[string]int{}
			for _, o := range bundle.Objects {
				types[o.Type()]++
				if tlp, ok := stix.ObjectTLP(o); ok && !tlp.AtMost(stix.TLPAmber) {
					t.Errorf("%s is %s", o.ID(), tlp)
				}
			}
			for _, want := range []string{"report", "threat-actor", "attack-pattern", "note", "relationship", "identity", "marking-definition"} {
				if types[want] == 0 {
					t.Errorf("no %s in the bundle: %v", want, types)
				}
			}
			var ap stix.AttackPattern
			for _, o := range bundle.OfType("attack-pattern") {
				_ = o.Decode(&ap)
				if ap.TechniqueID() == "T1059.001" {
					break
				}
			}
			if ap.TechniqueID() != "T1059.001" {
				t.Errorf("no attack-pattern with the ATT&CK reference T1059.001")
			}
		})
		t.Run("a STIX export imports back as drafts", func(t *testing.T) {
			_, raw := fetch(t, rig, anon, "/bulletin/issues/2026-q4/stix.json", nil)
			var out struct{ Items []bulletin.Item }
			if st := call(t, rig, rig.Token(t, w.outsider), "POST", "/api/v1/bulletin/import", json.RawMessage(raw), &out); st != http.StatusCreated {
				t.Fatalf("import: %d", st)
			}
			found := false
			for _, it := range out.Items {
				if it.Status != bulletin.StatusDraft {
					t.Errorf("imported item %s is %s", it.Title, it.Status)
				}
				found = found || it.Title == titleClear
			}
			if !found {
				t.Errorf("the threat note did not come back: %+v", out.Items)
			}
		})
	})
}
