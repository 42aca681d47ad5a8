package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	for _, path := range []string{"/", "/norms", "/api/v1/norms", "/nowhere", "/static/style.css"} {
		resp := c.Get(t, path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: nosniff %q referrer %q", path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent without --hsts", path)
		}
	}
}

func TestErrorsHaveOneShapeAndTheRightStatus(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		c := rig.Anonymous(t)
		tests := []struct {
			name, method, path, body string
			status                   int
			code                     string
		}{
			{"an unknown API route is a 404", "GET", "/api/v1/nothing", "", 404, "not_found"},
			{"a wrong method is a 405", "DELETE", "/api/v1/norms", "", 405, "method_not_allowed"},
			{"an unknown norm is a 404 naming the field", "GET", "/api/v1/norms/gge2015-z", "", 404, "not_found"},
			{"an unknown State is a 404", "GET", "/api/v1/states/XXX", "", 404, "not_found"},
			{"a bad filter is a 422 naming the field", "GET", "/api/v1/states?group=nordic", "", 422, "invalid_field"},
			{"a bad language is a 422", "GET", "/api/v1/norms?lang=de", "", 422, "invalid_field"},
			{"an unauthenticated write is a 401", "POST", "/api/v1/norms/gge2015-a/texts", `{"lang":"fr"}`, 401, "unauthenticated"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				resp := c.Do(t, tt.method, tt.path, body, nil)
				var e struct {
					Error struct{ Code, Message, Field string } `json:"error"`
				}
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
					t.Fatalf("body is not the error shape: %v", err)
				}
				if resp.StatusCode != tt.status || e.Error.Code != tt.code || e.Error.Message == "" {
					t.Fatalf("got %d %+v", resp.StatusCode, e.Error)
				}
			})
		}
		t.Run("an HTML 404 and 405 are pages, not plain text", func(t *testing.T) {
			resp := c.Get(t, "/no/such/page")
			if resp.StatusCode != 404 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			resp = c.Do(t, "PUT", "/norms", nil, nil)
			if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET" {
				t.Fatalf("%d Allow=%q", resp.StatusCode, resp.Header.Get("Allow"))
			}
		})
	})
}

func TestSecretariatCurationOfNormTexts(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		sec := rig.User(t, auth.RoleSecretariat, "")
		token := rig.Token(t, sec)
		c := rig.Anonymous(t)
		hdr := map[string]string{"Authorization": "Bearer " + token}
		resp := c.Do(t, "POST", "/api/v1/norms/gge2015-h/texts", `{"lang":"fr","text":"Les États devraient répondre aux demandes d'assistance appropriées…","source":"A/70/174 (version française)"}`, hdr)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("add translation: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		for _, bad := range []struct{ body, field string }{
			{`{"lang":"de","text":"x","source":"y"}`, "lang"},
			{`{"lang":"fr","text":"","source":"y"}`, "text"},
			{`{"lang":"fr","text":"x","source":""}`, "source"},
			{`{"lang":"fr","text":"x","source":"y","extra":1}`, "extra"},
		} {
			resp := c.Do(t, "POST", "/api/v1/norms/gge2015-h/texts", bad.body, hdr)
			var e struct{ Error struct{ Field string } }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Field != bad.field {
				t.Errorf("%s: %d field %q", bad.body, resp.StatusCode, e.Error.Field)
			}
		}
		body := c.GetBody(t, "/api/v1/norms?lang=fr&set=gge2015")
		if !strings.Contains(body, "Les États devraient") || !strings.Contains(body, `"lang":"en"`) {
			t.Fatal("French text not served, or untranslated norms do not fall back to English")
		}
		editor := rig.User(t, auth.RoleStakeholder, "")
		resp = c.Do(t, "POST", "/api/v1/norms/gge2015-h/texts", `{"lang":"fr","text":"x","source":"y"}`, map[string]string{"Authorization": "Bearer " + rig.Token(t, editor)})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a stakeholder curated a norm: %d", resp.StatusCode)
		}
	})
}

func TestMetricsAndHealth(t *testing.T) {
	const token = "metrics-token-0123456789abcdef0123456789"
	rig := testrig.NewWith(t, "sqlite", func(c *config.Config) { c.MetricsToken = token })
	c := rig.Anonymous(t)
	// Read the whole page: its metrics are recorded when the handler returns.
	c.GetBody(t, "/norms")
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer cn_" + token}} {
		if resp := c.Do(t, "GET", "/metrics", nil, h); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("/metrics without the operator's token (%v): %d", h, resp.StatusCode)
		}
	}
	resp := c.Do(t, "GET", "/metrics", nil, map[string]string{"Authorization": "Bearer " + token})
	body := testrig.Body(resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", resp.StatusCode)
	}
	for _, want := range []string{`cybernorms_http_requests_total{route="GET /norms",status="200"}`, "cybernorms_http_request_duration_seconds", "go_sql_open_connections", "cybernorms_jobs"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if body := c.GetBody(t, "/healthz"); !strings.Contains(body, `"status":"ok"`) || !strings.Contains(body, `"version":"`+app.Version+`"`) {
		t.Errorf("healthz: %s", body)
	}
	// The back office's footer carries the version; public pages do not.
	if body := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, "")).GetBody(t, "/admin"); !strings.Contains(body, `<p class="version">cybernorms `+app.Version) {
		t.Errorf("the back office's footer lacks the version")
	}
	if body := c.GetBody(t, "/norms"); strings.Contains(body, `class="version"`) {
		t.Errorf("a public page shows the version")
	}
	// Without a token the main address does not serve the metrics at all.
	if resp := testrig.New(t).Anonymous(t).Get(t, "/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics with no metrics-token set: %d, want 404", resp.StatusCode)
	}
}

func TestStaticHasNoListings(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	for _, p := range []string{"/static/", "/static/./", "/static//"} {
		resp := c.Get(t, p)
		if body := testrig.Body(resp); resp.StatusCode == http.StatusOK || strings.Contains(body, `<a href="style.css">`) {
			t.Errorf("GET %s: %d, a listing", p, resp.StatusCode)
		}
	}
}

// TestTwoInstancesOnOneDatabaseAreOneSite signs in on one instance and uses
// the session and its second factor on another sharing the PostgreSQL
// database, as behind a load balancer.
func TestTwoInstancesOnOneDatabaseAreOneSite(t *testing.T) {
	kinds := testrig.DBKinds(t)
	if len(kinds) < 2 {
		t.Skip("PostgreSQL skipped: set CYBERNORMS_TEST_DATABASE_URL")
	}
	first := testrig.NewOn(t, "postgres")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := first.App.Config
	second, err := app.New(context.Background(), cfg, first.DB, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(second.Handler())
	defer srv.Close()

	u := first.User(t, auth.RoleStateApprover, "BRA")
	c := first.SignIn(t, u)
	base, _ := url.Parse(first.URL)
	other, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(base) {
		c.Jar.SetCookies(other, []*http.Cookie{ck})
	}
	c.Base = srv.URL
	resp := c.Get(t, "/api/v1/me")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("session from instance one refused by instance two: %d", resp.StatusCode)
	}
	_ = os.Getenv
}
