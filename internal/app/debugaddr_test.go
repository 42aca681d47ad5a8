package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// --pprof-addr serves Go's profiles and, for the load test, the SQL
// statements a request runs (GET /debug/sql), on its own loopback address
// only; the main address serves neither.
func TestDebugAddressServesProfilesAndStatements(t *testing.T) {
	rig := testrig.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := rig.App.Config
	cfg.Addr = "127.0.0.1:0"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.PprofAddr = ln.Addr().String()
	ln.Close()
	cfg.MemoryLimitMB = 77
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	d, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a, err := app.New(context.Background(), cfg, d, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ready) }()
	defer func() { stop(); <-done }()
	main := "http://" + <-ready
	if got := debug.SetMemoryLimit(-1); os.Getenv("GOMEMLIMIT") == "" && got != 77<<20 {
		t.Errorf("--memory-limit-mb 77: the runtime's limit is %d bytes", got)
	}
	debugURL := "http://" + cfg.PprofAddr

	get := func(url string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(debugURL + "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("profiles index: %d", code)
	}
	for _, p := range []string{"/debug/pprof/", "/debug/sql?path=/api/v1/norms"} {
		if code, _ := get(main + p); code == http.StatusOK {
			t.Errorf("the main address serves %s", p)
		}
	}
	code, body := get(debugURL+"/debug/sql?path=/api/v1/me", "Authorization", "Bearer "+rig.Token(t, rig.User(t, auth.RoleSecretariat, "")))
	if code != http.StatusOK {
		t.Fatalf("/debug/sql: %d %s", code, body)
	}
	var got struct {
		Status int `json:"status"`
		Stmts  []struct {
			Query string `json:"query"`
			Write bool   `json:"write"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != http.StatusOK || len(got.Stmts) == 0 || !strings.Contains(got.Stmts[0].Query, "api_tokens") {
		t.Errorf("statements of /api/v1/me as a token: %s", body)
	}
	for _, bad := range []string{"http://elsewhere/", "/%zz", "norms"} {
		if code, _ := get(debugURL + "/debug/sql?path=" + url.QueryEscape(bad)); code != http.StatusBadRequest {
			t.Errorf("path %q: %d, want 400", bad, code)
		}
	}
}
