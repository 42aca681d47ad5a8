package web

import (
	"math"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
)

// Rule is a route's access rule: who may reach the handler at all. Finer
// rules (a State's own drafts) are checked by the services behind it. Every
// route must name one; there is no default.
type Rule struct {
	Name  string
	allow func(u *auth.User, pending bool) bool
}

// Allows reports whether a user (nil for the public) may use the route.
// pending is true for a user who has passed the password but not yet the
// second factor.
func (r Rule) Allows(u *auth.User, pending bool) bool { return r.allow(u, pending) }

// The access rules.
var (
	// Public: anyone, signed in or not.
	Public = Rule{"public", func(*auth.User, bool) bool { return true }}
	// SignedIn: any account that has completed sign-in.
	SignedIn = Rule{"signed-in", func(u *auth.User, p bool) bool { return u != nil && !p }}
	// SecondFactor: an account part-way through sign-in (password done, second
	// factor to enter or enrol), or one fully signed in.
	SecondFactor = Rule{"second-factor", func(u *auth.User, _ bool) bool { return u != nil }}
	// Secretariat only.
	Secretariat = Roles(auth.RoleSecretariat)
	// StateStaff: State editors and approvers.
	StateStaff = Roles(auth.RoleStateEditor, auth.RoleStateApprover)
	// StateApprover: State approvers only.
	StateApprover = Roles(auth.RoleStateApprover)
	// Stakeholder: members of organisations.
	Stakeholder = Roles(auth.RoleStakeholder)
)

// Roles allows fully signed-in users with any of the roles.
func Roles(roles ...auth.Role) Rule {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return Rule{strings.Join(names, "|"), func(u *auth.User, p bool) bool { return u != nil && !p && u.Has(roles...) }}
}

// Route is a registered route and its rule, kept so tests can walk them all.
type Route struct {
	Method  string
	Path    string
	Rule    Rule
	IsAPI   bool
	Summary string
}

// Router registers handlers with their rules on a ServeMux.
type Router struct {
	mux    *http.ServeMux
	routes []Route
	site   *Site
	spec   *api.Spec
	cache  *PageCache
	auth   *auth.Store
	// apiRate limits anonymous API requests per client address.
	apiRate *throttle.Rate
}

// Routes returns every registered route.
func (rt *Router) Routes() []Route { return append([]Route(nil), rt.routes...) }

// Handle registers a web page or action: pattern is "METHOD /path".
func (rt *Router) Handle(pattern string, rule Rule, h http.HandlerFunc) {
	method, p := splitPattern(pattern)
	if rule.allow == nil {
		panic("route " + pattern + " has no access rule")
	}
	rt.routes = append(rt.routes, Route{Method: method, Path: p, Rule: rule})
	rt.mux.Handle(pattern, rt.guard(pattern, rule, false, inputOf(p, nil), h))
}

// API registers a JSON endpoint and documents it in the OpenAPI document.
func (rt *Router) API(op api.Op, rule Rule, h http.HandlerFunc) {
	if rule.allow == nil {
		panic("route " + op.Method + " " + op.Path + " has no access rule")
	}
	op.Access = rule.Name
	rt.spec.Add(op)
	rt.routes = append(rt.routes, Route{Method: op.Method, Path: op.Path, Rule: rule, IsAPI: true, Summary: op.Summary})
	if op.Method == http.MethodGet {
		h = api.WithETag(h)
	}
	rt.mux.Handle(op.Method+" "+op.Path, rt.guard(op.Method+" "+op.Path, rule, true, inputOf(op.Path, op.Params), h))
}

func splitPattern(pattern string) (string, string) {
	method, p, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(p, "/") {
		panic("route pattern must be \"METHOD /path\": " + pattern)
	}
	return method, p
}

// openDuringPasswordChange are the routes a user whose password must be
// changed (auth.User.MustChangePassword) may use: the account page with its
// form, the change itself, the language, the second factor and signing out.
var openDuringPasswordChange = map[string]bool{
	"GET /account": true, "POST /account/password": true, "POST /signout": true, "GET /lang": true,
	"GET /signin/second-factor": true, "POST /signin/second-factor": true, "POST /signin/enrol": true,
}

func (rt *Router) guard(pattern string, rule Rule, isAPI bool, in input, h http.HandlerFunc) http.Handler {
	open := openDuringPasswordChange[pattern]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Text hygiene at the edge (see input.go): malformed path and query
		// parameters are 400, refused form fields 422, before any handler
		// or database sees them.
		if e := in.check(r); e != nil {
			if isAPI || strings.HasPrefix(r.URL.Path, "/api/") {
				api.WriteError(w, e)
			} else {
				rt.site.FieldError(w, r, e.Status, e.Field, e.Message)
			}
			return
		}
		u, pending := CurrentUser(r)
		if isAPI && u == nil && !rt.allowAnonymous(w, r) {
			return
		}
		// A token is made by its holder after the change, or by the operator
		// with the CLI: only browser sessions are held to the change.
		if u != nil && !pending && u.MustChangePassword && !open && !ByToken(r) {
			w.Header().Set("X-Denied-By", "password-change")
			switch {
			case isAPI:
				api.WriteError(w, &api.Error{Status: http.StatusForbidden, Code: "password_change_required", Message: "change the password the account was given before using it"})
			case r.Method == http.MethodGet:
				rt.site.Redirect(w, r, "/account", "account.must_change_password")
			default:
				rt.site.Error(w, r, http.StatusForbidden, "account.must_change_password")
			}
			return
		}
		if rule.Allows(u, pending) {
			switch {
			case rt.cache == nil:
				h(w, r)
			case rule.Name == Public.Name && u == nil && !pending && cacheable(r):
				rt.cache.serve(w, r, h)
			case r.Method != http.MethodGet && r.Method != http.MethodHead:
				// A write that went through drops the cache; a refused one
				// (bad input, throttled sign-in) changed nothing and must not
				// let anyone empty the cache at will.
				sw := &statusWriter{ResponseWriter: w}
				h(sw, r)
				if sw.status < http.StatusBadRequest {
					rt.cache.changed()
				}
			default:
				h(w, r)
			}
			return
		}
		// Marks refusals by the route rule, as opposed to a handler's own
		// row-level checks; the authorization test relies on it.
		w.Header().Set("X-Denied-By", "route-rule")
		rt.denied(r, pattern, u, pending)
		switch {
		case isAPI && u == nil:
			api.WriteError(w, api.ErrUnauthenticated)
		case isAPI:
			api.WriteError(w, api.ErrForbidden)
		case u == nil && r.Method == http.MethodGet:
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		case pending && r.Method == http.MethodGet:
			http.Redirect(w, r, "/signin/second-factor", http.StatusSeeOther)
		case u == nil:
			rt.site.Error(w, r, http.StatusUnauthorized, "error.unauthenticated")
		default:
			rt.site.Error(w, r, http.StatusForbidden, "error.forbidden")
		}
	})
}

// allowAnonymous applies the limit on anonymous API requests per client
// address, answering 429 with Retry-After beyond it. Requests from the
// machine itself (health checks, local scripts) are not limited; behind a
// proxy, --trust-proxy tells the clients apart.
func (rt *Router) allowAnonymous(w http.ResponseWriter, r *http.Request) bool {
	if rt.apiRate == nil {
		return true
	}
	client := ClientAddr(r)
	if a, err := netip.ParseAddr(client); err == nil && a.IsLoopback() {
		return true
	}
	ok, wait := rt.apiRate.Allow(client)
	if ok {
		return true
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	api.WriteError(w, api.Errorf(http.StatusTooManyRequests, "rate_limited", "",
		"more than %d requests a minute from this address without signing in; try again in %d s, or send an API token", rt.apiRate.PerMinute, secs))
	return false
}

// denied logs a refusal by a route rule as a security event; a signed-in
// user's refusal also goes to the audit log (without request content).
func (rt *Router) denied(r *http.Request, pattern string, u *auth.User, pending bool) {
	if u == nil {
		rt.site.Log.Info("security", "event", "access.denied", "route", pattern, "client", ClientAddr(r))
		return
	}
	rt.site.Log.Warn("security", "event", "access.denied", "route", pattern, "user", u.ID, "role", string(u.Role), "pending", pending, "client", ClientAddr(r))
	if rt.auth != nil && !pending {
		if err := rt.auth.RecordEvent(r.Context(), "access.denied", "user", u.ID, map[string]string{"route": pattern, "client": ClientAddr(r)}); err != nil {
			rt.site.Log.Error("audit access denial", "err", err)
		}
	}
}

var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// ServeHTTP dispatches, answering unknown paths with 404 and known paths
// with the wrong method with 405 and an Allow header, in the same HTML or
// JSON shape as every other error.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, pattern := rt.mux.Handler(r)
	if info, ok := r.Context().Value(keyInfo).(*reqInfo); ok {
		info.route = pattern
	}
	if pattern != "" {
		// ServeHTTP (not the handler Handler returned) sets the path values.
		rt.mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range probeMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := rt.mux.Handler(probe); p != "" {
			allowed = append(allowed, m)
		}
	}
	isAPI := strings.HasPrefix(r.URL.Path, "/api/")
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		if isAPI {
			api.WriteError(w, &api.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "use " + strings.Join(allowed, " or ")})
			return
		}
		rt.site.Error(w, r, http.StatusMethodNotAllowed, "error.method")
		return
	}
	if isAPI {
		api.WriteError(w, api.ErrNotFound)
		return
	}
	rt.site.Error(w, r, http.StatusNotFound, "error.notfound")
}
