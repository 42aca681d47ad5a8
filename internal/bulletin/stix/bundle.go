package stix

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Limits on what [ParseBundle] accepts. A quarterly contribution is a few
// hundred objects; the limits leave room for large ones while bounding the
// memory and time an upload can cost.
const (
	MaxBundleBytes = 10 << 20 // 10 MB
	MaxObjects     = 10_000
)

// Bundle is a STIX 2.1 bundle: a wrapper that carries objects from one
// system to another and has no meaning of its own (section 8).
type Bundle struct {
	ID      string
	Objects []Object
}

// NewBundle returns a bundle with the given id and objects.
func NewBundle(id string, objects ...Object) Bundle {
	return Bundle{ID: id, Objects: objects}
}

// Get returns the object with the given id; when the bundle holds several
// versions, it returns the one with the latest modified timestamp.
func (b Bundle) Get(id string) (Object, bool) {
	var best Object
	found := false
	for _, o := range b.Objects {
		if o.ID() != id {
			continue
		}
		if !found || later(o, best) {
			best, found = o, true
		}
	}
	return best, found
}

func later(a, b Object) bool {
	ta, _ := a.Timestamp("modified")
	tb, _ := b.Timestamp("modified")
	return ta.After(tb.Time)
}

// OfType returns the objects of one type, in bundle order.
func (b Bundle) OfType(objType string) []Object {
	var out []Object
	for _, o := range b.Objects {
		if o.Type() == objType {
			out = append(out, o)
		}
	}
	return out
}

// ParseBundle reads and strictly checks a STIX 2.1 bundle received from
// outside: at most [MaxBundleBytes] and [MaxObjects], "type" "bundle", an id
// "bundle--<uuid>", and every object valid as [Validate] defines it, with no
// object given twice in the same version. On failure it returns a
// [ValidationErrors] naming each object, property and reason.
func ParseBundle(data []byte) (Bundle, error) {
	c := checker{index: -1}
	if len(data) > MaxBundleBytes {
		c.fail("", "%d bytes exceeds the limit of %d bytes (10 MB)", len(data), MaxBundleBytes)
		return Bundle{}, c.err()
	}
	if !utf8.Valid(data) {
		c.fail("", "not valid UTF-8 (JSON must be UTF-8, RFC 8259)")
		return Bundle{}, c.err()
	}
	// The top level is not compacted: "objects" is most of the document and
	// each object is compacted on its own below.
	members, err := decodeMembers(data)
	if err != nil {
		var dup errDuplicate
		if errors.As(err, &dup) {
			c.fail(string(dup), "appears twice")
		} else {
			c.fail("", "not a JSON object: %v", err)
		}
		return Bundle{}, c.err()
	}
	top := Object{props: members}

	if t, ok := top.String("type"); !ok || t != TypeBundle {
		c.fail("type", "must be %q", TypeBundle)
	}
	id, ok := top.String("id")
	switch {
	case !top.Has("id"):
		c.fail("id", "missing")
	case !ok:
		c.fail("id", "not a string")
	case idProblem(id) != "":
		c.fail("id", "%s", idProblem(id))
	case !IsID(id, TypeBundle):
		c.fail("id", "must be of the form bundle--<uuid>")
	}
	if top.Has("spec_version") {
		// STIX 2.0 bundles carry spec_version; 2.1 bundles have none.
		if v, _ := top.String("spec_version"); v != SpecVersion {
			c.fail("spec_version", "this is a STIX %s bundle; only STIX 2.1 is accepted", v)
		}
	}

	var raws []json.RawMessage
	if top.Has("objects") {
		rawList := top.Raw("objects")
		if rawList[0] != '[' || json.Unmarshal(rawList, &raws) != nil {
			c.fail("objects", "not a list")
			return Bundle{}, c.err()
		}
		switch {
		case len(raws) == 0:
			c.fail("objects", "empty list; omit the property instead")
		case len(raws) > MaxObjects:
			c.fail("objects", "%d objects exceeds the limit of %d", len(raws), MaxObjects)
			return Bundle{}, c.err()
		}
	}

	objects := make([]Object, 0, len(raws))
	type version struct{ id, modified string }
	seen := make(map[version]int, len(raws))
	for i, raw := range raws {
		if c.full() {
			break
		}
		c.index, c.id = i, ""
		var o Object
		if err := o.UnmarshalJSON(raw); err != nil {
			var dup errDuplicate
			if errors.As(err, &dup) {
				c.fail(string(dup), "appears twice")
			} else {
				c.fail("", "not a JSON object")
			}
			continue
		}
		c.object(o)
		objects = append(objects, o)
		if c.id != "" {
			modified, _ := o.String("modified")
			v := version{c.id, modified}
			if first, dup := seen[v]; dup {
				c.fail("id", "the same version of this object is already objects[%d]", first)
			} else {
				seen[v] = i
			}
		}
	}
	if err := c.err(); err != nil {
		return Bundle{}, err
	}
	return Bundle{ID: id, Objects: objects}, nil
}

// MarshalBundle writes the bundle as compact JSON that is the same, byte for
// byte, for the same content: objects sorted by id and then modified, each
// with the property order of [Object.MarshalJSON]. It refuses a bundle that
// [ParseBundle] would refuse (apart from the size limits), so what this
// platform publishes is always what it would accept.
func MarshalBundle(b Bundle) ([]byte, error) {
	c := checker{index: -1}
	switch {
	case b.ID == "":
		c.fail("id", "missing")
	case !IsID(b.ID, TypeBundle):
		c.fail("id", "must be of the form bundle--<uuid>")
	}
	for i, o := range b.Objects {
		c.index = i
		c.object(o)
	}
	type keyed struct {
		id, modified string
		obj          Object
	}
	sorted := make([]keyed, len(b.Objects))
	for i, o := range b.Objects {
		m, _ := o.String("modified")
		sorted[i] = keyed{o.ID(), m, o}
	}
	slices.SortStableFunc(sorted, func(x, y keyed) int {
		if n := cmp.Compare(x.id, y.id); n != 0 {
			return n
		}
		return cmp.Compare(x.modified, y.modified)
	})
	objects := make([]Object, len(sorted))
	for i, k := range sorted {
		objects[i] = k.obj
	}
	for i := 1; i < len(objects); i++ {
		if objects[i].ID() == objects[i-1].ID() && bytes.Equal(objects[i].Raw("modified"), objects[i-1].Raw("modified")) {
			c.index, c.id = -1, ""
			c.fail("objects", "%s appears twice in the same version", objects[i].ID())
		}
	}
	if err := c.err(); err != nil {
		return nil, fmt.Errorf("stix: marshal bundle: %w", err)
	}

	var buf bytes.Buffer
	buf.WriteString(`{"type":"bundle","id":`)
	id, _ := json.Marshal(b.ID)
	buf.Write(id)
	if len(objects) > 0 {
		buf.WriteString(`,"objects":[`)
		for i, o := range objects {
			if i > 0 {
				buf.WriteByte(',')
			}
			data, _ := o.MarshalJSON()
			buf.Write(data)
		}
		buf.WriteByte(']')
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MarshalJSON writes the bundle with [MarshalBundle].
func (b Bundle) MarshalJSON() ([]byte, error) { return MarshalBundle(b) }

// UnmarshalJSON reads the bundle with [ParseBundle].
func (b *Bundle) UnmarshalJSON(data []byte) error {
	p, err := ParseBundle(data)
	if err != nil {
		return err
	}
	*b = p
	return nil
}
