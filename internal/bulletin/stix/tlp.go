package stix

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// TLP is a Traffic Light Protocol 2.0 label (FIRST, August 2022). Its value is
// the one the STIX TLP 2.0 extension uses in "tlp_2_0": "clear", "green",
// "amber", "amber+strict", "red".
type TLP string

// The five TLP 2.0 labels, from least to most restrictive.
const (
	TLPClear       TLP = "clear"
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict"
	TLPRed         TLP = "red"
)

// TLPLevels lists the labels from least to most restrictive.
var TLPLevels = [...]TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// TLP2ExtensionID is the extension-definition that TLP 2.0 marking
// definitions carry.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// tlp2Created is the created timestamp of all five official TLP 2.0 marking
// definitions.
var tlp2Created = Timestamp{time.Date(2022, 10, 1, 0, 0, 0, 0, time.UTC)}

// The official TLP 2.0 marking-definition identifiers. Every STIX producer
// uses these fixed ids, so a consumer recognises the label without
// dereferencing the object.
//
// Source: OASIS CTI TC, github.com/oasis-open/cti-stix-common-objects,
// extension-definition-specifications/tlp-2.0/
// extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json (the JSON
// schema fixes each id and name) and examples/tlp-clear.json,
// tlp-amber.json, tlp-amber+strict.json (created 2022-10-01T00:00:00.000Z,
// extension_type "property-extension", tlp_2_0 "<label>"). The same UUIDs are
// the official TLPv2 markings of OASIS CACAO (oasis-tcs/cacao,
// Common-Objects/Data-Markings/README.md).
var tlp2MarkingIDs = map[TLP]string{
	TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// tlp1MarkingIDs are the TLP 1.0 marking definitions built into STIX 2.1
// (section 7.2; also TLP_WHITE ... TLP_RED in oasis-open/cti-python-stix2,
// stix2/v21/common.py). Contributors' tools still emit them; TLP 2.0 maps
// WHITE to CLEAR.
var tlp1MarkingIDs = map[string]TLP{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,
}

// ParseTLP reads a TLP label as people and tools write it: "TLP:AMBER+STRICT",
// "amber+strict", "Amber Strict", "TLP: green"; "white" (TLP 1.0) reads as
// CLEAR.
func ParseTLP(s string) (TLP, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(v, "tlp")
	v = strings.TrimSpace(strings.TrimPrefix(v, ":"))
	v = strings.Join(strings.Fields(v), " ")
	switch v {
	case "clear", "white":
		return TLPClear, nil
	case "green":
		return TLPGreen, nil
	case "amber":
		return TLPAmber, nil
	case "amber+strict", "amber + strict", "amber strict", "amber-strict", "amber_strict":
		return TLPAmberStrict, nil
	case "red":
		return TLPRed, nil
	}
	return "", fmt.Errorf("stix: unknown TLP label %q", s)
}

// Valid reports whether t is one of the five labels.
func (t TLP) Valid() bool { return t.rank() >= 0 }

func (t TLP) rank() int {
	for i, l := range TLPLevels {
		if l == t {
			return i
		}
	}
	return -1
}

// String returns the label as FIRST writes it: "TLP:AMBER+STRICT".
func (t TLP) String() string { return "TLP:" + strings.ToUpper(string(t)) }

// AtMost reports whether content marked t may be released where limit is the
// most restrictive label allowed: TLPGreen.AtMost(TLPAmber) is true,
// TLPRed.AtMost(TLPAmber) is false. Invalid labels are never within a limit.
func (t TLP) AtMost(limit TLP) bool {
	r, l := t.rank(), limit.rank()
	return r >= 0 && l >= 0 && r <= l
}

// MostRestrictive returns the most restrictive of the labels, and false when
// none is valid.
func MostRestrictive(labels ...TLP) (TLP, bool) {
	best := -1
	for _, t := range labels {
		best = max(best, t.rank())
	}
	if best < 0 {
		return "", false
	}
	return TLPLevels[best], true
}

// MarkingID returns the official TLP 2.0 marking-definition id of t, or ""
// when t is not a valid label.
func MarkingID(t TLP) string { return tlp2MarkingIDs[t] }

// TLPFromMarkingID returns the label of an official TLP 2.0 or TLP 1.0
// marking-definition id.
func TLPFromMarkingID(id string) (TLP, bool) {
	for t, mid := range tlp2MarkingIDs {
		if mid == id {
			return t, true
		}
	}
	t, ok := tlp1MarkingIDs[id]
	return t, ok
}

// ObjectTLP returns the most restrictive TLP label among the object's
// object_marking_refs, and false when it carries none.
func ObjectTLP(o Object) (TLP, bool) {
	refs, _ := o.Strings("object_marking_refs")
	var labels []TLP
	for _, r := range refs {
		if t, ok := TLPFromMarkingID(r); ok {
			labels = append(labels, t)
		}
	}
	return MostRestrictive(labels...)
}

// TLPMarkingDefinition returns the official TLP 2.0 marking-definition object
// for t, exactly as published by the OASIS CTI TC. It panics if t is not a
// valid label.
func TLPMarkingDefinition(t TLP) MarkingDefinition {
	id, ok := tlp2MarkingIDs[t]
	if !ok {
		panic(fmt.Sprintf("stix: invalid TLP %q", string(t)))
	}
	ext, _ := json.Marshal(struct {
		ExtensionType string `json:"extension_type"`
		TLP20         TLP    `json:"tlp_2_0"`
	}{"property-extension", t})
	return MarkingDefinition{
		Type:        TypeMarkingDefinition,
		SpecVersion: SpecVersion,
		ID:          id,
		Created:     tlp2Created,
		Name:        t.String(),
		Extensions:  map[string]json.RawMessage{TLP2ExtensionID: ext},
	}
}

// tlpDefinitionProblem checks that an object using an official TLP 2.0 id
// really is that marking, so nobody can pass "TLP:CLEAR" under the id of
// TLP:RED or the reverse. It returns the offending property and reason.
func tlpDefinitionProblem(o Object) (property, reason string) {
	var want TLP
	for t, id := range tlp2MarkingIDs {
		if id == o.ID() {
			want = t
		}
	}
	if want == "" {
		return "", ""
	}
	if name, _ := o.String("name"); name != want.String() {
		return "name", fmt.Sprintf("must be %q for the official %s marking", want.String(), want.String())
	}
	var exts map[string]struct {
		TLP20 string `json:"tlp_2_0"`
	}
	if json.Unmarshal(o.Raw("extensions"), &exts) != nil || TLP(exts[TLP2ExtensionID].TLP20) != want {
		return "extensions", fmt.Sprintf("must carry %s with tlp_2_0 %q", TLP2ExtensionID, string(want))
	}
	return "", ""
}
