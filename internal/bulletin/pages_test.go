package bulletin_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestJourneyThroughThePages drives the HTML forms only, as a browser
// without JavaScript would: a contributor drafts and submits, the editor
// reviews, composes, previews, publishes and sends, a visitor reads.
func TestJourneyThroughThePages(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		contributor := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, ""))
		editor := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
		visitor := rig.Anonymous(t)

		if !strings.Contains(contributor.GetBody(t, "/bulletin/contribute"), `<option value="amber" selected>`) {
			t.Fatal("a new item's form does not default to TLP:AMBER")
		}
		form := url.Values{"kind": {"threat"}, "title": {"Supply-chain compromise of <b>updaters</b>"}, "summary": {"A summary with <script>alert(1)</script> and [a link](javascript:alert(2))."},
			"tlp": {"clear"}, "techniques": {"T1195.002"}, "sectors": {"energy", "health"}, "regions": {"global"}, "states": {"DEU"}, "norms": {"gge2015-i"},
			"references": {"https://example.org/a\nhttps://example.org/b"}}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("techniques", "T0000")
		resp := contributor.PostForm(t, "/bulletin/contribute", bad)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), "T0000") {
			t.Fatalf("bad technique: %d", resp.StatusCode)
		}
		resp = contributor.PostForm(t, "/bulletin/contribute", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		itemPath := resp.Header.Get("Location")
		page := contributor.GetBody(t, itemPath)
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "javascript:alert") || strings.Contains(page, "<b>updaters</b>") {
			t.Fatal("contributor markup reached the page unescaped")
		}
		contributor.GetBody(t, itemPath+"/edit")
		if resp := contributor.PostForm(t, itemPath+"/edit", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d", resp.StatusCode)
		}
		if resp := contributor.PostForm(t, itemPath+"/submit", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		if resp := contributor.PostForm(t, itemPath+"/edit", form); resp.StatusCode != http.StatusConflict {
			t.Errorf("editing a submitted item: %d, want 409", resp.StatusCode)
		} else if body := testrig.Body(resp); !strings.Contains(body, "only a draft, or an item returned for changes, can be edited by its contributor") {
			t.Errorf("editing a submitted item does not say why:\n%s", body)
		}
		itemID := strings.TrimPrefix(itemPath, "/bulletin/items/")

		if !strings.Contains(editor.GetBody(t, "/bulletin/review"), itemID) {
			t.Fatal("the item is not in the review queue")
		}
		if resp := editor.PostForm(t, itemPath+"/review", url.Values{"action": {"reject"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("reject without a reason: %d", resp.StatusCode)
		}
		if resp := editor.PostForm(t, itemPath+"/review", url.Values{"action": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		// A second reviewer's decision on the page they opened before the
		// first decided: refused with the reason in their language, the
		// item's status and the action in its words, and a link back.
		resp = editor.Do(t, "POST", itemPath+"/review", url.Values{"action": {"reject"}, "comment": {"Hors sujet."}}, map[string]string{"Referer": rig.URL + itemPath, "Accept-Language": "fr"})
		if body := testrig.Body(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "approuvée") || !strings.Contains(body, "Rejeter") ||
			!strings.Contains(body, "Rien n’a été modifié") || !strings.Contains(body, `href="`+itemPath+`"`) {
			t.Errorf("a decision on an item already decided: %d\n%s", resp.StatusCode, body)
		}
		editor.GetBody(t, "/bulletin/editor")
		if resp := editor.PostForm(t, "/bulletin/editor/issues", url.Values{"quarter": {"Q4 2026"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a malformed quarter: %d", resp.StatusCode)
		}
		resp = editor.PostForm(t, "/bulletin/editor/issues", url.Values{"quarter": {"2026 Q4"}, "foreword": {"Foreword."}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create issue: %d", resp.StatusCode)
		}
		issuePath := resp.Header.Get("Location")
		if !strings.Contains(editor.GetBody(t, issuePath), itemID) {
			t.Fatal("the approved item is not offered")
		}
		if resp := editor.PostForm(t, issuePath+"/publish", nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("publishing an empty issue: %d", resp.StatusCode)
		}
		if resp := editor.PostForm(t, issuePath, url.Values{"title": {"Bulletin 2026 Q4"}, "foreword": {"Foreword."}, "sections": {"mitigation, threat"}, "items": {itemID}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("compose: %d", resp.StatusCode)
		}
		for _, ch := range []string{"web", "email-html", "email-text"} {
			if body := editor.GetBody(t, issuePath+"/preview/"+ch); !strings.Contains(body, "Supply-chain compromise") {
				t.Errorf("preview %s lacks the item", ch)
			}
		}
		if resp := editor.PostForm(t, issuePath+"/publish", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("publish: %d", resp.StatusCode)
		}
		if resp := editor.PostForm(t, issuePath+"/send", url.Values{"rate": {"-1"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a negative rate: %d", resp.StatusCode)
		}
		if resp := editor.PostForm(t, issuePath+"/send", url.Values{"rate": {"0"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("send: %d", resp.StatusCode)
		}
		rig.DrainJobs(t)
		if body := editor.GetBody(t, issuePath); !strings.Contains(body, "Status: finished") {
			t.Errorf("the editor does not see the sending finished")
		}

		archive := visitor.GetBody(t, "/bulletin?technique=T1195&sector=energy&region=global&quarter=2026+Q4&kind=threat&q=supply")
		if !strings.Contains(archive, itemPath) {
			t.Fatal("the filtered archive does not find the item")
		}
		if strings.Contains(visitor.GetBody(t, "/bulletin?sector=finance"), itemPath) {
			t.Error("the sector filter lets the item through")
		}
		issue := visitor.GetBody(t, "/bulletin/issues/2026-q4")
		if !regexp.MustCompile(`(?s)Mitigation measures.*|Important threats`).MatchString(issue) {
			t.Error("the issue has no sections")
		}
		visitor.GetBody(t, itemPath)
		visitor.GetBody(t, "/bulletin/subscribe")
		if st, _ := fetch(t, rig, visitor, "/bulletin/unsubscribe?s=nope&t=nope", nil); st != http.StatusBadRequest {
			t.Errorf("a bad unsubscribe link: %d", st)
		}
		if st, _ := fetch(t, rig, visitor, "/bulletin/issues/2099-q1", nil); st != http.StatusNotFound {
			t.Errorf("a missing issue: %d", st)
		}
		_ = bulletin.KindThreat
	})
}
