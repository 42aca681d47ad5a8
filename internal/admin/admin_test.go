package admin_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var (
	orgRowRE  = regexp.MustCompile(`<td><code>([a-z0-9-]+)</code></td>`)
	userRowRE = regexp.MustCompile(`<tr><td>([^<@]+@[^<]+)</td>`)
	nextRE    = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	firstRE   = regexp.MustCompile(`<a href="([^"]+)">First page</a>`)
)

// walk follows a back-office list's "Next page" links from path and returns
// the keys of every row, checking each page's size and links.
func walk(t *testing.T, c *testrig.Client, path string, row *regexp.Regexp) []string {
	t.Helper()
	var keys []string
	for page := 1; path != ""; page++ {
		if page > 20 {
			t.Fatalf("more than 20 pages from %s", path)
		}
		body := c.GetBody(t, path)
		rows := row.FindAllStringSubmatch(body, -1)
		if len(rows) > 50 {
			t.Fatalf("%s lists %d rows; a page has at most 50", path, len(rows))
		}
		for _, r := range rows {
			keys = append(keys, r[1])
		}
		if first := firstRE.FindStringSubmatch(body); (first != nil) != (page > 1) {
			t.Errorf("page %d (%s): first-page link %v", page, path, first)
		}
		if !strings.Contains(body, `<nav class="pager" aria-label="Pages of the list">`) && (page > 1 || len(rows) == 50) {
			t.Errorf("page %d (%s) has no named pagination landmark", page, path)
		}
		path = ""
		if m := nextRE.FindStringSubmatch(body); m != nil {
			if len(rows) != 50 {
				t.Errorf("page %d has %d rows and a next page", page, len(rows))
			}
			path = html.UnescapeString(m[1])
		}
	}
	return keys
}

// TestAdminListsArePaged: the organisations and accounts are listed 50 at a
// time in key order, every row exactly once over the pages, with a filter
// that treats % and _ as ordinary characters and survives the paging; bad
// filters and positions are refused; the account form takes an
// organisation's slug.
func TestAdminListsArePaged(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		req, _ := http.NewRequest("POST", "/", nil)
		var orgs []string
		for i := range 118 {
			o := admin.Organisation{Slug: fmt.Sprintf("paging-%03d", i), Name: fmt.Sprintf("Paging Institute %03d", i), Kind: "ngo"}
			if i%10 == 3 {
				o.Name = fmt.Sprintf("Needle Lab %03d", i)
			}
			if _, err := admin.CreateOrganisation(req.WithContext(rig.Ctx), rig.DB, o); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, o.Slug)
		}
		for _, o := range []admin.Organisation{{Slug: "percent-open", Name: "100% Open", Kind: "ngo"}, {Slug: "thousand-open", Name: "1000 Open", Kind: "ngo"}} {
			if _, err := admin.CreateOrganisation(req.WithContext(rig.Ctx), rig.DB, o); err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, o.Slug)
		}
		staffUser := rig.User(t, auth.RoleSecretariat, "")
		staff := rig.SignIn(t, staffUser)
		users := []string{staffUser.Email}
		for range 52 {
			users = append(users, rig.User(t, auth.RoleStateEditor, "DEU").Email)
		}
		orgs = append(orgs, rig.Organisation(t, "Member Org"))

		got := walk(t, staff, "/admin/organisations", orgRowRE)
		want := slices.Clone(orgs)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the pages list %d organisations %v…; want all %d by slug", len(got), got[:min(5, len(got))], len(want))
		}
		got = walk(t, staff, "/admin/organisations?q=NEEDLE", orgRowRE)
		if len(got) != 12 || !slices.IsSorted(got) || got[0] != "paging-003" {
			t.Errorf("q=NEEDLE lists %v; want the 12 Needle Labs by slug", got)
		}
		if got := walk(t, staff, "/admin/organisations?q=100%25", orgRowRE); !slices.Equal(got, []string{"percent-open"}) {
			t.Errorf("q=100%% lists %v; want only percent-open (%% is not a wildcard)", got)
		}
		if got := walk(t, staff, "/admin/organisations?q=paging-11", orgRowRE); len(got) != 8 {
			t.Errorf("q=paging-11 (a slug) lists %v; want paging-110…117", got)
		}
		// A filter whose matches fill more than a page keeps its filter on the next page.
		got = walk(t, staff, "/admin/organisations?q=paging+institute", orgRowRE)
		if len(got) != 118-12 {
			t.Errorf("q=paging institute lists %d organisations over its pages; want %d", len(got), 118-12)
		}
		if body := staff.GetBody(t, "/admin/organisations?q=zzz"); !strings.Contains(body, "Nothing matches this search.") || strings.Contains(body, `rel="next"`) {
			t.Errorf("a search without matches does not say so")
		}

		got = walk(t, staff, "/admin/users", userRowRE)
		wantUsers := slices.Clone(users)
		slices.Sort(wantUsers)
		// Member Org's account and others made by the rig are listed too.
		for _, e := range wantUsers {
			if !slices.Contains(got, e) {
				t.Errorf("the pages of /admin/users miss %s", e)
			}
		}
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("the pages of /admin/users are not each account once by e-mail: %v", got)
		}
		if got := walk(t, staff, "/admin/users?q="+url.QueryEscape(staffUser.Name), userRowRE); !slices.Equal(got, []string{staffUser.Email}) {
			t.Errorf("q=%s lists %v", staffUser.Name, got)
		}

		for _, path := range []string{"/admin/organisations?q=" + strings.Repeat("a", 201), "/admin/users?q=" + strings.Repeat("a", 201), "/admin/users?after=" + strings.Repeat("a", 255)} {
			resp := staff.Get(t, path)
			if body := testrig.Body(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at most 200 characters") && !strings.Contains(body, "valid place in the list") {
				t.Errorf("GET %.40s…: %d, want 400 naming the problem", path, resp.StatusCode)
			}
		}

		if resp := staff.Get(t, "/admin/organisations?after=%ff"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET /admin/organisations?after=%%ff: %d, want 400", resp.StatusCode)
		}

		// The account form takes the organisation's slug, not a list of every organisation.
		form := staff.GetBody(t, "/admin/users")
		if strings.Contains(form, "<option value=\"paging-000\"") || !strings.Contains(form, `id="org" name="org"`) {
			t.Errorf("the account form still lists the organisations")
		}
		newUser := url.Values{"email": {"member.paging@example.org"}, "name": {"Paging Member"}, "role": {"stakeholder"}, "org": {"no-such-org"}, "password": {testrig.Password}}
		if resp := staff.PostForm(t, "/admin/users", newUser); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), "no organisation") {
			t.Errorf("an unknown organisation slug: %d", resp.StatusCode)
		}
		if _, err := rig.App.Services.Auth.ByEmail(rig.Ctx, "member.paging@example.org"); err == nil {
			t.Error("the refused account was made")
		}
		newUser.Set("org", "paging-003")
		if resp := staff.PostForm(t, "/admin/users", newUser); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a stakeholder account with its organisation's slug: %d %.300s", resp.StatusCode, testrig.Body(resp))
		}
		if u, err := rig.App.Services.Auth.ByEmail(rig.Ctx, "member.paging@example.org"); err != nil || u.OrgSlug != "paging-003" {
			t.Errorf("the account made: %+v %v", u, err)
		}

		// The API pages the accounts with opaque cursors.
		var apiEmails []string
		for path := "/api/v1/users?limit=20"; path != ""; {
			resp := staff.Get(t, path)
			var page struct {
				Items []struct {
					Email string `json:"email"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 || len(page.Items) > 20 {
				t.Fatalf("GET %s: %d %v, %d items", path, resp.StatusCode, err, len(page.Items))
			}
			for _, it := range page.Items {
				apiEmails = append(apiEmails, it.Email)
			}
			path = ""
			if page.NextCursor != "" {
				path = "/api/v1/users?limit=20&cursor=" + page.NextCursor
			}
		}
		if web := walk(t, staff, "/admin/users", userRowRE); !slices.Equal(apiEmails, web) {
			t.Errorf("the API's pages list %d accounts, the web pages %d", len(apiEmails), len(web))
		}
		for _, path := range []string{"/api/v1/users?cursor=***", "/api/v1/users?limit=0", "/api/v1/users?q=" + strings.Repeat("a", 201)} {
			if resp := staff.Get(t, path); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %.40s: %d, want 400", path, resp.StatusCode)
			}
		}
	})
}
