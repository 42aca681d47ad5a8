package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// A handler that names its answer's ETag (api.Tagged) streams through
// WithETag untouched, under its own tag, and a request naming that tag
// gets a 304 without the handler writing anything more.
func TestTaggedAnswersStreamUnderTheirOwnTag(t *testing.T) {
	wrote := 0
	h := api.WithETag(func(w http.ResponseWriter, r *http.Request) {
		if !api.Tagged(w, r, []byte("report 7"), []byte("revision 3")) {
			return
		}
		wrote++
		w.Write([]byte("streamed"))
	})
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest("GET", "/", nil))
	tag := rec.Header().Get("ETag")
	if rec.Code != 200 || rec.Body.String() != "streamed" || tag == "" {
		t.Fatalf("first answer: %d %q, ETag %q", rec.Code, rec.Body, tag)
	}
	other := httptest.NewRecorder()
	api.Tagged(other, httptest.NewRequest("GET", "/", nil), []byte("report 7"), []byte("revision 4"))
	if other.Header().Get("ETag") == tag {
		t.Errorf("another revision has the same tag %s", tag)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", `"other", `+tag)
	rec = httptest.NewRecorder()
	h(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || wrote != 1 {
		t.Errorf("naming the tag: %d with %q, handler wrote %d times; want 304, nothing, once", rec.Code, rec.Body, wrote)
	}
}
