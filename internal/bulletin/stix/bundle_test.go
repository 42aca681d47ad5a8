package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// fixture builds a realistic contribution to one bulletin issue: a company
// reports a threat actor spear-phishing ministries, the ATT&CK technique it
// uses, the mitigation, a note from the publisher, and TLP markings.
func fixture(t testing.TB) Bundle {
	t.Helper()
	at := NewTimestamp(time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC))
	later := NewTimestamp(time.Date(2026, 4, 2, 9, 30, 15, 123_000_000, time.UTC))

	publisher := Identity{Common: NewCommon(TypeIdentity, DeterministicID(TypeIdentity, "cybernorms", "publisher"), at),
		Name: "Cybernorms Bulletin", IdentityClass: "organization"}
	company := Identity{Common: NewCommon(TypeIdentity, DeterministicID(TypeIdentity, "contributor", "acme-security"), at),
		Name: "ACME Security", IdentityClass: "organization", Sectors: []string{"technology"}}
	company.CreatedByRef = publisher.ID

	amber := MarkingID(TLPAmber)
	green := MarkingID(TLPGreen)
	mark := func(c *Common, marking string) {
		c.CreatedByRef = company.ID
		c.ObjectMarkingRefs = []string{marking}
	}

	actor := ThreatActor{Common: NewCommon(TypeThreatActor, DeterministicID(TypeThreatActor, "acme-security", "GREY HERON"), at),
		Name: "GREY HERON", ThreatActorTypes: []string{"nation-state"}, Aliases: []string{"APT-XX"}, Sophistication: "advanced"}
	mark(&actor.Common, amber)
	actor.Modified = later

	technique := AttackPattern{Common: NewCommon(TypeAttackPattern, DeterministicID(TypeAttackPattern, SourceMitreAttack, "T1566.001"), at),
		Name:            "Spearphishing Attachment",
		KillChainPhases: []KillChainPhase{{KillChainName: "mitre-attack", PhaseName: "initial-access"}}}
	technique.ExternalReferences = []ExternalReference{MitreAttackReference("T1566.001", "https://attack.mitre.org/techniques/T1566/001/")}
	mark(&technique.Common, green)

	mitigation := CourseOfAction{Common: NewCommon(TypeCourseOfAction, DeterministicID(TypeCourseOfAction, "acme-security", "attachment-sandboxing"), at),
		Name: "Detonate attachments in a sandbox", Description: "Open inbound attachments in an isolated environment first."}
	mark(&mitigation.Common, green)

	uses := Relationship{Common: NewCommon(TypeRelationship, DeterministicID(TypeRelationship, actor.ID, RelUses, technique.ID), at),
		RelationshipType: RelUses, SourceRef: actor.ID, TargetRef: technique.ID}
	mark(&uses.Common, amber)
	mitigates := Relationship{Common: NewCommon(TypeRelationship, DeterministicID(TypeRelationship, mitigation.ID, RelMitigates, technique.ID), at),
		RelationshipType: RelMitigates, SourceRef: mitigation.ID, TargetRef: technique.ID}
	mark(&mitigates.Common, green)
	targets := Relationship{Common: NewCommon(TypeRelationship, DeterministicID(TypeRelationship, actor.ID, RelTargets, company.ID), at),
		RelationshipType: RelTargets, SourceRef: actor.ID, TargetRef: company.ID, Description: "Phishing lures sent to ACME staff."}
	mark(&targets.Common, amber)

	report := Report{Common: NewCommon(TypeReport, DeterministicID(TypeReport, "bulletin", "2026-Q1", "acme-security"), at),
		Name: "ACME Security – Q1 2026 contribution", ReportTypes: []string{"threat-actor", "attack-pattern"},
		Published:  at,
		ObjectRefs: []string{actor.ID, technique.ID, mitigation.ID, uses.ID, mitigates.ID, targets.ID}}
	mark(&report.Common, amber)
	report.Labels = []string{"bulletin-2026-q1"}

	note := Note{Common: NewCommon(TypeNote, DeterministicID(TypeNote, "bulletin", "2026-Q1", "editorial"), at),
		Abstract: "Editorial", Content: "Confirmed by two other contributors.", Authors: []string{"Cybernorms Bulletin"},
		ObjectRefs: []string{report.ID}}
	note.CreatedByRef = publisher.ID
	note.ObjectMarkingRefs = []string{green}

	var objects []Object
	for _, v := range []any{publisher, company, TLPMarkingDefinition(TLPAmber), TLPMarkingDefinition(TLPGreen),
		actor, technique, mitigation, uses, mitigates, targets, report, note} {
		o, err := ToObject(v)
		if err != nil {
			t.Fatal(err)
		}
		objects = append(objects, o)
	}
	// A property from a contributor's own tooling must survive import and export.
	if err := objects[4].Set("x_acme_confidence_note", map[string]any{"analyst": "jd", "score": 80}); err != nil {
		t.Fatal(err)
	}
	return NewBundle(DeterministicID(TypeBundle, "bulletin", "2026-Q1"), objects...)
}

func TestRoundTrip(t *testing.T) {
	b := fixture(t)
	data, err := MarshalBundle(b)
	if err != nil {
		t.Fatalf("MarshalBundle: %v", err)
	}
	parsed, err := ParseBundle(data)
	if err != nil {
		t.Fatalf("ParseBundle: %v", err)
	}
	if parsed.ID != b.ID || len(parsed.Objects) != len(b.Objects) {
		t.Fatalf("parsed %s with %d objects, want %s with %d", parsed.ID, len(parsed.Objects), b.ID, len(b.Objects))
	}
	again, err := MarshalBundle(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("re-export differs:\n%s\n%s", data, again)
	}

	actor, ok := parsed.Get(DeterministicID(TypeThreatActor, "acme-security", "GREY HERON"))
	if !ok {
		t.Fatal("threat actor missing")
	}
	if got := string(actor.Raw("x_acme_confidence_note")); got != `{"analyst":"jd","score":80}` {
		t.Errorf("custom property = %s", got)
	}
	var ta ThreatActor
	if err := actor.Decode(&ta); err != nil {
		t.Fatal(err)
	}
	if ta.Name != "GREY HERON" || ta.Modified.String() != "2026-04-02T09:30:15.123Z" || ta.Created.String() != "2026-03-31T12:00:00.000Z" {
		t.Errorf("decoded %+v", ta)
	}
	var ap AttackPattern
	if err := parsed.OfType(TypeAttackPattern)[0].Decode(&ap); err != nil {
		t.Fatal(err)
	}
	if ap.TechniqueID() != "T1566.001" {
		t.Errorf("TechniqueID = %q", ap.TechniqueID())
	}
	if tlp, _ := ObjectTLP(actor); tlp != TLPAmber {
		t.Errorf("actor TLP = %v", tlp)
	}
}

func TestMarshalBundleIsDeterministic(t *testing.T) {
	b := fixture(t)
	first, err := MarshalBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	// Same content in another order, rebuilt from scratch: same bytes.
	shuffled := fixture(t)
	for i, j := 0, len(shuffled.Objects)-1; i < j; i, j = i+1, j-1 {
		shuffled.Objects[i], shuffled.Objects[j] = shuffled.Objects[j], shuffled.Objects[i]
	}
	second, err := MarshalBundle(shuffled)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("the same objects in another order gave different bytes")
	}
	if !bytes.HasPrefix(first, []byte(`{"type":"bundle","id":"bundle--a9dd57f8-3806-586e-a30a-2dca658e7303","objects":[{"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--6161aea6`)) {
		t.Errorf("unexpected start: %.200s", first)
	}
}

func TestMarshalBundleRefusesInvalidContent(t *testing.T) {
	b := fixture(t)
	b.Objects[5].Delete("name")
	_, err := MarshalBundle(b)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Property != "name" || ve.ObjectIndex != 5 {
		t.Fatalf("err = %v", err)
	}
}

// mutate returns the fixture's JSON after changing one object.
func mutate(t *testing.T, index int, change func(map[string]any)) []byte {
	t.Helper()
	data, err := MarshalBundle(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if index < 0 {
		change(doc)
	} else {
		change(doc["objects"].([]any)[index].(map[string]any))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Object indices in the marshalled fixture (sorted by id):
const (
	ixAttackPattern = 0
	ixCourse        = 1
	ixIdentityPub   = 3 // identity--784906ab… (publisher)
	ixMarkingGreen  = 5 // marking-definition--bab4a63c… (TLP:GREEN)
	ixNote          = 6
	ixRelationship  = 8 // the "uses" relationship
	ixReport        = 10
	ixThreatActor   = 11
)

func TestFixtureIndices(t *testing.T) {
	data, _ := MarshalBundle(fixture(t))
	b, err := ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	for ix, typ := range map[int]string{ixAttackPattern: TypeAttackPattern, ixCourse: TypeCourseOfAction,
		ixIdentityPub: TypeIdentity, ixMarkingGreen: TypeMarkingDefinition, ixNote: TypeNote,
		ixRelationship: TypeRelationship, ixReport: TypeReport, ixThreatActor: TypeThreatActor} {
		if got := b.Objects[ix].Type(); got != typ {
			t.Errorf("objects[%d] is a %s, want %s", ix, got, typ)
		}
	}
	if rt, _ := b.Objects[ixRelationship].String("relationship_type"); rt != RelUses {
		t.Errorf("objects[%d] is a %q relationship", ixRelationship, rt)
	}
	if b.Objects[ixIdentityPub].ID() != DeterministicID(TypeIdentity, "cybernorms", "publisher") {
		t.Errorf("objects[%d] is %s", ixIdentityPub, b.Objects[ixIdentityPub].ID())
	}
	if b.Objects[ixMarkingGreen].ID() != MarkingID(TLPGreen) {
		t.Errorf("objects[%d] is %s", ixMarkingGreen, b.Objects[ixMarkingGreen].ID())
	}
}

func TestParseBundleRefuses(t *testing.T) {
	set := func(k string, v any) func(map[string]any) { return func(m map[string]any) { m[k] = v } }
	del := func(k string) func(map[string]any) { return func(m map[string]any) { delete(m, k) } }
	tests := []struct {
		name     string
		data     []byte
		index    int
		property string
		reason   string // a fragment of the reason
	}{
		{"a document that is not JSON", []byte(`{"type":`), -1, "", "not a JSON object"},
		{"a JSON array", []byte(`[]`), -1, "", "not a JSON object"},
		{"a document that is not UTF-8", []byte("{\"type\":\"bundle\",\"x_name\":\"\xff\"}"), -1, "", "not valid UTF-8"},
		{"a bundle of the wrong type", mutate(t, -1, set("type", "report")), -1, "type", `must be "bundle"`},
		{"a bundle id of another type", mutate(t, -1, set("id", "report--f0c13633-c4ac-57db-9884-b58d2f38e55f")), -1, "id", "bundle--<uuid>"},
		{"a bundle id without a UUID", mutate(t, -1, set("id", "bundle--1234")), -1, "id", "not a UUID"},
		{"a STIX 2.0 bundle", mutate(t, -1, set("spec_version", "2.0")), -1, "spec_version", "only STIX 2.1"},
		{"objects that are not a list", mutate(t, -1, set("objects", map[string]any{})), -1, "objects", "not a list"},
		{"an empty objects list", mutate(t, -1, set("objects", []any{})), -1, "objects", "empty list"},
		{"an object that is not an object", mutate(t, -1, func(m map[string]any) { m["objects"] = append(m["objects"].([]any), "x") }), 12, "", "not a JSON object"},
		{"a missing type", mutate(t, ixNote, del("type")), ixNote, "type", "missing"},
		{"an upper-case type", mutate(t, ixNote, set("type", "Note")), ixNote, "type", "a-z, 0-9"},
		{"a two-letter type", mutate(t, ixNote, set("type", "no")), ixNote, "type", "3 to 250"},
		{"an id that does not match the type", mutate(t, ixNote, set("id", "report--f0c13633-c4ac-57db-9884-b58d2f38e55f")), ixNote, "id", `does not match the object type "note"`},
		{"an upper-case UUID", mutate(t, ixNote, set("id", "note--F0C13633-C4AC-57DB-9884-B58D2F38E55F")), ixNote, "id", "lower case"},
		{"a missing spec_version", mutate(t, ixNote, del("spec_version")), ixNote, "spec_version", "missing"},
		{"spec_version 2.0", mutate(t, ixNote, set("spec_version", "2.0")), ixNote, "spec_version", `must be "2.1"`},
		{"a missing created", mutate(t, ixNote, del("created")), ixNote, "created", "missing"},
		{"a created without Z", mutate(t, ixAttackPattern, set("created", "2026-03-31T12:00:00.000+00:00")), ixAttackPattern, "created", "not an RFC 3339 timestamp"},
		{"a created that is a date", mutate(t, ixAttackPattern, set("created", "2026-03-31")), ixAttackPattern, "created", "not an RFC 3339 timestamp"},
		{"a created on 31 February", mutate(t, ixAttackPattern, set("created", "2026-02-31T12:00:00Z")), ixAttackPattern, "created", "not an RFC 3339 timestamp"},
		{"a created that is a number", mutate(t, ixAttackPattern, set("created", 1700000000)), ixAttackPattern, "created", "not an RFC 3339 timestamp"},
		{"a missing modified", mutate(t, ixThreatActor, del("modified")), ixThreatActor, "modified", "missing"},
		{"modified before created", mutate(t, ixThreatActor, set("modified", "2026-01-01T00:00:00.000Z")), ixThreatActor, "modified", "earlier than created"},
		{"a report without a name", mutate(t, ixReport, del("name")), ixReport, "name", "missing (required for report)"},
		{"a report with an empty name", mutate(t, ixReport, set("name", "  ")), ixReport, "name", "empty"},
		{"a report without published", mutate(t, ixReport, del("published")), ixReport, "published", "missing"},
		{"a report with a bad published", mutate(t, ixReport, set("published", "yesterday")), ixReport, "published", "not an RFC 3339 timestamp"},
		{"a report without object_refs", mutate(t, ixReport, del("object_refs")), ixReport, "object_refs", "missing"},
		{"a report with empty object_refs", mutate(t, ixReport, set("object_refs", []string{})), ixReport, "object_refs", "empty list"},
		{"a report referring to a non-id", mutate(t, ixReport, set("object_refs", []string{"GREY HERON"})), ixReport, "object_refs", "not a STIX identifier"},
		{"a relationship without relationship_type", mutate(t, ixRelationship, del("relationship_type")), ixRelationship, "relationship_type", "missing"},
		{"a relationship without source_ref", mutate(t, ixRelationship, del("source_ref")), ixRelationship, "source_ref", "missing"},
		{"a relationship without target_ref", mutate(t, ixRelationship, del("target_ref")), ixRelationship, "target_ref", "missing"},
		{"a relationship type with spaces", mutate(t, ixRelationship, set("relationship_type", "is used by")), ixRelationship, "relationship_type", "a-z, 0-9"},
		{"mitigates from a threat actor", mutate(t, ixRelationship, set("relationship_type", "mitigates")), ixRelationship, "source_ref", `a "mitigates" relationship cannot start at threat-actor`},
		{"uses aimed at an identity", mutate(t, ixRelationship, set("target_ref", "identity--784906ab-3a79-53f7-827e-5f91c7fc158b")), ixRelationship, "target_ref", `threat-actor "uses" identity is not a STIX 2.1 relationship`},
		{"a relationship to a marking", mutate(t, ixRelationship, set("target_ref", MarkingID(TLPRed))), ixRelationship, "target_ref", "cannot end at marking-definition"},
		{"an attack pattern without a name", mutate(t, ixAttackPattern, del("name")), ixAttackPattern, "name", "missing"},
		{"an ATT&CK reference that is not a technique", mutate(t, ixAttackPattern, set("external_references", []any{map[string]any{"source_name": "mitre-attack", "external_id": "M1049"}})), ixAttackPattern, "external_references", "not an ATT&CK technique id"},
		{"an external reference without source_name", mutate(t, ixAttackPattern, set("external_references", []any{map[string]any{"url": "https://example.org"}})), ixAttackPattern, "external_references", "source_name is missing"},
		{"an external reference with only source_name", mutate(t, ixAttackPattern, set("external_references", []any{map[string]any{"source_name": "x"}})), ixAttackPattern, "external_references", "description, url or external_id"},
		{"a threat actor without a name", mutate(t, ixThreatActor, del("name")), ixThreatActor, "name", "missing"},
		{"a threat actor with last_seen before first_seen", mutate(t, ixThreatActor, func(m map[string]any) {
			m["first_seen"] = "2025-01-01T00:00:00Z"
			m["last_seen"] = "2024-01-01T00:00:00Z"
		}), ixThreatActor, "last_seen", "not earlier than first_seen"},
		{"a course of action without a name", mutate(t, ixCourse, del("name")), ixCourse, "name", "missing"},
		{"a note without content", mutate(t, ixNote, del("content")), ixNote, "content", "missing"},
		{"a note without object_refs", mutate(t, ixNote, del("object_refs")), ixNote, "object_refs", "missing"},
		{"an identity without a name", mutate(t, ixIdentityPub, del("name")), ixIdentityPub, "name", "missing"},
		{"created_by_ref to a report", mutate(t, ixNote, set("created_by_ref", "report--f0c13633-c4ac-57db-9884-b58d2f38e55f")), ixNote, "created_by_ref", "must point to identity"},
		{"a marking ref to an identity", mutate(t, ixNote, set("object_marking_refs", []string{"identity--784906ab-3a79-53f7-827e-5f91c7fc158b"})), ixNote, "object_marking_refs", "must point to marking-definition"},
		{"labels that are not strings", mutate(t, ixNote, set("labels", []any{1})), ixNote, "labels", "not a list of strings"},
		{"aliases that are not a list", mutate(t, ixThreatActor, set("aliases", "APT-XX")), ixThreatActor, "aliases", "not a list of strings"},
		{"a kill chain phase without a phase name", mutate(t, ixAttackPattern, set("kill_chain_phases", []any{map[string]any{"kill_chain_name": "mitre-attack"}})), ixAttackPattern, "kill_chain_phases", "phase_name"},
		{"an empty label list", mutate(t, ixNote, set("labels", []any{})), ixNote, "labels", "empty list"},
		{"confidence out of range", mutate(t, ixNote, set("confidence", 101)), ixNote, "confidence", "0 to 100"},
		{"a property name with a hyphen", mutate(t, ixNote, set("x-acme-score", 3)), ixNote, "x-acme-score", "letters, digits and underscore"},
		{"a marking definition without a definition", mutate(t, ixMarkingGreen, del("extensions")), ixMarkingGreen, "definition_type", "missing"},
		{"TLP:GREEN's id with TLP:CLEAR's name", mutate(t, ixMarkingGreen, set("name", "TLP:CLEAR")), ixMarkingGreen, "name", `must be "TLP:GREEN"`},
		{"TLP:GREEN's id marked red", mutate(t, ixMarkingGreen, set("extensions", map[string]any{TLP2ExtensionID: map[string]any{"extension_type": "property-extension", "tlp_2_0": "red"}})), ixMarkingGreen, "extensions", `tlp_2_0 "green"`},
		{"a nested bundle", mutate(t, -1, func(m map[string]any) {
			m["objects"] = append(m["objects"].([]any), map[string]any{"type": "bundle", "id": "bundle--a9dd57f8-3806-586e-a30a-2dca658e7303"})
		}), 12, "type", "cannot contain a bundle"},
		{"the same object version twice", mutate(t, -1, func(m map[string]any) {
			objs := m["objects"].([]any)
			m["objects"] = append(objs, objs[ixNote])
		}), 12, "id", "already objects[6]"},
		{"a property given twice", []byte(`{"type":"bundle","id":"bundle--a9dd57f8-3806-586e-a30a-2dca658e7303","objects":[{"type":"note","type":"report"}]}`), 0, "type", "appears twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBundle(tt.data)
			if err == nil {
				t.Fatal("accepted")
			}
			var errs ValidationErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error %T is not ValidationErrors: %v", err, err)
			}
			for _, e := range errs {
				if e.ObjectIndex == tt.index && e.Property == tt.property && strings.Contains(e.Reason, tt.reason) {
					return
				}
			}
			t.Errorf("no error at objects[%d] property %q with %q; got:\n%v", tt.index, tt.property, tt.reason, err)
		})
	}
}

func TestParseBundleSizeLimits(t *testing.T) {
	big := bytes.Repeat([]byte(" "), MaxBundleBytes+1)
	_, err := ParseBundle(big)
	var ve *ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Reason, "exceeds the limit") {
		t.Errorf("oversized bundle: %v", err)
	}

	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"bundle--a9dd57f8-3806-586e-a30a-2dca658e7303","objects":[`)
	for i := range MaxObjects + 1 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{}`)
	}
	buf.WriteString(`]}`)
	_, err = ParseBundle(buf.Bytes())
	if !errors.As(err, &ve) || ve.Property != "objects" || !strings.Contains(ve.Reason, "exceeds the limit of 10000") {
		t.Errorf("too many objects: %v", err)
	}
}

func TestParseBundleCapsTheErrorList(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":"bundle--a9dd57f8-3806-586e-a30a-2dca658e7303","objects":[`)
	for i := range 500 {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"type":"note"}`)
	}
	buf.WriteString(`]}`)
	_, err := ParseBundle(buf.Bytes())
	var errs ValidationErrors
	if !errors.As(err, &errs) || len(errs) != MaxReportedErrors {
		t.Errorf("got %d errors, want %d", len(errs), MaxReportedErrors)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	tests := []struct {
		err  ValidationError
		want string
	}{
		{ValidationError{3, "attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97", "created", "not an RFC 3339 timestamp"},
			`objects[3] (attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97): property "created": not an RFC 3339 timestamp`},
		{ValidationError{0, "", "id", "missing"}, `objects[0]: property "id": missing`},
		{ValidationError{-1, "", "id", "missing"}, `bundle: property "id": missing`},
		{ValidationError{-1, "", "", "not a JSON object"}, `bundle: not a JSON object`},
		{ValidationError{-1, "note--f0c13633-c4ac-57db-9884-b58d2f38e55f", "content", "missing"}, `note--f0c13633-c4ac-57db-9884-b58d2f38e55f: property "content": missing`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestParseBundleAcceptsOtherProducers(t *testing.T) {
	// Shapes other tools emit that STIX 2.1 allows: microsecond timestamps,
	// TLP 1.0 markings, custom object types, cyber-observables without
	// created/modified, a statement marking, no objects at all.
	doc := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
	 {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:AMBER","definition":{"tlp":"amber"}},
	 {"type":"marking-definition","spec_version":"2.1","id":"marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f","created":"2026-01-01T00:00:00Z","definition_type":"statement","definition":{"statement":"Copyright ACME"}},
	 {"type":"intrusion-set","spec_version":"2.1","id":"intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29","created":"2023-07-21T13:08:30.508567Z","modified":"2023-09-25T13:13:33.607785Z","name":"Heron","object_marking_refs":["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"]},
	 {"type":"x-mitre-tactic","spec_version":"2.1","id":"x-mitre-tactic--ffd5bcee-6e16-4dd2-8eca-7b3beedf33ca","created":"2020-10-02T14:48:41.809Z","modified":"2020-10-18T02:04:50.842Z","name":"Initial Access","x_mitre_shortname":"initial-access"},
	 {"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"},
	 {"type":"relationship","spec_version":"2.1","id":"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z","relationship_type":"attributed-to","source_ref":"intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29","target_ref":"threat-actor--56f3f0db-b5d5-431c-ae56-c18f02caf500"}
	]}`
	b, err := ParseBundle([]byte(doc))
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	is, _ := b.Get("intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29")
	if tlp, _ := ObjectTLP(is); tlp != TLPAmber {
		t.Errorf("TLP 1.0 amber read as %v", tlp)
	}
	out, err := MarshalBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"created":"2023-07-21T13:08:30.508567Z"`)) {
		t.Error("microsecond timestamp not kept as it was")
	}

	if _, err := ParseBundle([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`)); err != nil {
		t.Errorf("empty bundle refused: %v", err)
	}
}
