package stix_test

import (
	"fmt"

	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
)

func ExampleDeterministicID() {
	fmt.Println(stix.DeterministicID("attack-pattern", "mitre-attack", "T1566.001"))
	// Output: attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97
}

func ExampleParseTLP() {
	t, _ := stix.ParseTLP("amber+strict")
	fmt.Println(t, stix.MarkingID(t), t.AtMost(stix.TLPAmber))
	// Output: TLP:AMBER+STRICT marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003 false
}

func ExampleParseBundle() {
	_, err := stix.ParseBundle([]byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
	  {"type":"attack-pattern","spec_version":"2.1","id":"attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97",
	   "created":"31/03/2026","modified":"2026-03-31T12:00:00Z","name":"Spearphishing Attachment"}]}`))
	fmt.Println(err)
	// Output: objects[0] (attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97): property "created": not an RFC 3339 timestamp
}
