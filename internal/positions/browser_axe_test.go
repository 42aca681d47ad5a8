package positions_test

import (
	"net/http"
	"testing"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserSectionsAndUploadPassAxe audits the norm page with its
// proposal section, the trends with the adoption of proposals, and a
// draft's page with its PDF upload form.
func TestBrowserSectionsAndUploadPassAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	browser := browsertest.New(t)
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
	if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, sec); r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, testrig.Body(r))
	}
	for _, x := range []struct{ iso, body string }{
		{"FRA", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"statement"}`},
		{"DEU", `{"stance":"opposes","reason":"premature","stated_on":"2025-03-01","source_kind":"statement"}`},
	} {
		tok := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, x.iso)))
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", x.body, tok); r.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", x.iso, r.StatusCode, testrig.Body(r))
		}
	}
	ed := rig.User(t, auth.RoleStateEditor, "FRA")
	r := c.Do(t, "POST", "/api/v1/positions/documents", draftJSON, bearer(rig.Token(t, ed)))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("draft: %d", r.StatusCode)
	}
	var doc struct {
		ID string `json:"id"`
	}
	decode(t, r, &doc)
	browsertest.AuditPages(t, browser, "public", rig.URL+"/norms/proposed-supply-chain", rig.URL+"/monitoring/trends", rig.URL+"/monitoring/trends?lang=zh")
	if err := browsertest.SignIn(browser, rig.URL, ed.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	browsertest.AuditPages(t, browser, "France's editor", rig.URL+"/positions/documents/"+doc.ID)
}
