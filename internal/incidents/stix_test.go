package incidents_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

const schemaBase = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/"

// oasisSchemas compiles the OASIS STIX 2.1 schemas for a bundle and for an
// incident from the copies in testdata (no network).
//
// The bundle schema lists the SDOs it knows, and incident is not among
// them; its branch for other objects requires oneOf core.json and
// cyber-observable-core.json, which an incident (like any object with the
// common properties) matches both of, so bundle.json refuses every bundle
// holding an incident. Incidents are therefore checked against
// sdos/incident.json, and the rest of the bundle against bundle.json.
func oasisSchemas(t *testing.T) (bundle, incident *jsonschema.Schema) {
	t.Helper()
	root := filepath.Join("testdata", "stix2-json-schemas", "schemas")
	c := jsonschema.NewCompiler()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		return c.AddResource(schemaBase+filepath.ToSlash(rel), doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err = c.Compile(schemaBase + "common/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	incident, err = c.Compile(schemaBase + "sdos/incident.json")
	if err != nil {
		t.Fatal(err)
	}
	return bundle, incident
}

// validateBundle checks body against the OASIS schemas as oasisSchemas
// explains, and returns how many incidents it checked on their own.
func validateBundle(t *testing.T, bundle, incident *jsonschema.Schema, body string) int {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	doc := inst.(map[string]any)
	var rest []any
	n := 0
	for _, o := range doc["objects"].([]any) {
		if o.(map[string]any)["type"] == "incident" {
			if err := incident.Validate(o); err != nil {
				t.Errorf("an incident does not validate against sdos/incident.json: %v", err)
			}
			n++
			continue
		}
		rest = append(rest, o)
	}
	doc["objects"] = rest
	if err := bundle.Validate(doc); err != nil {
		t.Errorf("the bundle does not validate against common/bundle.json: %v", err)
	}
	return n
}

// TestSTIXBundlesMatchTheOASISSchemas is the interop test: the bundles of
// an incident with a joint statement, a denial and a response, and of a
// list, validate against the OASIS STIX 2.1 JSON schemas, pass the strict
// parser of internal/bulletin/stix, and are the same bytes when asked twice.
func TestSTIXBundlesMatchTheOASISSchemas(t *testing.T) {
	bundleSchema, incidentSchema := oasisSchemas(t)
	rig := testrig.New(t)
	sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
	var x struct{ ID string }
	call(t, rig, sec, "POST", "/api/v1/incidents", strings.Replace(incidentJSON, `"initiators":[{"name":"Sandworm Team","state":"RUS"}]`,
		`"initiators":[{"name":"Sandworm Team","state":"RUS"},{"name":"Unnamed cluster 7","state":"RUS"}]`, 1), &x)
	call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/publish", "", nil)
	var a struct{ ID string }
	if st := call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/attributions", `{"date":"2016-02-01","attributor_kind":"state","attributor_states":["FRA","DEU"],
		"basis":"other-government","named_state":"RUS","named_actor":"G0034","norms":["gge2015-c","gge2015-f"],"law":["sovereignty"],
		"evidence":[{"url":"https://example.org/ev","title":"Annex","kind":"indicators"}],"statement_url":"https://example.org/statement"}`, &a); st != 201 {
		t.Fatalf("statement: %d", st)
	}
	call(t, rig, sec, "POST", "/api/v1/incident-attributions/"+a.ID+"/response", `{"response":"denial"}`, nil)
	call(t, rig, sec, "POST", "/api/v1/incidents/"+x.ID+"/attributions", `{"date":"2016-03-01","attributor_kind":"company","attributor_name":"Example Labs","basis":"industry","named_actor":"Unnamed cluster 7"}`, nil)

	for _, path := range []string{"/incidents/stix/" + x.ID, "/incidents/stix.json", "/incidents/stix.json?norm=gge2015-f"} {
		body := rig.Anonymous(t).GetBody(t, path)
		if n := validateBundle(t, bundleSchema, incidentSchema, body); n != 1 {
			t.Errorf("%s: %d incidents", path, n)
		}
		b, err := stix.ParseBundle([]byte(body))
		if err != nil {
			t.Errorf("%s: strict parser: %v", path, err)
			continue
		}
		types := map[string]int{}
		for _, o := range b.Objects {
			types[o.Type()]++
			if o.Type() != stix.TypeMarkingDefinition {
				if refs, _ := o.Strings("object_marking_refs"); len(refs) != 1 || refs[0] != stix.MarkingID(stix.TLPClear) {
					t.Errorf("%s: %s is not marked TLP:CLEAR", path, o.ID())
				}
			}
		}
		for _, typ := range []string{"incident", "intrusion-set", "threat-actor", "identity", "attack-pattern", "relationship", "report", "marking-definition"} {
			if types[typ] == 0 {
				t.Errorf("%s: no %s object (%v)", path, typ, types)
			}
		}
		if types["report"] != 2 {
			t.Errorf("%s: %d reports, want one per statement", path, types["report"])
		}
		if again := rig.Anonymous(t).GetBody(t, path); !bytes.Equal([]byte(again), []byte(body)) {
			t.Errorf("%s: not deterministic", path)
		}
		if !strings.Contains(body, `"intrusion-set--`) || !json.Valid([]byte(body)) {
			t.Errorf("%s: bad bundle", path)
		}
	}
}
