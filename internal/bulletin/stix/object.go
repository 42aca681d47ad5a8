package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Object is one STIX object of any type, held as its properties in raw,
// compact JSON. Properties this package does not know (x_ custom properties,
// extensions, types it has no struct for) are kept and written back unchanged.
//
// The zero Object has no properties. Objects are values: use [Object.Clone]
// before changing a copy that must stay independent.
type Object struct {
	props map[string]json.RawMessage
}

// ToObject converts a typed object ([Report], [AttackPattern], ...) or any
// value that marshals to a JSON object into an [Object].
func ToObject(v any) (Object, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return Object{}, fmt.Errorf("stix: marshal %T: %w", v, err)
	}
	var o Object
	if err := o.UnmarshalJSON(data); err != nil {
		return Object{}, fmt.Errorf("stix: %T: %w", v, err)
	}
	return o, nil
}

// MustObject is [ToObject] for values built by the program itself, where a
// failure is a bug; it panics on error.
func MustObject(v any) Object {
	o, err := ToObject(v)
	if err != nil {
		panic(err)
	}
	return o
}

// Type returns the "type" property, or "" when it is missing or not a string.
func (o Object) Type() string { s, _ := o.String("type"); return s }

// ID returns the "id" property, or "" when it is missing or not a string.
func (o Object) ID() string { s, _ := o.String("id"); return s }

// Has reports whether the object has the property.
func (o Object) Has(name string) bool { _, ok := o.props[name]; return ok }

// Raw returns the property's JSON, or nil when absent.
func (o Object) Raw(name string) json.RawMessage { return o.props[name] }

// Names returns the property names in the order they are written.
func (o Object) Names() []string { return orderedNames(o.props) }

// String returns a string property; ok is false when it is absent or not a
// JSON string.
func (o Object) String(name string) (s string, ok bool) {
	raw, found := o.props[name]
	if !found || len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if !bytes.ContainsAny(raw, "\\") { // no escapes: the bytes are the string
		return string(raw[1 : len(raw)-1]), true
	}
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Strings returns a list-of-strings property; ok is false when it is absent
// or not a JSON array of strings.
func (o Object) Strings(name string) (list []string, ok bool) {
	raw, found := o.props[name]
	if !found || len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	list = make([]string, 0, len(items))
	for _, it := range items {
		var s string
		if len(it) == 0 || it[0] != '"' || json.Unmarshal(it, &s) != nil {
			return nil, false
		}
		list = append(list, s)
	}
	return list, true
}

// Timestamp returns a timestamp property; ok is false when it is absent or
// not a valid STIX timestamp.
func (o Object) Timestamp(name string) (Timestamp, bool) {
	s, ok := o.String(name)
	if !ok {
		return Timestamp{}, false
	}
	t, err := ParseTimestamp(s)
	return t, err == nil
}

// Set sets a property to the JSON encoding of v.
func (o *Object) Set(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("stix: set %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, data); err != nil {
		return fmt.Errorf("stix: set %s: %w", name, err)
	}
	if o.props == nil {
		o.props = make(map[string]json.RawMessage)
	}
	o.props[name] = buf.Bytes()
	return nil
}

// Delete removes a property.
func (o *Object) Delete(name string) { delete(o.props, name) }

// Clone returns a deep copy.
func (o Object) Clone() Object {
	c := Object{props: make(map[string]json.RawMessage, len(o.props))}
	for k, v := range o.props {
		c.props[k] = slices.Clone(v)
	}
	return c
}

// Decode unmarshals the object into a typed struct such as *[Report].
func (o Object) Decode(v any) error {
	data, err := o.MarshalJSON()
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// leadingNames are written first, in this order; the rest follow sorted.
var leadingNames = []string{"type", "spec_version", "id", "created", "modified"}

func orderedNames(props map[string]json.RawMessage) []string {
	names := make([]string, 0, len(props))
	for _, n := range leadingNames {
		if _, ok := props[n]; ok {
			names = append(names, n)
		}
	}
	rest := make([]string, 0, len(props))
	for n := range props {
		if !slices.Contains(leadingNames, n) {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// MarshalJSON writes the object compactly with a fixed property order: type,
// spec_version, id, created, modified, then the others by name. The same
// object always gives the same bytes.
func (o Object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, n := range orderedNames(o.props) {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(n)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(o.props[n])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// errDuplicate reports a property given twice in one JSON object.
type errDuplicate string

// Error names the repeated property.
func (e errDuplicate) Error() string { return fmt.Sprintf("property %q appears twice", string(e)) }

// UnmarshalJSON reads a JSON object, refusing one that repeats a property
// (encoding/json would silently keep the last, letting "type" say two things).
func (o *Object) UnmarshalJSON(data []byte) error {
	props, err := decodeMembers(data)
	if err != nil {
		return err
	}
	for name, raw := range props {
		if needsCompacting(raw) {
			var buf bytes.Buffer
			if err := json.Compact(&buf, raw); err != nil {
				return err
			}
			raw = buf.Bytes()
		} else {
			raw = slices.Clone(raw)
		}
		props[name] = raw
	}
	o.props = props
	return nil
}

// decodeMembers splits a JSON object into its members, refusing anything
// else and any member name given twice. The values are not compacted.
func decodeMembers(data []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &props); err != nil {
		return nil, err
	}
	if name, dup := duplicateKey(trimmed, len(props)); dup {
		return nil, errDuplicate(name)
	}
	return props, nil
}

// duplicateKey finds a repeated member name in a valid JSON object whose
// decoded form has n members. It scans the top level only, decoding a name
// only when it holds an escape ("t\u0079pe" is "type").
func duplicateKey(obj []byte, n int) (string, bool) {
	seen := make(map[string]struct{}, n)
	depth := 0
	for i := 0; i < len(obj); i++ {
		switch c := obj[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			start := i
			escaped := false
			for i++; i < len(obj) && obj[i] != '"'; i++ {
				if obj[i] == '\\' {
					escaped = true
					i++
				}
			}
			if depth != 1 {
				continue
			}
			j := i + 1
			for j < len(obj) && (obj[j] == ' ' || obj[j] == '\t' || obj[j] == '\r' || obj[j] == '\n') {
				j++
			}
			if j >= len(obj) || obj[j] != ':' {
				continue // a string value, not a member name
			}
			name := string(obj[start+1 : i])
			if escaped {
				_ = json.Unmarshal(obj[start:i+1], &name)
			}
			if _, dup := seen[name]; dup {
				return name, true
			}
			seen[name] = struct{}{}
		}
	}
	return "", false
}

// needsCompacting reports whether raw may hold whitespace outside strings.
func needsCompacting(raw []byte) bool {
	return bytes.ContainsAny(raw, " \t\r\n")
}
