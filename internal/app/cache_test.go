package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func frenchNorm(t *testing.T, c *testrig.Client) (string, string) {
	t.Helper()
	resp := c.Do(t, "GET", "/norms/gge2015-h", nil, map[string]string{"Accept-Language": "fr"})
	return testrig.Body(resp), resp.Header.Get("X-Cache")
}

func addFrench(t *testing.T, fw *framework.Store, text string) {
	t.Helper()
	_, err := fw.AddText(context.Background(), "gge2015-h", framework.TextInput{Lang: "fr", Text: text, Source: "test"}, web.KnownLanguage)
	if err != nil {
		t.Fatal(err)
	}
}

// TestPageCacheFollowsWrites: a public page read twice by visitors is
// rendered once, and an audited write shows at once on the same instance
// and within about a second on another instance sharing the database.
func TestPageCacheFollowsWrites(t *testing.T) {
	rig := testrig.New(t)
	anon := rig.Anonymous(t)
	before, _ := frenchNorm(t, anon)
	if _, hit := frenchNorm(t, anon); hit != "hit" {
		t.Fatalf("second anonymous read of a norm was rendered again (X-Cache %q)", hit)
	}
	signedIn := rig.SignIn(t, rig.User(t, "stakeholder", ""))
	if _, hit := frenchNorm(t, signedIn); hit != "" {
		t.Fatalf("a signed-in read was answered from the cache")
	}

	addFrench(t, rig.App.Framework, "Texte français numéro un.")
	after, _ := frenchNorm(t, anon)
	if after == before || !strings.Contains(after, "Texte français numéro un.") {
		t.Fatalf("the page did not change after the write on the same instance")
	}

	// A second instance: its own connection pool on the same SQLite file,
	// serving for real so that it watches the audit log.
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := rig.App.Config
	cfg.Addr = "127.0.0.1:0"
	d2, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	second, err := app.New(context.Background(), cfg, d2, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- second.Serve(ctx, ready) }()
	defer func() { stop(); <-done }()
	other := &testrig.Client{Client: &http.Client{}, Base: "http://" + <-ready}
	frenchNorm(t, other)
	if _, hit := frenchNorm(t, other); hit != "hit" {
		t.Fatalf("second instance did not cache (X-Cache %q)", hit)
	}
	addFrench(t, rig.App.Framework, "Texte français numéro deux.")
	deadline := time.Now().Add(5 * time.Second)
	for {
		body, _ := frenchNorm(t, other)
		if strings.Contains(body, "Texte français numéro deux.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other instance still serves the page from before the write after 5 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
