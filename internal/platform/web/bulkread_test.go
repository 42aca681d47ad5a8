package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
)

// apiSite has one public API list whose content the test changes.
func apiSite(t *testing.T, perMinute int) (http.Handler, *string) {
	t.Helper()
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	content := `{"items":["a"]}`
	site.Router().API(api.Op{Method: "GET", Path: "/api/v1/things", Summary: "things", Tag: "t"}, Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, content)
	})
	return site.Handler(Options{APIRate: &throttle.Rate{PerMinute: perMinute, Burst: 3}}), &content
}

func TestAPIAnswersCarryETags(t *testing.T) {
	h, content := apiSite(t, 0)
	first := get(t, h, "/api/v1/things", nil)
	tag := first.Header().Get("ETag")
	if first.Code != 200 || !strings.HasPrefix(tag, `"`) || first.Body.String() != *content {
		t.Fatalf("first read: %d, ETag %q, body %q", first.Code, tag, first.Body)
	}
	for _, inm := range []string{tag, "W/" + tag, `"other", ` + tag, "*"} {
		again := get(t, h, "/api/v1/things", func(r *http.Request) { r.Header.Set("If-None-Match", inm) })
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != tag {
			t.Errorf("If-None-Match %s: %d, %d bytes, ETag %q; want 304 with the tag and no body", inm, again.Code, again.Body.Len(), again.Header().Get("ETag"))
		}
	}
	*content = `{"items":["a","b"]}`
	changed := get(t, h, "/api/v1/things", func(r *http.Request) { r.Header.Set("If-None-Match", tag) })
	if changed.Code != 200 || changed.Header().Get("ETag") == tag || changed.Body.String() != *content {
		t.Fatalf("after a change: %d, ETag %q (was %q), body %q", changed.Code, changed.Header().Get("ETag"), tag, changed.Body)
	}
}

func TestAnonymousAPIRequestsAreLimited(t *testing.T) {
	h, _ := apiSite(t, 60) // one a second, bursts of 3
	from := func(addr string) func(*http.Request) {
		return func(r *http.Request) { r.RemoteAddr = addr + ":4711" }
	}
	for i := 0; i < 3; i++ {
		if rec := get(t, h, "/api/v1/things", from("203.0.113.7")); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, rec.Code)
		}
	}
	rec := get(t, h, "/api/v1/things", from("203.0.113.7"))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("fourth request at once: %d, want 429", rec.Code)
	}
	if s, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After %q, want about one second", rec.Header().Get("Retry-After"))
	}
	var e struct{ Error api.Error }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != "rate_limited" || !strings.Contains(e.Error.Message, "60 requests a minute") {
		t.Errorf("429 body %s", rec.Body)
	}
	if rec := get(t, h, "/api/v1/things", from("198.51.100.1")); rec.Code != 200 {
		t.Errorf("another address is not limited by the first: %d", rec.Code)
	}
	for i := 0; i < 10; i++ {
		if rec := get(t, h, "/api/v1/things", from("127.0.0.1")); rec.Code != 200 {
			t.Fatalf("loopback request %d: %d, want never limited", i+1, rec.Code)
		}
	}
}
