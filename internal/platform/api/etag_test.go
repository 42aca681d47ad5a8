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

// An answer encoded once (api.Encode) is written as WriteJSON writes it,
// with a strong ETag that changes with its bytes; a request naming the tag
// gets a 304 and no body.
func TestEncodedAnswersCarryTheirTag(t *testing.T) {
	v := map[string]any{"items": []string{"a"}, "next_cursor": nil}
	e, err := api.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	want := httptest.NewRecorder()
	api.WriteJSON(want, http.StatusOK, v)
	got := httptest.NewRecorder()
	e.Write(got, httptest.NewRequest("GET", "/", nil))
	tag := got.Header().Get("ETag")
	if got.Code != 200 || got.Body.String() != want.Body.String() || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") || tag == "" {
		t.Fatalf("%d %q %q, want %q with an ETag", got.Code, got.Body.String(), tag, want.Body.String())
	}
	again := httptest.NewRequest("GET", "/", nil)
	again.Header.Set("If-None-Match", tag)
	rec := httptest.NewRecorder()
	e.Write(rec, again)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("the same tag: %d %q, want 304 and nothing", rec.Code, rec.Body.String())
	}
	other, _ := api.Encode(map[string]any{"items": []string{"b"}})
	rec = httptest.NewRecorder()
	other.Write(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Header().Get("ETag") == tag {
		t.Error("another answer has the same tag")
	}
}
