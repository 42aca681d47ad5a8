package vep_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
	"github.com/cybernorms/cybernorms/internal/vep"
)

// manyPolicies publishes a policy, straight into the table, for every
// third State (65 of 195), varied so that every rating occurs, some in two
// versions; it returns the user who published them.
func manyPolicies(t testing.TB, rig *testrig.Rig) *auth.User {
	t.Helper()
	u := rig.User(t, auth.RoleSecretariat, "")
	levels := []string{"yes", "partly", "no", "unknown"}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	err := rig.DB.InTx(rig.Ctx, func(tx *db.Tx) error {
		tx.MarkChanged()
		for i, st := range states.All() {
			if i%3 != 0 {
				continue
			}
			for v := 1; v <= 1+i%2; v++ {
				p := vep.Policy{HasProcess: i%9 != 0, Default: []string{"disclose", "case_by_case", "retain", "unknown"}[(i+v)%4],
					Scope: []string{"all", "partial", "unknown"}[i%3], CriteriaPublic: []string{"full", "partial", "none", "unknown"}[(i/3)%4],
					CriteriaNamed: vep.FourCriteria[:(i/3)%5], Ecosystem: levels[(i/3)%4], Review: []string{"periodic", "none", "unknown"}[(i/3)%3],
					ReviewMonths: 3 + 3*((i/3)%3), Secured: levels[(i/3+1)%4], Passages: map[string]string{"presume_disclosure": "Disclose <by> default & \"soon\"."}}
				body, err := json.Marshal(p)
				if err != nil {
					return err
				}
				src := "secretariat"
				if i%2 == 0 {
					src = "state"
				}
				if _, err := tx.ExecContext(rig.Ctx, `INSERT INTO vep_policies (state_iso3, version, body, source, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?)`,
					st.ISO3, v, string(body), src, at.AddDate(0, 0, i+v), u.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestIndexBytes keeps the bytes of /vep as they were before the page's
// cards were kept between requests (issue 20). go test -run TestIndexBytes
// -update ./internal/vep/ rewrites the files after a deliberate change.
func TestIndexBytes(t *testing.T) {
	rig := testrig.NewWith(t, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	manyPolicies(t, rig)
	anon := rig.Anonymous(t)
	ap := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	for _, c := range []struct {
		name   string
		client *testrig.Client
		path   string
	}{
		{"index-en", anon, "/vep?lang=en"},
		{"index-ar", anon, "/vep?lang=ar"},
		{"index-zh", anon, "/vep?lang=zh"},
		{"index-approver-fr", ap, "/vep?lang=fr"},
	} {
		testrig.Golden(t, c.name, c.client.GetBody(t, c.path))
		// The second time from the view kept for the language.
		testrig.Golden(t, c.name, c.client.GetBody(t, c.path))
	}
}

// A policy published by any means, such as another instance writing to
// the same database, shows on the next request: the view kept for the
// language is checked against the database on every request.
func TestIndexShowsNewPolicyAtOnce(t *testing.T) {
	rig := testrig.NewWith(t, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	u := manyPolicies(t, rig)
	st := states.All()[1] // every third State has a policy; this one has none
	row := `<a href="/vep/states/` + st.ISO3 + `">` + st.Name("en") + `</a></th><td colspan=`
	anon := rig.Anonymous(t)
	if page := anon.GetBody(t, "/vep?lang=en"); !strings.Contains(page, row) {
		t.Fatalf("%s is not shown without a policy", st.ISO3)
	}
	body, _ := json.Marshal(vep.Policy{HasProcess: true, Default: "disclose"})
	// Straight into the table, without this process's audit or change
	// count, as another instance's write looks to this one.
	if _, err := rig.DB.ExecContext(rig.Ctx, `INSERT INTO vep_policies (state_iso3, version, body, source, published_at, published_by) VALUES (?, 1, ?, 'state', ?, ?)`,
		st.ISO3, string(body), time.Now().UTC(), u.ID); err != nil {
		t.Fatal(err)
	}
	page := anon.GetBody(t, "/vep?lang=en")
	if strings.Contains(page, row) || !strings.Contains(page, `<a href="/vep/states/`+st.ISO3+`">`+st.Name("en")+`</a></th><td>`) {
		t.Fatalf("%s's new policy is not shown", st.ISO3)
	}
}

// BenchmarkIndex serves /vep with 65 published policies, anonymously and
// to a State's approver, through the whole handler stack.
func BenchmarkIndex(b *testing.B) {
	rig := testrig.NewWith(b, "sqlite", func(c *config.Config) { c.PageCacheMB = 0 })
	manyPolicies(b, rig)
	approver := rig.Token(b, rig.User(b, auth.RoleStateApprover, "FRA"))
	h := rig.App.Handler()
	for _, c := range []struct{ name, token string }{{"anonymous", ""}, {"approver", approver}} {
		b.Run(c.name, func(b *testing.B) {
			testrig.BenchGet(b, h, "/vep", c.token)
		})
	}
}
