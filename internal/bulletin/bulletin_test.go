package bulletin_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// world is a published issue with one item at each TLP level but RED, and
// an approved TLP:RED item that no issue may carry.
type world struct {
	contributor, colleague, outsider, secretariat, official *auth.User
	ctok, stok                                              string
	clear, green, strict, red                               bulletin.Item
	issue                                                   bulletin.Issue
}

const (
	titleClear  = "Phishing wave against foreign ministries"
	titleGreen  = "Actor GREEN-OTTER returns"
	titleStrict = "STRICT mitigation for the contributor only"
	titleRed    = "RED secret trend never to leak"
)

func newWorld(t *testing.T, rig *testrig.Rig) *world {
	t.Helper()
	w := &world{}
	org := rig.Organisation(t, "Acme Security")
	w.contributor = rig.User(t, auth.RoleStakeholder, org)
	w.colleague = rig.User(t, auth.RoleStakeholder, org)
	w.outsider = rig.User(t, auth.RoleStakeholder, "")
	w.secretariat = rig.User(t, auth.RoleSecretariat, "")
	w.official = rig.User(t, auth.RoleStateEditor, "KEN")
	w.ctok, w.stok = rig.Token(t, w.contributor), rig.Token(t, w.secretariat)

	mk := func(in bulletin.ItemInput) bulletin.Item {
		var it bulletin.Item
		if st := call(t, rig, w.ctok, "POST", "/api/v1/bulletin/items", in, &it); st != http.StatusCreated {
			t.Fatalf("create item %q: status %d", in.Title, st)
		}
		if st := call(t, rig, w.ctok, "POST", "/api/v1/bulletin/items/"+it.ID+"/submit", nil, nil); st != http.StatusOK {
			t.Fatalf("submit: %d", st)
		}
		if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/items/"+it.ID+"/review", bulletin.ReviewInput{Action: "approve"}, &it); st != http.StatusOK {
			t.Fatalf("approve: %d", st)
		}
		return it
	}
	w.clear = mk(bulletin.ItemInput{Kind: "threat", Title: titleClear, Summary: "Spearphishing with **malicious attachments**.", TLP: "TLP:CLEAR",
		Techniques: []string{"t1566.001"}, Sectors: []string{"diplomacy"}, Regions: []string{"global"}, States: []string{"fra"}, Norms: []string{"gge2015-c"},
		References: []string{"https://example.org/report"}})
	w.green = mk(bulletin.ItemInput{Kind: "threat-actor", Title: titleGreen, Summary: "Uses PowerShell.", TLP: "green", Techniques: []string{"T1059.001"}, Regions: []string{"weog"}})
	w.strict = mk(bulletin.ItemInput{Kind: "mitigation", Title: titleStrict, Summary: "Block macros.", TLP: "amber+strict", Techniques: []string{"T1566.001"}})
	w.red = mk(bulletin.ItemInput{Kind: "trend", Title: titleRed, Summary: "Never.", TLP: "red"})

	var is bulletin.Issue
	if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/issues", bulletin.IssueInput{Quarter: "2026 Q4", Foreword: "Welcome to the *fourth* quarter."}, &is); st != http.StatusCreated {
		t.Fatalf("create issue: %d", st)
	}
	// RED never goes into an issue.
	var e struct {
		Error struct{ Field, Message string }
	}
	if st := call(t, rig, w.stok, "PUT", "/api/v1/bulletin/issues/"+is.ID, bulletin.IssueInput{ItemIDs: []string{w.clear.ID, w.red.ID}}, &e); st != http.StatusUnprocessableEntity || e.Error.Field != "item_ids" {
		t.Fatalf("a TLP:RED item in an issue: status %d %+v", st, e)
	}
	if st := call(t, rig, w.stok, "PUT", "/api/v1/bulletin/issues/"+is.ID, bulletin.IssueInput{Foreword: "Welcome to the *fourth* quarter.", ItemIDs: []string{w.clear.ID, w.green.ID, w.strict.ID}}, &is); st != http.StatusOK {
		t.Fatalf("compose: %d", st)
	}
	if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/issues/"+is.ID+"/publish", nil, &is); st != http.StatusOK {
		t.Fatalf("publish: %d", st)
	}
	w.issue = is
	return w
}

func TestContributionReviewAndPublication(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		rig.DrainJobs(t)
		t.Run("the contributor is emailed at each step of the review", func(t *testing.T) {
			mailTo(t, rig, w.contributor.Email, "Submitted for review: "+titleClear)
			mailTo(t, rig, w.contributor.Email, "Approved: "+titleClear)
		})
		t.Run("every state change is audited", func(t *testing.T) {
			var n int
			if err := rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM audit_log WHERE entity = 'bulletin_item' AND entity_id = ?`, w.clear.ID).Scan(&n); err != nil || n != 3 {
				t.Fatalf("audit entries for the item = %d (%v), want create, submit, approve", n, err)
			}
		})
		t.Run("a published issue cannot change", func(t *testing.T) {
			if st := call(t, rig, w.stok, "PUT", "/api/v1/bulletin/issues/"+w.issue.ID, bulletin.IssueInput{Foreword: "changed"}, nil); st != http.StatusConflict {
				t.Fatalf("status %d, want 409", st)
			}
		})
		t.Run("request changes needs a comment and returns the item to its contributor", func(t *testing.T) {
			var it bulletin.Item
			call(t, rig, w.ctok, "POST", "/api/v1/bulletin/items", bulletin.ItemInput{Kind: "trend", Title: "Ransomware trend", Summary: "Up.", TLP: "clear"}, &it)
			call(t, rig, w.ctok, "POST", "/api/v1/bulletin/items/"+it.ID+"/submit", nil, nil)
			var e struct{ Error struct{ Field string } }
			if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/items/"+it.ID+"/review", bulletin.ReviewInput{Action: "request-changes"}, &e); st != 422 || e.Error.Field != "comment" {
				t.Fatalf("no comment: %d %+v", st, e)
			}
			if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/items/"+it.ID+"/review", bulletin.ReviewInput{Action: "request-changes", Comment: "Cite a source."}, &it); st != 200 || it.Status != bulletin.StatusChangesRequested {
				t.Fatalf("request changes: %d %s", st, it.Status)
			}
			rig.DrainJobs(t)
			m := mailTo(t, rig, w.contributor.Email, "Changes requested")
			if !strings.Contains(m.Text, "Cite a source.") {
				t.Errorf("the mail lacks the comment: %s", m.Text)
			}
			if st := call(t, rig, w.stok, "POST", "/api/v1/bulletin/items/"+it.ID+"/review", bulletin.ReviewInput{Action: "approve"}, nil); st != http.StatusConflict {
				t.Errorf("approving an item returned for changes: %d, want 409", st)
			}
		})
		t.Run("a correction is a new linked revision", func(t *testing.T) {
			is, err := bulletinSvc(rig).CorrectIssue(rig.Ctx, w.secretariat, w.issue.ID)
			if err != nil || is.Revision != 2 || is.SupersedesID != w.issue.ID || is.Slug != "2026-q4-r2" {
				t.Fatalf("correction = %+v, %v", is, err)
			}
			// The issues' feed is kept until something is written: read
			// before the correction is published, it shows it after.
			if feed := rig.Anonymous(t).GetBody(t, "/bulletin/feed.atom"); strings.Contains(feed, "/bulletin/issues/2026-q4-r2") {
				t.Fatal("the feed shows the correction before it is published")
			}
			if _, err := bulletinSvc(rig).PublishIssue(rig.Ctx, w.secretariat, is.ID); err != nil {
				t.Fatal(err)
			}
			if feed := rig.Anonymous(t).GetBody(t, "/bulletin/feed.atom"); !strings.Contains(feed, "/bulletin/issues/2026-q4-r2") {
				t.Error("the feed does not show the correction once published")
			}
			body := rig.Anonymous(t).GetBody(t, "/bulletin/issues/2026-q4")
			if !strings.Contains(body, "/bulletin/issues/2026-q4-r2") {
				t.Errorf("the original does not point to its correction")
			}
			// The issue's label is written in the reader's language.
			for lang, want := range map[string]string{"en": "2026 Q4 (revision 2)", "fr": "T4 2026 (révision 2)", "es": "4.º trimestre de 2026 (revisión 2)",
				"ru": "4-й квартал 2026 г. (редакция 2)", "zh": "2026年第4季度（第2次修订）", "ar": "الربع 4 من عام 2026 (المراجعة 2)"} {
				body := rig.Anonymous(t).GetBody(t, "/bulletin/issues/2026-q4-r2?lang="+lang)
				if !strings.Contains(body, want) || strings.Contains(body, "%!") {
					t.Errorf("%s: the correction's label is not %q", lang, want)
				}
			}
			if body := rig.Anonymous(t).GetBody(t, "/bulletin?lang=fr"); !strings.Contains(body, "(T4 2026") {
				t.Errorf("the French archive does not label the issues in French")
			}
		})
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		u := rig.User(t, auth.RoleStakeholder, "")
		tok := rig.Token(t, u)
		cases := []struct {
			name, field string
			in          bulletin.ItemInput
		}{
			{"an unknown ATT&CK id is refused", "techniques", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "clear", Techniques: []string{"T9999"}}},
			{"an invalid TLP is refused", "tlp", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "TLP:PURPLE"}},
			{"a missing TLP is refused", "tlp", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y"}},
			{"an unknown kind is refused", "kind", bulletin.ItemInput{Kind: "rumour", Title: "x", Summary: "y", TLP: "clear"}},
			{"an unknown State is refused", "states", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "clear", States: []string{"XXX"}}},
			{"an unknown norm is refused", "norms", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "clear", Norms: []string{"gge2015-z"}}},
			{"a reference that is not a URL is refused", "references", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "clear", References: []string{"javascript:alert(1)"}}},
			{"a link to a missing item is refused", "links", bulletin.ItemInput{Kind: "threat", Title: "x", Summary: "y", TLP: "clear", Links: []bulletin.Link{{Rel: "related-to", To: "01J00000000000000000000000"}}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				var e struct {
					Error struct{ Field, Message string }
				}
				if st := call(t, rig, tok, "POST", "/api/v1/bulletin/items", c.in, &e); st != http.StatusUnprocessableEntity || e.Error.Field != c.field {
					t.Fatalf("status %d, error %+v; want 422 on %s", st, e, c.field)
				}
			})
		}
		var n int
		_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM bulletin_items`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d items were created by bad input", n)
		}
		t.Run("a malformed STIX bundle is refused with the reason", func(t *testing.T) {
			for _, body := range []string{`{"type":"bundle"}`, `not json`, `{"type":"bundle","id":"bundle--6f1d0f0c-0000-4000-8000-000000000000","objects":[{"type":"threat-actor","id":"threat-actor--6f1d0f0c-0000-4000-8000-000000000001","spec_version":"2.1"}]}`} {
				var e struct{ Error struct{ Message string } }
				if st := call(t, rig, tok, "POST", "/api/v1/bulletin/import", json.RawMessage(body), &e); st != http.StatusUnprocessableEntity || e.Error.Message == "" {
					t.Errorf("bundle %.40s: status %d %+v", body, st, e)
				}
			}
		})
		t.Run("a bundle citing an unknown technique is refused whole", func(t *testing.T) {
			b := stix.NewBundle("bundle--6f1d0f0c-0000-4000-8000-0000000000aa",
				stix.MustObject(stix.ThreatActor{Common: stix.NewCommon("threat-actor", "threat-actor--6f1d0f0c-0000-4000-8000-0000000000ab", stix.NewTimestamp(rigNow())), Name: "Good actor"}),
				stix.MustObject(stix.AttackPattern{Common: withRefs(stix.NewCommon("attack-pattern", "attack-pattern--6f1d0f0c-0000-4000-8000-0000000000ac", stix.NewTimestamp(rigNow())),
					stix.MitreAttackReference("T9999.999", "https://attack.mitre.org/")), Name: "Bogus"}))
			raw, err := stix.MarshalBundle(b)
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Error struct{ Message string } }
			if st := call(t, rig, tok, "POST", "/api/v1/bulletin/import", json.RawMessage(raw), &e); st != 422 || !strings.Contains(e.Error.Message, "T9999.999") {
				t.Fatalf("status %d %+v", st, e)
			}
			var n int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM bulletin_items`).Scan(&n)
			if n != 0 {
				t.Fatalf("%d items created from a refused bundle", n)
			}
		})
		t.Run("an address that is not an address is refused", func(t *testing.T) {
			for _, addr := range []string{"", "nobody", "a@b", "Name <a@example.org>", "a@example.org\r\nBcc: x@y.z"} {
				var e struct{ Error struct{ Field string } }
				if st := call(t, rig, "", "POST", "/api/v1/bulletin/subscribers", bulletin.SubscribeInput{Email: addr}, &e); st != 422 || e.Error.Field != "email" {
					t.Errorf("%q: status %d %+v", addr, st, e)
				}
			}
			resp := rig.Anonymous(t).PostForm(t, "/bulletin/subscribe", url.Values{"email": {"not-an-address"}, "lang": {"en"}})
			if resp.StatusCode != 422 {
				t.Errorf("form: status %d", resp.StatusCode)
			}
			var n int
			_ = rig.DB.QueryRowContext(rig.Ctx, `SELECT COUNT(*) FROM bulletin_subscribers`).Scan(&n)
			if n != 0 {
				t.Errorf("%d subscribers from bad addresses", n)
			}
		})
	})
}
