package bulletin_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// ulidRE and dateRE match the identifiers and dates a run makes, which
// differ between runs.
var (
	ulidRE = regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`)
	dateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// TestArchiveBytes keeps the bytes of the archive's search form and item
// cards, of the contribution page and of the item form, as the templates
// wrote them before they read prepared rows (issue 20): work on the templates' speed must not
// change a byte. go test -run TestArchiveBytes -update ./internal/bulletin/
// rewrites the files after a deliberate change to the pages.
func TestArchiveBytes(t *testing.T) {
	rig, stakeholder, _ := archiveRig(t, 60)
	draft, err := bulletinSvc(rig).CreateItem(rig.Ctx, stakeholder, bulletin.ItemInput{Kind: "mitigation", Title: "Draft <b>", Summary: "Summary.", TLP: "green",
		Techniques: []string{"T1566"}, Sectors: []string{"energy", "health"}, Regions: []string{"global", "weog"}, States: []string{"FRA"}, Norms: []string{"gge2015-c"}})
	if err != nil {
		t.Fatal(err)
	}
	anon := rig.Anonymous(t)
	st := rig.SignIn(t, stakeholder)
	for _, c := range []struct {
		name, from string
		client     interface {
			GetBody(testing.TB, string) string
		}
		path string
	}{
		{"archive-anonymous-en", `<h2 id="search">`, anon, "/bulletin?lang=en"},
		{"archive-anonymous-ar", `<h2 id="search">`, anon, "/bulletin?lang=ar"},
		{"archive-stakeholder-fr", `<h2 id="search">`, st, "/bulletin?lang=fr"},
		{"archive-filtered-zh", `<h2 id="search">`, st, "/bulletin?lang=zh&kind=threat&sector=energy&region=global"},
		{"contribute-ru", `<h1>`, st, "/bulletin/contribute?lang=ru"},
		{"edit-form-es", `<form method="post"`, st, "/bulletin/items/" + draft.ID + "/edit?lang=es"},
	} {
		t.Run(c.name, func(t *testing.T) {
			page := c.client.GetBody(t, c.path)
			// From the main content on: the site's header has forms of its own.
			m := strings.Index(page, "<main")
			i, j := strings.Index(page[max(m, 0):], c.from)+max(m, 0), strings.Index(page, "</main>")
			if m < 0 || i < m || j < i {
				t.Fatalf("no %s in the page:\n%s", c.from, page)
			}
			got := dateRE.ReplaceAllString(ulidRE.ReplaceAllString(page[i:j], "ID"), "DATE")
			testrig.Golden(t, c.name, got)
		})
	}
}
