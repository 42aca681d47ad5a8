package positions_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// The framework's page of a proposed norm shows its proposal record and the
// States' positions, through the platform's page sections.
func TestNormPageShowsItsProposal(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	if body := c.GetBody(t, "/norms/proposed-supply-chain"); strings.Contains(body, `id="positions"`) {
		t.Errorf("a norm without a proposal record shows a positions section")
	}
	sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
	if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, sec); r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, testrig.Body(r))
	}
	fra := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "FRA")))
	if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"statement"}`, fra); r.StatusCode != http.StatusCreated {
		t.Fatalf("France's position: %d %s", r.StatusCode, testrig.Body(r))
	}
	body := c.GetBody(t, "/norms/proposed-supply-chain")
	for _, want := range []string{`<section class="page-section" id="positions"`, `href="/positions/proposals/supply-chain"`, "Supports: 1", "Opposes: 0", "/positions/proposals/supply-chain/positions.csv"} {
		if !strings.Contains(body, want) {
			t.Errorf("the norm page lacks %q", want)
		}
	}
	if fr := c.GetBody(t, "/norms/proposed-supply-chain?lang=fr"); !strings.Contains(fr, "Positions des États sur ce projet de norme") {
		t.Errorf("the section is not in French")
	}
	if other := c.GetBody(t, "/norms/gge2015-a"); strings.Contains(other, `id="positions"`) {
		t.Errorf("a GGE norm shows a proposal section")
	}
}

// The monitoring trends show the adoption of proposals over time, through
// the platform's page sections.
func TestTrendsShowAdoptionOfProposals(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	if body := c.GetBody(t, "/monitoring/trends"); strings.Contains(body, `id="adoption-of-proposals"`) {
		t.Errorf("the adoption section shows without any proposal")
	}
	sec := bearer(rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
	if r := c.Do(t, "POST", "/api/v1/positions/proposals", supplyChain, sec); r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, testrig.Body(r))
	}
	for _, x := range []struct{ iso, body string }{
		{"FRA", `{"stance":"supports","stated_on":"2024-07-01","source_kind":"statement"}`},
		{"DEU", `{"stance":"undecided","stated_on":"2024-07-01","source_kind":"statement"}`},
		{"DEU", `{"stance":"supports-with-amendments","amendment":"Add a review clause.","stated_on":"2025-03-01","source_kind":"statement"}`},
	} {
		tok := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, x.iso)))
		if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", x.body, tok); r.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", x.iso, r.StatusCode, testrig.Body(r))
		}
	}
	body := c.GetBody(t, "/monitoring/trends")
	for _, want := range []string{`id="adoption-of-proposals"`, `<th scope="col" class="num">2024</th><th scope="col" class="num">2025</th>`,
		`Protection of the ICT supply chain</a></th><td class="num">1</td><td class="num">2</td>`, "<svg"} {
		if !strings.Contains(body, want) {
			t.Errorf("the trends page lacks %q", want)
		}
	}
	// The section is kept per language until a stance or a proposal is
	// added: the next stance shows on the next request, in each language.
	if fr := c.GetBody(t, "/monitoring/trends?lang=fr"); !strings.Contains(fr, `<td class="num">1</td><td class="num">2</td>`) || !strings.Contains(fr, rig.App.Services.Site.Catalog.T("fr", "positions.adoption.heading")) {
		t.Error("the adoption section in French is missing or not in French")
	}
	ita := bearer(rig.Token(t, rig.User(t, auth.RoleStateApprover, "ITA")))
	if r := c.Do(t, "POST", "/api/v1/positions/proposals/supply-chain/positions", `{"stance":"supports","stated_on":"2025-05-01","source_kind":"statement"}`, ita); r.StatusCode != http.StatusCreated {
		t.Fatalf("ITA: %d %s", r.StatusCode, testrig.Body(r))
	}
	for _, lang := range []string{"en", "fr"} {
		if body := c.GetBody(t, "/monitoring/trends?lang="+lang); !strings.Contains(body, `<td class="num">1</td><td class="num">3</td>`) {
			t.Errorf("%s: the adoption section does not count the new stance", lang)
		}
	}
}
