package bulletin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// archiveRig makes a rig without the page cache holding n published items
// of every kind and TLP level (the archive shows 50 a page), from two
// organisations, in one published issue, and returns it with a stakeholder
// of the first organisation and a secretariat account.
func archiveRig(tb testing.TB, n int) (rig *testrig.Rig, stakeholder, secretariat *auth.User) {
	rig = testrig.NewWith(tb, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	svc := bulletinSvc(rig)
	orgs := []string{rig.Organisation(tb, "Archive Org"), rig.Organisation(tb, `Second <Org> & "Partners"`)}
	users := []*auth.User{rig.User(tb, auth.RoleStakeholder, orgs[0]), rig.User(tb, auth.RoleStakeholder, orgs[1])}
	sec := rig.User(tb, auth.RoleSecretariat, "")
	tlps := []string{"clear", "green", "amber", "clear", "amber+strict"}
	techniques := [][]string{{"T1566"}, {}, {"T1195.002", "T1566"}, {"T1190"}, {}}
	var ids []string
	for i := range n {
		time.Sleep(2 * time.Millisecond) // identifiers (ULIDs, the archive's order) in distinct milliseconds
		in := bulletin.ItemInput{Kind: string(bulletin.Kinds[i%len(bulletin.Kinds)]), Title: fmt.Sprintf("Item %d: <phishing> & 'supply' + \"chain\"", i),
			Summary: fmt.Sprintf("Campaign **%d** against the *energy* sector, reported by [CERT](https://example.org/cert?a=%d&b=2).\n\n- first sign\n- second sign <script>x</script>\n\n", i, i) + strings.Repeat("A paragraph of analysis about the threat. ", 8),
			TLP:     tlps[i%len(tlps)], Techniques: techniques[i%len(techniques)], Sectors: []string{"energy"}, Regions: []string{"global"}}
		u := users[i%2]
		it, err := svc.CreateItem(rig.Ctx, u, in)
		if err != nil {
			tb.Fatal(err)
		}
		if err := svc.SubmitItem(rig.Ctx, u, it.ID); err != nil {
			tb.Fatal(err)
		}
		if err := svc.ReviewItem(rig.Ctx, sec, it.ID, bulletin.ReviewApprove, ""); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, it.ID)
	}
	is, err := svc.CreateIssue(rig.Ctx, sec, bulletin.IssueInput{Quarter: "2026 Q4", Foreword: "Foreword.", ItemIDs: ids})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.PublishIssue(rig.Ctx, sec, is.ID); err != nil {
		tb.Fatal(err)
	}
	return rig, users[0], sec
}

// BenchmarkBulletinPages serves the bulletin's pages that no cache holds
// (issue 20): the archive of 60 published items to a visitor and to a
// stakeholder (who also sees TLP:AMBER), the contribution page and the
// editor's page, through the whole handler stack.
func BenchmarkBulletinPages(b *testing.B) {
	rig, stakeholder, sec := archiveRig(b, 60)
	tokens := map[string]string{"": "", "stakeholder": rig.Token(b, stakeholder), "secretariat": rig.Token(b, sec)}
	h := rig.App.Handler()
	for _, c := range []struct{ path, as string }{
		{"/bulletin", ""}, {"/bulletin", "stakeholder"}, {"/bulletin/contribute", "stakeholder"}, {"/bulletin/editor", "secretariat"},
	} {
		b.Run(strings.TrimPrefix(c.path, "/bulletin")+"#"+c.as, func(b *testing.B) {
			testrig.BenchGet(b, h, c.path, tokens[c.as])
		})
	}
}
