package stix

import (
	"encoding/json"
	"testing"
)

func TestTLPMarkingIDs(t *testing.T) {
	// Official ids from oasis-open/cti-stix-common-objects,
	// extension-definition-specifications/tlp-2.0.
	want := map[TLP]string{
		TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	}
	for tlp, id := range want {
		t.Run(tlp.String(), func(t *testing.T) {
			if got := MarkingID(tlp); got != id {
				t.Errorf("MarkingID = %s, want %s", got, id)
			}
			if got, ok := TLPFromMarkingID(id); !ok || got != tlp {
				t.Errorf("TLPFromMarkingID = %v, %v", got, ok)
			}
			o := MustObject(TLPMarkingDefinition(tlp))
			if err := Validate(o); err != nil {
				t.Fatalf("official definition does not validate: %v", err)
			}
			var ext map[string]map[string]string
			if err := json.Unmarshal(o.Raw("extensions"), &ext); err != nil {
				t.Fatal(err)
			}
			if got := ext[TLP2ExtensionID]["tlp_2_0"]; got != string(tlp) {
				t.Errorf("tlp_2_0 = %q", got)
			}
			if got, _ := o.String("created"); got != "2022-10-01T00:00:00.000Z" {
				t.Errorf("created = %s", got)
			}
		})
	}
}

func TestTLPMarkingDefinitionMatchesOASISExample(t *testing.T) {
	// examples/tlp-amber+strict.json of the TLP 2.0 extension, compacted,
	// with our property order.
	want := `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}},"name":"TLP:AMBER+STRICT"}`
	got, err := MustObject(TLPMarkingDefinition(TLPAmberStrict)).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestTLP1MarkingIDsMapToTLP2(t *testing.T) {
	tests := map[string]TLP{
		"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear,
		"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen,
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber,
		"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,
	}
	for id, want := range tests {
		if got, ok := TLPFromMarkingID(id); !ok || got != want {
			t.Errorf("TLPFromMarkingID(%s) = %v, %v; want %v", id, got, ok, want)
		}
	}
	if _, ok := TLPFromMarkingID("marking-definition--f0c13633-c4ac-47db-9884-b58d2f38e55f"); ok {
		t.Error("an unofficial marking id was taken for a TLP label")
	}
}

func TestParseTLP(t *testing.T) {
	tests := []struct {
		in   string
		want TLP
	}{
		{"TLP:CLEAR", TLPClear},
		{"clear", TLPClear},
		{"TLP:WHITE", TLPClear},
		{"tlp:green", TLPGreen},
		{" Green ", TLPGreen},
		{"TLP:AMBER", TLPAmber},
		{"TLP:AMBER+STRICT", TLPAmberStrict},
		{"amber+strict", TLPAmberStrict},
		{"Amber Strict", TLPAmberStrict},
		{"TLP: amber + strict", TLPAmberStrict},
		{"TLP:RED", TLPRed},
	}
	for _, tt := range tests {
		got, err := ParseTLP(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTLP(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "TLP:", "orange", "amber+", "TLP:REDD", "strict"} {
		if got, err := ParseTLP(bad); err == nil {
			t.Errorf("ParseTLP(%q) = %q, want an error", bad, got)
		}
	}
}

func TestTLPString(t *testing.T) {
	if got := TLPAmberStrict.String(); got != "TLP:AMBER+STRICT" {
		t.Errorf("String = %s", got)
	}
}

func TestTLPAtMost(t *testing.T) {
	for i, t1 := range TLPLevels {
		for j, limit := range TLPLevels {
			if got, want := t1.AtMost(limit), i <= j; got != want {
				t.Errorf("%s.AtMost(%s) = %v, want %v", t1, limit, got, want)
			}
		}
	}
	if TLP("orange").AtMost(TLPRed) || TLPClear.AtMost("orange") {
		t.Error("an invalid label was within a limit")
	}
}

func TestObjectTLPTakesTheMostRestrictive(t *testing.T) {
	o := MustObject(map[string]any{
		"type": "note",
		"object_marking_refs": []string{
			MarkingID(TLPGreen),
			"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", // TLP 1.0 AMBER
			"marking-definition--f0c13633-c4ac-47db-9884-b58d2f38e55f", // a statement
		},
	})
	if got, ok := ObjectTLP(o); !ok || got != TLPAmber {
		t.Errorf("ObjectTLP = %v, %v; want amber", got, ok)
	}
	if _, ok := ObjectTLP(MustObject(map[string]any{"type": "note"})); ok {
		t.Error("an unmarked object has a TLP")
	}
}
