package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBearerSchemeIsCaseInsensitive: "bearer", "BEARER" and "Bearer" name
// the same scheme (RFC 9110 §11.1).
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	rig := testrig.New(t)
	u := rig.User(t, auth.RoleStakeholder, "")
	tok := rig.Token(t, u)
	c := rig.Anonymous(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		resp := c.Do(t, "GET", "/api/v1/me", nil, map[string]string{"Authorization": scheme + " " + tok})
		if resp.StatusCode != http.StatusOK || !strings.Contains(testrig.Body(resp), u.Email) {
			t.Errorf("Authorization: %s cn_…: status %d, want 200 as the token's holder", scheme, resp.StatusCode)
		}
	}
}

// TestEvery401SaysHowToAuthenticate: a 401 carries WWW-Authenticate
// (RFC 9110 §11.6.1), from the token check, the route rules, the sign-in
// page and TAXII alike.
func TestEvery401SaysHowToAuthenticate(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	taxii := map[string]string{"Accept": bulletin.TAXIIMediaType}
	for _, r := range []struct {
		name, method, path string
		body               any
		header             map[string]string
	}{
		{"an unknown token", "GET", "/api/v1/norms", nil, map[string]string{"Authorization": "Bearer cn_wrong"}},
		{"no credentials on a signed-in operation", "GET", "/api/v1/me", nil, nil},
		{"TAXII members collection with a wrong bearer token", "GET", "/taxii2/bulletin/collections/" + bulletin.CollectionMembers + "/objects/", nil,
			map[string]string{"Accept": bulletin.TAXIIMediaType, "Authorization": "Bearer cn_wrong"}},
		{"TAXII members collection without credentials", "GET", "/taxii2/bulletin/collections/" + bulletin.CollectionMembers + "/objects/", nil, taxii},
		{"TAXII with wrong basic credentials", "GET", "/taxii2/", nil, map[string]string{"Accept": bulletin.TAXIIMediaType, "Authorization": "basic eDpjbl93cm9uZw=="}},
		{"a wrong password on the sign-in form", "POST", "/signin", "email=nobody%40example.org&password=wrong", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
	} {
		var body any
		if s, ok := r.body.(string); ok {
			body = nil
			req, _ := http.NewRequest(r.method, rig.URL+r.path, strings.NewReader(s))
			for k, v := range r.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			check401(t, r.name, resp)
			continue
		}
		check401(t, r.name, c.Do(t, r.method, r.path, body, r.header))
	}
}

func check401(t *testing.T, name string, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		return
	}
	if resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("%s: a 401 without WWW-Authenticate", name)
	}
}

// TestBaseURLFollowsTheAddress: without --base-url, links (e-mail, TAXII
// discovery) lead to the address the server listens on.
func TestBaseURLFollowsTheAddress(t *testing.T) {
	env := func(string) string { return "" }
	for args, want := range map[string]string{
		"--addr 127.0.0.1:18301": "http://127.0.0.1:18301",
		"--addr :18302":          "http://127.0.0.1:18302",
		"--addr [::]:18303":      "http://[::1]:18303",
		"--addr 127.0.0.1:18301 --base-url https://norms.example.org/": "https://norms.example.org",
		"": "http://127.0.0.1:8080",
	} {
		cfg, err := config.Load(strings.Fields(args), env, io.Discard)
		if err != nil {
			t.Fatalf("%s: %v", args, err)
		}
		if cfg.BaseURL != want {
			t.Errorf("%q: base URL %q, want %q", args, cfg.BaseURL, want)
		}
		if derived := !strings.Contains(args, "--base-url"); cfg.BaseURLFromAddr != derived {
			t.Errorf("%q: BaseURLFromAddr = %v", args, cfg.BaseURLFromAddr)
		}
	}
}
