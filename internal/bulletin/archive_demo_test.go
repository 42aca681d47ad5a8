package bulletin_test

import (
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// demoArchiveRig makes a rig without the page cache holding the module's
// demonstration data (eight published issues of up to twelve items from four
// organisations, no subscribers) and returns it with one of its stakeholders.
func demoArchiveRig(tb testing.TB) (*testrig.Rig, *auth.User) {
	rig := testrig.NewWith(tb, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	var stakeholder *auth.User
	for i := range 4 {
		u := rig.User(tb, auth.RoleStakeholder, "")
		if i == 0 {
			stakeholder = u
		}
	}
	rig.User(tb, auth.RoleSecretariat, "")
	if err := bulletin.GenerateDemo(rig.Ctx, rig.App.Services, rand.New(rand.NewPCG(1, 2)), 0, func(string) {}); err != nil {
		tb.Fatal(err)
	}
	return rig, stakeholder
}

// BenchmarkBulletinArchive serves the public archive and its search on the
// demonstration data, anonymously and to a stakeholder, with no page cache
// (issue 20: the archive's CPU cost per request against its bare baseline).
func BenchmarkBulletinArchive(b *testing.B) {
	rig, stakeholder := demoArchiveRig(b)
	tokens := map[string]string{"": "", "stakeholder": rig.Token(b, stakeholder)}
	h := rig.App.Handler()
	for _, c := range []struct{ path, as string }{
		{"/bulletin", ""}, {"/bulletin?q=phishing", ""}, {"/bulletin", "stakeholder"},
	} {
		b.Run(strings.TrimPrefix(c.path, "/bulletin")+"#"+c.as, func(b *testing.B) {
			testrig.BenchGet(b, h, c.path, tokens[c.as])
		})
	}
}

// yearRE matches the years of the demonstration data, which follow the
// calendar.
var yearRE = regexp.MustCompile(`\b20\d\d\b`)

// TestArchiveDemoBytes keeps the whole of the archive's main content on the
// demonstration data — the issues, the search form, the cards and the link
// to the next page — in English, French and Arabic, as a visitor and as a
// stakeholder, unfiltered, searched (?q=) and on its second page, as the
// code wrote it before the archive read only what it shows (issue 20).
// go test -run TestArchiveDemoBytes -update ./internal/bulletin/ rewrites
// the files after a deliberate change to the page.
func TestArchiveDemoBytes(t *testing.T) {
	rig, stakeholder := demoArchiveRig(t)
	anon := rig.Anonymous(t)
	st := rig.SignIn(t, stakeholder)
	type getter interface {
		GetBody(testing.TB, string) string
	}
	mask := func(s string) string {
		return yearRE.ReplaceAllString(dateRE.ReplaceAllString(ulidRE.ReplaceAllString(s, "ID"), "DATE"), "YEAR")
	}
	main := func(t *testing.T, c getter, path string) string {
		page := c.GetBody(t, path)
		i, j := strings.Index(page, "<main"), strings.Index(page, "</main>")
		if i < 0 || j < i {
			t.Fatalf("no <main> in the page:\n%s", page)
		}
		return page[i:j]
	}
	for _, c := range []struct {
		name   string
		client getter
		path   string
	}{
		{"demo-archive-en", anon, "/bulletin?lang=en"},
		{"demo-archive-fr", anon, "/bulletin?lang=fr"},
		{"demo-archive-ar", anon, "/bulletin?lang=ar"},
		{"demo-archive-q-en", anon, "/bulletin?lang=en&q=phishing"},
		{"demo-archive-q-fr", anon, "/bulletin?lang=fr&q=Hospitals"},
		{"demo-archive-q-none-en", anon, "/bulletin?lang=en&q=%22phishing%22+%3Cb%3E+%26"},
		{"demo-archive-q-ar", anon, "/bulletin?lang=ar&q=energy"},
		{"demo-archive-stakeholder-fr", st, "/bulletin?lang=fr"},
		{"demo-archive-stakeholder-q-ar", st, "/bulletin?lang=ar&q=ministries&kind=threat"},
		{"demo-archive-quarter-en", anon, "/bulletin?lang=en&technique=t1&quarter=" + url.QueryEscape(yearQuarter(t, rig))},
	} {
		t.Run(c.name, func(t *testing.T) {
			testrig.Golden(t, c.name, mask(main(t, c.client, c.path)))
		})
	}
	// The second page, through the first page's link (a visitor sees fewer
	// than fifty items of the demonstration, a stakeholder more).
	t.Run("demo-archive-page2-en", func(t *testing.T) {
		first := st.GetBody(t, "/bulletin?lang=en")
		m := regexp.MustCompile(`<a href="(/bulletin\?[^"]*after=[^"]*)">`).FindStringSubmatch(first)
		if m == nil {
			t.Fatal("no link to the next page")
		}
		testrig.Golden(t, "demo-archive-page2-en", mask(main(t, st, strings.ReplaceAll(m[1], "&amp;", "&"))))
	})
}

// yearQuarter is the quarter of the demonstration data's latest issue.
func yearQuarter(t *testing.T, rig *testrig.Rig) string {
	issues, err := bulletinSvc(rig).Issues(rig.Ctx, false)
	if err != nil || len(issues) == 0 {
		t.Fatalf("%d issues, %v", len(issues), err)
	}
	return issues[0].Label()
}

// TestArchiveCardsFollowTheirItems: the archive keeps its cards' HTML, by
// what they show; a changed item shows changed at once.
func TestArchiveCardsFollowTheirItems(t *testing.T) {
	rig, _ := demoArchiveRig(t)
	anon := rig.Anonymous(t)
	before := anon.GetBody(t, "/bulletin?lang=en")
	n := strings.Count(before, `<li class="card">`)
	if n == 0 || strings.Contains(before, "(corrected)") {
		t.Fatalf("%d cards before the change", n)
	}
	if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE bulletin_items SET title = title || ' (corrected)' WHERE status = 'approved'`); err != nil {
		t.Fatal(err)
	}
	after := anon.GetBody(t, "/bulletin?lang=en")
	if got := strings.Count(after, "(corrected)</a></h3>"); got != n {
		t.Errorf("%d of %d cards show the changed title", got, n)
	}
	if fr := anon.GetBody(t, "/bulletin?lang=fr"); fr == after {
		t.Error("the French archive is the English one")
	}
}
