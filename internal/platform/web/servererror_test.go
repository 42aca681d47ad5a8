package web

import (
	"bytes"
	"context"
	"errors"
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
