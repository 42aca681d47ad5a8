package stix

import (
	"testing"
)

// The expected identifiers were computed independently with Python:
//
//	ns = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/cybernorms/cybernorms/stix")
//	name = json.dumps([type, *parts], separators=(",", ":"), ensure_ascii=False)
//	f"{type}--{uuid.uuid5(ns, name)}"
func TestDeterministicID(t *testing.T) {
	tests := []struct {
		name  string
		typ   string
		parts []string
		want  string
	}{
		{"an ATT&CK technique", "attack-pattern", []string{"mitre-attack", "T1566.001"}, "attack-pattern--6161aea6-3416-5c6b-9ebd-fad1b1e0fb97"},
		{"a contributor's report", "report", []string{"bulletin", "2026-Q1", "acme-security"}, "report--f0c13633-c4ac-57db-9884-b58d2f38e55f"},
		{"the publisher", "identity", []string{"cybernorms", "publisher"}, "identity--784906ab-3a79-53f7-827e-5f91c7fc158b"},
		{"a bundle", "bundle", []string{"bulletin", "2026-Q1"}, "bundle--a9dd57f8-3806-586e-a30a-2dca658e7303"},
		{"non-ASCII and HTML characters are not escaped", "threat-actor", []string{"ÉtatX <&>"}, "threat-actor--5f600a48-15c9-5cae-9225-2e4fc5666269"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 3 {
				if got := DeterministicID(tt.typ, tt.parts...); got != tt.want {
					t.Fatalf("DeterministicID(%q, %q) = %s, want %s", tt.typ, tt.parts, got, tt.want)
				}
			}
			if !IsID(tt.want, tt.typ) {
				t.Errorf("IsID(%s) = false", tt.want)
			}
		})
	}
}

func TestDeterministicIDSeparatesParts(t *testing.T) {
	a := DeterministicID("report", "ab", "c")
	b := DeterministicID("report", "a", "bc")
	if a == b {
		t.Errorf("parts (ab, c) and (a, bc) collide: %s", a)
	}
	_, ua, _ := SplitID(DeterministicID("report", "x"))
	_, ub, _ := SplitID(DeterministicID("note", "x"))
	if ua == ub {
		t.Errorf("the same parts under two types share the UUID %s", ua)
	}
}

func TestNamespaceIsDerivedAsDocumented(t *testing.T) {
	urlNS, _ := parseUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8") // RFC 4122 NAMESPACE_URL
	if got := uuidV5(urlNS, []byte("https://github.com/cybernorms/cybernorms/stix")); got != Namespace {
		t.Errorf("Namespace = %s, derivation gives %s", Namespace, got)
	}
	if Namespace == SCONamespace {
		t.Error("Namespace must not be the SCO namespace")
	}
}

func TestSplitID(t *testing.T) {
	tests := []struct {
		id     string
		wantOK bool
	}{
		{"report--f0c13633-c4ac-57db-9884-b58d2f38e55f", true},
		{"x-mitre-tactic--f0c13633-c4ac-47db-9884-b58d2f38e55f", true},
		{"report--F0C13633-C4AC-57DB-9884-B58D2F38E55F", false},
		{"report-f0c13633-c4ac-57db-9884-b58d2f38e55f", false},
		{"Report--f0c13633-c4ac-57db-9884-b58d2f38e55f", false},
		{"re--f0c13633-c4ac-57db-9884-b58d2f38e55f", false},
		{"report--f0c13633-c4ac-07db-9884-b58d2f38e55f", false}, // version 0
		{"report--f0c13633-c4ac-57db-1884-b58d2f38e55f", false}, // NCS variant
		{"report--f0c13633c4ac57db9884b58d2f38e55f", false},
		{"report--", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, _, ok := SplitID(tt.id); ok != tt.wantOK {
			t.Errorf("SplitID(%q) ok = %v, want %v", tt.id, ok, tt.wantOK)
		}
	}
}
