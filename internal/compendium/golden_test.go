package compendium_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// ulidRE matches the identifiers a run makes, which differ between runs.
var ulidRE = regexp.MustCompile(`[0-9A-HJKMNP-TV-Z]{26}`)

// normPageRig makes a rig without the page cache whose norm (h) has 25
// good practices (a page and a bit), marked by the secretariat with notes.
func normPageRig(tb testing.TB) *testrig.Rig {
	rig := testrig.NewWith(tb, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	svc := service(rig)
	sec := rig.User(tb, auth.RoleSecretariat, "")
	ctx := auth.WithUser(rig.Ctx, sec)
	states := []string{"FRA", "KEN", "BRA", "JPN", "CAN"}
	types := []string{"policy", "legislation", "cbm", "other", "institution"}
	statuses := []string{"implemented", "planned", "in_progress"}
	for r := range 5 {
		var ms []measure
		for j := range 5 {
			k := fmt.Sprintf("k-%d-%d", r, j)
			ms = append(ms, measure{ID: "m" + k[1:], Key: k, Norm: "gge2015-h", Others: []string{"gge2015-a", "gge2015-c"}[:j%3],
				Title: fmt.Sprintf("Measure %d <of> report %d & \"more\" + 'less'", j, r), Desc: "A description <b>of</b> the measure & more.", Type: types[j], Status: statuses[(r+j)%3]})
		}
		publish(tb, rig, states[r], 2016+r, "public", ms...)
		for j := range 5 {
			time.Sleep(2 * time.Millisecond) // marks in distinct milliseconds: the page's order
			note := ""
			if j%2 == 0 {
				note = fmt.Sprintf("Why <%d> & \"why\" + not", j)
			}
			if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: fmt.Sprintf("m-%d-%d", r, j), Note: note}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return rig
}

// TestNormPageBytes keeps the bytes of a norm's page from its practices
// on as the template wrote them before it read prepared rows (issue 20).
// go test -run TestNormPageBytes -update ./internal/compendium/ rewrites
// the files after a deliberate change to the page.
func TestNormPageBytes(t *testing.T) {
	rig := normPageRig(t)
	c := rig.Anonymous(t)
	for _, lang := range []string{"en", "ar", "fr", "zh"} {
		t.Run(lang, func(t *testing.T) {
			page := c.GetBody(t, "/compendium/norms/gge2015-h?lang="+lang)
			i, j := strings.Index(page, `<h2 id="practices">`), strings.Index(page, "</main>")
			if i < 0 || j < i {
				t.Fatalf("no practices in the page:\n%s", page)
			}
			got := ulidRE.ReplaceAllString(page[i:j], "ID")
			testrig.Golden(t, "norm-"+lang, got)
		})
	}
}

// BenchmarkNormPage serves a norm's page (its first 20 good practices)
// through the whole handler stack, with the page cache off.
func BenchmarkNormPage(b *testing.B) {
	rig := normPageRig(b)
	h := rig.App.Handler()
	testrig.BenchGet(b, h, "/compendium/norms/gge2015-h", "")
}
