package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// cacheSite is a site whose one public page counts how often it renders.
func cacheSite(t *testing.T) (http.Handler, *PageCache, *atomic.Int64, *atomic.Uint64, *time.Time) {
	t.Helper()
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	var renders atomic.Int64
	var epoch atomic.Uint64
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	cache := &PageCache{Epoch: epoch.Load, TTL: time.Minute, now: func() time.Time { return now }}
	r := site.Router()
	r.Handle("GET /page", Public, func(w http.ResponseWriter, r *http.Request) {
		n := renders.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "render "+strconv.FormatInt(n, 10)+" "+string(Lang(r)))
	})
	r.Handle("GET /flash", Public, func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "x", Value: "y"})
	})
	r.Handle("GET /missing", Public, func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		http.NotFound(w, r)
	})
	r.Handle("GET /private", Public, func(w http.ResponseWriter, r *http.Request) {
		renders.Add(1)
		w.Header().Set("Cache-Control", "no-store")
	})
	r.Handle("POST /write", Public, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("refuse") {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
	})
	return site.Handler(Options{PageCache: cache}), cache, &renders, &epoch, &now
}

func get(t *testing.T, h http.Handler, path string, edit func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if edit != nil {
		edit(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPageCacheServesAnonymousReadsUntilAChange(t *testing.T) {
	h, _, renders, epoch, now := cacheSite(t)
	first := get(t, h, "/page", nil)
	second := get(t, h, "/page", nil)
	if renders.Load() != 1 {
		t.Fatalf("rendered %d times for two identical anonymous reads", renders.Load())
	}
	if first.Body.String() != second.Body.String() || second.Header().Get("X-Cache") != "hit" {
		t.Fatalf("second answer %q (X-Cache %q), first %q", second.Body, second.Header().Get("X-Cache"), first.Body)
	}
	if second.Header().Get("Content-Type") != "text/plain" || second.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("a hit lost its headers: %v", second.Header())
	}

	// Another language is another answer.
	fr := get(t, h, "/page", func(r *http.Request) { r.Header.Set("Accept-Language", "fr") })
	if renders.Load() != 2 || fr.Body.String() != "render 2 fr" {
		t.Fatalf("French answer %q after %d renders", fr.Body, renders.Load())
	}

	// An audited write anywhere moves the epoch and drops everything.
	epoch.Add(1)
	if b := get(t, h, "/page", nil).Body.String(); b != "render 3 en" {
		t.Fatalf("after a change: %q", b)
	}
	// A refused write request changes nothing and keeps the cache.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/write?refuse", nil))
	if b := get(t, h, "/page", nil).Body.String(); b != "render 3 en" {
		t.Fatalf("after a refused POST: %q", b)
	}
	// A write request that goes through drops it.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/write", nil))
	if b := get(t, h, "/page", nil).Body.String(); b != "render 4 en" {
		t.Fatalf("after a POST: %q", b)
	}
	// And age alone.
	get(t, h, "/page", nil)
	*now = now.Add(2 * time.Minute)
	if b := get(t, h, "/page", nil).Body.String(); b != "render 5 en" {
		t.Fatalf("after the TTL: %q", b)
	}
}

func TestPageCacheBypass(t *testing.T) {
	h, cache, renders, _, _ := cacheSite(t)
	for name, edit := range map[string]func(*http.Request){
		"credentials": func(r *http.Request) { r.Header.Set("Authorization", "Basic dTpw") },
		"cookie":      func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "cn_flash", Value: "saved"}) },
		"conditional": func(r *http.Request) { r.Header.Set("If-None-Match", `"x"`) },
		"range":       func(r *http.Request) { r.Header.Set("Range", "bytes=0-1") },
		"session":     func(r *http.Request) { r.AddCookie(&http.Cookie{Name: SessionCookie, Value: "unknown"}) },
	} {
		before := renders.Load()
		get(t, h, "/page", edit)
		get(t, h, "/page", edit)
		if renders.Load()-before != 2 {
			t.Errorf("%s: rendered %d times for two reads, want 2 (no cache)", name, renders.Load()-before)
		}
	}
	for _, path := range []string{"/flash", "/missing", "/private"} {
		before := renders.Load()
		get(t, h, path, nil)
		get(t, h, path, nil)
		if renders.Load()-before != 2 {
			t.Errorf("%s was answered from the cache", path)
		}
	}
	if cache.Len() != 0 {
		t.Errorf("cache holds %d answers, want none", cache.Len())
	}
}

func TestPageCacheKeepsLanguageLinks(t *testing.T) {
	h, _, renders, _, _ := cacheSite(t)
	first := get(t, h, "/page?lang=ar", nil)
	second := get(t, h, "/page?lang=ar", nil)
	if renders.Load() != 1 || second.Body.String() != "render 1 ar" {
		t.Fatalf("%d renders, second answer %q", renders.Load(), second.Body)
	}
	if c := second.Header().Get("Set-Cookie"); c == "" || c != first.Header().Get("Set-Cookie") {
		t.Fatalf("the cached answer to ?lang=ar sets %q, the first %q", c, first.Header().Get("Set-Cookie"))
	}
}

func TestPageCacheBounded(t *testing.T) {
	c := &PageCache{MaxBytes: 1000}
	for i := range 100 {
		c.store("/p"+strconv.Itoa(i), &cachedPage{body: make([]byte, 50)})
	}
	if c.used > 1000 || c.Len() == 0 {
		t.Fatalf("holds %d bytes in %d answers, bound 1000", c.used, c.Len())
	}
}
