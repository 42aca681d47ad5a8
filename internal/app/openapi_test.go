package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestOpenAPIDocumentsEveryAPIRoute fails when an /api/v1 route is missing
// from the served OpenAPI document, or the document lists a route that does
// not exist.
func TestOpenAPIDocumentsEveryAPIRoute(t *testing.T) {
	rig := testrig.New(t)
	c := rig.Anonymous(t)
	resp := c.Get(t, "/api/v1/openapi.json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Comp    struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	registered := map[string]bool{}
	for _, r := range rig.App.Services.Site.Router().Routes() {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		key := strings.ToLower(r.Method) + " " + r.Path
		registered[key] = true
		if _, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, r.Path)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !registered[m+" "+p] {
				t.Errorf("the OpenAPI document lists %s %s, which is not a route", m, p)
			}
		}
	}
	// Every $ref must resolve.
	raw, _ := json.Marshal(doc.Paths)
	for _, m := range strings.Split(string(raw), `"$ref":"#/components/schemas/`)[1:] {
		name := m[:strings.Index(m, `"`)]
		if _, ok := doc.Comp.Schemas[name]; !ok && name != "ErrorResponse" {
			t.Errorf("dangling schema reference %q", name)
		}
	}
}
