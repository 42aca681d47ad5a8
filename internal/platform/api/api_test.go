package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

type input struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func decode(body, contentType string, limit int64) (input, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var v input
	err := api.Decode(httptest.NewRecorder(), r, &v, limit)
	return v, err
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body, ct string
		limit          int64
		status         int
		code, field    string
	}{
		{"a valid body decodes", `{"name":"a","count":2}`, "application/json", 0, 0, "", ""},
		{"malformed JSON is a 400", `{"name":`, "application/json", 0, 400, "malformed_json", ""},
		{"an empty body is a 400", ``, "application/json", 0, 400, "malformed_json", ""},
		{"an unknown field is named", `{"nme":"a"}`, "application/json", 0, 422, "unknown_field", "nme"},
		{"a wrong type is named", `{"count":"two"}`, "application/json", 0, 422, "invalid_field", "count"},
		{"trailing data is refused", `{"name":"a"} {"name":"b"}`, "application/json", 0, 400, "malformed_json", ""},
		{"an oversized body is a 413", `{"name":"` + strings.Repeat("x", 200) + `"}`, "application/json", 100, 413, "too_large", ""},
		{"a form body is a 415", `name=a`, "application/x-www-form-urlencoded", 0, 415, "unsupported_media_type", ""},
		{"an array is not an object", `[1,2]`, "application/json", 0, 422, "invalid_field", "(body)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(tt.body, tt.ct, tt.limit)
			if tt.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *api.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *api.Error", err)
			}
			if e.Status != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Fatalf("got %d %s %q, want %d %s %q", e.Status, e.Code, e.Field, tt.status, tt.code, tt.field)
			}
		})
	}
}

// FuzzDecode checks that no body makes Decode panic or report a success
// status as an error, and that every failure is a 4xx.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `{`, `[]`, `{"count":1e400}`, `{"tags":[1]}`, "\x00", `{"name":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decode(body, "application/json", 1<<10)
		if err == nil {
			return
		}
		var e *api.Error
		if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 {
			t.Fatalf("body %q: %v", body, err)
		}
	})
}

func TestWriteErrorHidesInternalErrors(t *testing.T) {
	w := httptest.NewRecorder()
	api.WriteError(w, errors.New("pq: password authentication failed for user"))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "password") {
		t.Fatalf("%d %s", w.Code, w.Body.String())
	}
}

func TestFieldBaseAndPath(t *testing.T) {
	for _, c := range []struct{ field, base, path string }{
		{"tlp", "tlp", ""}, {"sources[0].url", "sources", "sources[0].url"}, {"policy.review", "policy", "policy.review"},
	} {
		if b, p := api.FieldBase(c.field), api.FieldPath(c.field); b != c.base || p != c.path {
			t.Errorf("%s: base %q path %q, want %q %q", c.field, b, p, c.base, c.path)
		}
	}
}
