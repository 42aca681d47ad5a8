package stix

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// Namespace is the UUIDv5 namespace of the identifiers this platform mints
// for the STIX objects it publishes (see [DeterministicID]). It is itself
// UUIDv5(NAMESPACE_URL, "https://github.com/cybernorms/cybernorms/stix") and
// must never change: every identifier already published depends on it.
const Namespace = "2a4c1f41-0fcf-57bd-a376-dba3929550ac"

// SCONamespace is the namespace STIX 2.1 (section 2.9) reserves for the
// deterministic identifiers of STIX Cyber-observable Objects. The same section
// says producers MUST NOT use it for UUIDv5 identifiers of domain,
// relationship or meta objects, which is why [DeterministicID] uses
// [Namespace] instead.
const SCONamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7"

// DeterministicID returns the STIX identifier "<objType>--<UUIDv5>" of the
// object named by namespaceParts, so that exporting the same item twice
// (the same bulletin issue, the same contributor, the same ATT&CK technique)
// yields the same identifier and consumers see an update, not a duplicate.
//
// The UUIDv5 is computed in [Namespace] over the compact JSON array
// [objType, namespaceParts...] (no HTML escaping), for example
// ["attack-pattern","mitre-attack","T1566.001"]. Including the type keeps the
// UUID part distinct across types, as STIX 2.1 section 2.9 requires.
func DeterministicID(objType string, namespaceParts ...string) string {
	name := make([]string, 0, len(namespaceParts)+1)
	name = append(name, objType)
	name = append(name, namespaceParts...)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(name) // a []string always encodes
	ns, _ := parseUUID(Namespace)
	return objType + "--" + uuidV5(ns, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// uuidV5 computes an RFC 4122 name-based UUID with SHA-1.
func uuidV5(ns [16]byte, name []byte) string {
	h := sha1.New()
	h.Write(ns[:])
	h.Write(name)
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// parseUUID accepts only the canonical lower-case 8-4-4-4-12 form.
func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return u, false
		}
	}
	hexPart := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(hexPart)); err != nil {
		return u, false
	}
	return u, true
}

// uuidProblem explains why s is not an acceptable STIX UUID, or returns "".
// STIX 2.1 requires an RFC 4122 UUID; the JSON schemas of the OASIS TC accept
// versions 1 to 5 with the RFC 4122 variant. We also insist on lower case,
// because identifiers are compared as strings.
func uuidProblem(s string) string {
	if strings.ToLower(s) != s {
		if _, ok := parseUUID(strings.ToLower(s)); ok {
			return "UUID must be lower case"
		}
	}
	u, ok := parseUUID(s)
	if !ok {
		return "not a UUID"
	}
	if v := u[6] >> 4; v < 1 || v > 5 {
		return "UUID is not an RFC 4122 UUID (version 1-5)"
	}
	if u[8]&0xc0 != 0x80 {
		return "UUID is not an RFC 4122 UUID (wrong variant)"
	}
	return ""
}

// SplitID splits a STIX identifier into its type and UUID parts. ok is false
// when id is not of the form "<type>--<uuid>" with a valid type and UUID.
func SplitID(id string) (objType, uuid string, ok bool) {
	objType, uuid, found := strings.Cut(id, "--")
	if !found || typeProblem(objType) != "" || uuidProblem(uuid) != "" {
		return "", "", false
	}
	return objType, uuid, true
}

// IsID reports whether id is a well-formed STIX identifier; when types are
// given, its type must also be one of them.
func IsID(id string, types ...string) bool {
	t, _, ok := SplitID(id)
	if !ok {
		return false
	}
	if len(types) == 0 {
		return true
	}
	for _, want := range types {
		if t == want {
			return true
		}
	}
	return false
}

// idProblem explains why id is not a well-formed identifier, or returns "".
func idProblem(id string) string {
	t, u, found := strings.Cut(id, "--")
	if !found {
		return "not a STIX identifier (<type>--<uuid>)"
	}
	if p := typeProblem(t); p != "" {
		return "identifier type: " + p
	}
	if p := uuidProblem(u); p != "" {
		return "identifier " + p
	}
	return ""
}

// typeProblem checks a STIX type name (section 3.1: 3 to 250 characters,
// a-z, 0-9 and hyphen) and returns why it is not valid, or "".
func typeProblem(t string) string {
	if len(t) < 3 || len(t) > 250 {
		return "type must be 3 to 250 characters"
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "type may contain only a-z, 0-9 and hyphen"
		}
	}
	if t[0] == '-' || t[len(t)-1] == '-' || strings.Contains(t, "--") {
		return "type may not start or end with a hyphen or contain two in a row"
	}
	return ""
}
