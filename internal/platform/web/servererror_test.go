package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// A client that goes away before its answer is ready is not a server
// error: it is logged at debug level and counted as 499, not 500.
func TestAbandonedRequestIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	site, err := NewSite(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, path := range []string{"/monitoring", "/api/v1/norms"} {
		rec := httptest.NewRecorder()
		site.ServerError(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx), errors.Join(errors.New("list norms"), ctx.Err()))
		if rec.Code != 499 {
			t.Errorf("%s abandoned: status %d, want 499", path, rec.Code)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("abandoned requests logged as failures: %s", logs.String())
	}
	rec := httptest.NewRecorder()
	site.ServerError(rec, httptest.NewRequest("GET", "/monitoring", nil), errors.New("disk full"))
	if rec.Code != http.StatusInternalServerError || !bytes.Contains(logs.Bytes(), []byte("disk full")) {
		t.Errorf("a real failure: status %d, log %q", rec.Code, logs.String())
	}
}

// A handler that breaks off an answer it has begun (http.ErrAbortHandler,
// as a report streamed whole does when a read fails) cuts the connection:
// the reader gets an error, never a shorter answer that looks whole.
func TestBrokenOffAnswerCutsTheConnection(t *testing.T) {
	site, err := NewSite(slog.New(slog.NewTextHandler(io.Discard, nil)), &api.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	h := site.withObservability(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"items":[1,2,3`))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("the broken-off answer read whole: %q", body)
	}
}
