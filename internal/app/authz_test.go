package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// concrete turns a route pattern into a request path with placeholder values.
func concrete(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return pathParam.ReplaceAllStringFunc(p, func(s string) string {
		if strings.HasSuffix(s, "...}") {
			return "x/y"
		}
		return "zz-test"
	})
}

// TestEveryRouteHasARuleAndEveryRoleMeetsIt walks every registered route
// with every role: where the route's rule refuses the role, the request is
// refused by the rule (401 for the public, 403 for accounts, or a redirect
// to sign in); where it allows it, the rule does not refuse it and the
// handler never fails with a server error.
func TestEveryRouteHasARuleAndEveryRoleMeetsIt(t *testing.T) {
	rig := testrig.New(t)
	type actor struct {
		name    string
		client  *testrig.Client
		user    *auth.User
		pending bool
	}
	actors := []actor{{name: "public", client: rig.Anonymous(t)}}
	for _, role := range auth.Roles {
		u := rig.User(t, role, "")
		actors = append(actors, actor{name: string(role), client: rig.SignIn(t, u), user: u})
	}
	// A secretariat account that has given its password but not its second factor.
	pu := rig.User(t, auth.RoleSecretariat, "")
	pc := rig.Anonymous(t)
	resp := pc.PostForm(t, "/signin", url.Values{"email": {pu.Email}, "password": {testrig.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password step: %d", resp.StatusCode)
	}
	actors = append(actors, actor{name: "pending-second-factor", client: pc, user: pu, pending: true})

	routes := rig.App.Services.Site.Router().Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	known := map[string]bool{}
	for _, r := range []web.Rule{web.Public, web.SignedIn, web.SecondFactor} {
		known[r.Name] = true
	}
	for _, route := range routes {
		if route.Rule.Name == "" {
			t.Errorf("%s %s has no access rule", route.Method, route.Path)
		}
		if strings.HasPrefix(route.Path, "/api/") && !route.IsAPI {
			t.Errorf("%s %s is under /api/ but not registered with Router.API, so it is not in the OpenAPI document", route.Method, route.Path)
		}
	}
	for _, route := range routes {
		if route.Path == "/signout" || strings.HasSuffix(route.Path, "/revoke") || strings.HasPrefix(route.Path, "/account/password") {
			// These end the actor's own session; they are covered by the account tests.
			continue
		}
		for _, a := range actors {
			path := concrete(route.Path)
			var body any
			if route.Method != http.MethodGet {
				if route.IsAPI {
					body = "{}"
				} else {
					body = url.Values{}
				}
			}
			resp := a.client.Do(t, route.Method, path, body, nil)
			allowed := route.Rule.Allows(a.user, a.pending)
			denied := resp.Header.Get("X-Denied-By") == "route-rule"
			switch {
			case allowed && denied:
				t.Errorf("%s %s as %s: refused by its rule %q, which allows this role", route.Method, path, a.name, route.Rule.Name)
			case allowed && resp.StatusCode >= 500:
				t.Errorf("%s %s as %s: status %d", route.Method, path, a.name, resp.StatusCode)
			case !allowed && !denied:
				t.Errorf("%s %s as %s: rule %q should refuse it, got status %d", route.Method, path, a.name, route.Rule.Name, resp.StatusCode)
			case !allowed && a.user == nil && resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusSeeOther:
				t.Errorf("%s %s as the public: want 401 or a redirect to sign in, got %d", route.Method, path, resp.StatusCode)
			case !allowed && a.user != nil && !a.pending && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s as %s: want 403, got %d", route.Method, path, a.name, resp.StatusCode)
			}
		}
	}
}
