package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ValidationError says which object and property of a STIX document is
// wrong and why. ObjectIndex is the position in the bundle's "objects" list,
// or -1 for the bundle itself or an object checked on its own by [Validate].
type ValidationError struct {
	ObjectIndex int
	ObjectID    string
	Property    string
	Reason      string
}

// Error reads like
// `objects[3] (attack-pattern--…): property "created": not an RFC 3339 timestamp`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	switch {
	case e.ObjectIndex >= 0 && e.ObjectID != "":
		fmt.Fprintf(&b, "objects[%d] (%s)", e.ObjectIndex, e.ObjectID)
	case e.ObjectIndex >= 0:
		fmt.Fprintf(&b, "objects[%d]", e.ObjectIndex)
	case e.ObjectID != "":
		b.WriteString(e.ObjectID)
	default:
		b.WriteString("bundle")
	}
	if e.Property != "" {
		fmt.Fprintf(&b, ": property %q", e.Property)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// ValidationErrors is every problem found in one document, in document
// order, up to [MaxReportedErrors]. errors.As finds the first
// *ValidationError in it.
type ValidationErrors []*ValidationError

// MaxReportedErrors bounds how many problems one document reports.
const MaxReportedErrors = 100

// Error lists the problems one per line.
func (es ValidationErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes each *ValidationError to errors.Is and errors.As.
func (es ValidationErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Validate checks one STIX 2.1 object the way [ParseBundle] checks each
// object of a bundle. It returns nil or a [ValidationErrors].
func Validate(o Object) error {
	c := checker{index: -1}
	c.object(o)
	return c.err()
}

// checker collects the problems of one document.
type checker struct {
	errs  ValidationErrors
	index int    // object index, -1 for the bundle or a lone object
	id    string // object id once known, for messages
}

func (c *checker) fail(property, reason string, args ...any) {
	if len(c.errs) >= MaxReportedErrors {
		return
	}
	if len(args) > 0 {
		reason = fmt.Sprintf(reason, args...)
	}
	c.errs = append(c.errs, &ValidationError{ObjectIndex: c.index, ObjectID: c.id, Property: property, Reason: reason})
}

func (c *checker) full() bool { return len(c.errs) >= MaxReportedErrors }

func (c *checker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// scoTypes are the STIX Cyber-observable Objects of STIX 2.1 section 6. They
// have no created or modified properties and spec_version is optional.
var scoTypes = map[string]bool{
	"artifact": true, "autonomous-system": true, "directory": true, "domain-name": true,
	"email-addr": true, "email-message": true, "file": true, "ipv4-addr": true,
	"ipv6-addr": true, "mac-addr": true, "mutex": true, "network-traffic": true,
	"process": true, "software": true, "url": true, "user-account": true,
	"windows-registry-key": true, "x509-certificate": true,
}

// notRelatable are the types a relationship may not start or end at: source
// and target must be domain or cyber-observable objects (section 5.1).
var notRelatable = map[string]bool{
	"relationship": true, "sighting": true, "marking-definition": true, "bundle": true,
	"language-content": true, "extension-definition": true,
}

type kind int

const (
	kindText      kind = iota // a non-empty string
	kindTimestamp             // a STIX timestamp
	kindRef                   // one identifier
	kindRefs                  // a non-empty list of identifiers
	kindBool                  // true or false
	kindInteger               // a whole number
)

// required lists the properties each type must have beyond the common ones
// (STIX 2.1 sections 4, 5 and 7).
var required = map[string][]struct {
	name string
	kind kind
}{
	TypeAttackPattern:  {{"name", kindText}},
	"campaign":         {{"name", kindText}},
	TypeCourseOfAction: {{"name", kindText}},
	"grouping":         {{"context", kindText}, {"object_refs", kindRefs}},
	TypeIdentity:       {{"name", kindText}},
	"incident":         {{"name", kindText}},
	TypeIndicator:      {{"pattern", kindText}, {"pattern_type", kindText}, {"valid_from", kindTimestamp}},
	"infrastructure":   {{"name", kindText}},
	"intrusion-set":    {{"name", kindText}},
	"malware":          {{"is_family", kindBool}},
	TypeNote:           {{"content", kindText}, {"object_refs", kindRefs}},
	"observed-data":    {{"first_observed", kindTimestamp}, {"last_observed", kindTimestamp}, {"number_observed", kindInteger}},
	"opinion":          {{"opinion", kindText}, {"object_refs", kindRefs}},
	TypeReport:         {{"name", kindText}, {"published", kindTimestamp}, {"object_refs", kindRefs}},
	TypeThreatActor:    {{"name", kindText}},
	"tool":             {{"name", kindText}},
	"vulnerability":    {{"name", kindText}},
	TypeRelationship:   {{"relationship_type", kindText}, {"source_ref", kindRef}, {"target_ref", kindRef}},
	"sighting":         {{"sighting_of_ref", kindRef}},
}

// timestampProps are checked wherever they appear.
var timestampProps = []string{
	"created", "modified", "published", "valid_from", "valid_until", "first_seen", "last_seen",
	"start_time", "stop_time", "first_observed", "last_observed",
}

// stringListProps are lists of strings wherever they appear.
var stringListProps = []string{
	"labels", "aliases", "roles", "goals", "sectors", "authors", "secondary_motivations",
	"threat_actor_types", "report_types", "indicator_types", "infrastructure_types",
	"malware_types", "tool_types", "personal_motivations",
}

// refTypes restricts the types a reference property may point to.
var refTypes = map[string][]string{
	"created_by_ref":      {TypeIdentity},
	"object_marking_refs": {TypeMarkingDefinition},
	"sighting_of_ref":     nil, // any SDO; checked for form only
}

// relationshipRules are the source and target types STIX 2.1 (appendix B)
// defines for the relationship types the bulletin relies on. Other
// relationship types are accepted between any two relatable objects.
var relationshipRules = map[string]map[string][]string{
	RelUses: {
		TypeAttackPattern: {"malware", "tool"},
		"campaign":        {TypeAttackPattern, "infrastructure", "malware", "tool"},
		"intrusion-set":   {TypeAttackPattern, "infrastructure", "malware", "tool"},
		"malware":         {TypeAttackPattern, "infrastructure", "malware", "tool"},
		TypeThreatActor:   {TypeAttackPattern, "infrastructure", "malware", "tool"},
		"tool":            {"infrastructure"},
	},
	RelMitigates: {
		TypeCourseOfAction: {TypeAttackPattern, TypeIndicator, "malware", "tool", "vulnerability"},
	},
	RelTargets: {
		TypeAttackPattern: {TypeIdentity, "location", "vulnerability"},
		"campaign":        {TypeIdentity, "location", "vulnerability"},
		"intrusion-set":   {TypeIdentity, "location", "vulnerability"},
		"malware":         {TypeIdentity, "infrastructure", "location", "vulnerability"},
		TypeThreatActor:   {TypeIdentity, "location", "vulnerability"},
		"tool":            {TypeIdentity, "infrastructure", "location", "vulnerability"},
	},
	RelIndicates: {
		TypeIndicator: {TypeAttackPattern, "campaign", "infrastructure", "intrusion-set", "malware", TypeThreatActor, "tool"},
	},
}

// object checks one object; c.index must already be set.
func (c *checker) object(o Object) {
	c.id = ""
	t, ok := o.String("type")
	switch {
	case !o.Has("type"):
		c.fail("type", "missing")
	case !ok:
		c.fail("type", "not a string")
	case typeProblem(t) != "":
		c.fail("type", "%s", typeProblem(t))
		t = ""
	case t == TypeBundle:
		c.fail("type", "a bundle cannot contain a bundle")
		return
	}

	id, idOK := o.String("id")
	switch {
	case !o.Has("id"):
		c.fail("id", "missing")
	case !idOK:
		c.fail("id", "not a string")
	case idProblem(id) != "":
		c.fail("id", "%s", idProblem(id))
	default:
		c.id = id
		if idType, _, _ := strings.Cut(id, "--"); t != "" && idType != t {
			c.fail("id", "identifier type %q does not match the object type %q", idType, t)
		}
	}

	sco := scoTypes[t]
	if v, ok := o.String("spec_version"); o.Has("spec_version") && (!ok || v != SpecVersion) {
		c.fail("spec_version", "must be %q", SpecVersion)
	} else if !o.Has("spec_version") && !sco {
		c.fail("spec_version", "missing (must be %q)", SpecVersion)
	}
	if !sco {
		if !o.Has("created") {
			c.fail("created", "missing")
		}
		if !o.Has("modified") && t != TypeMarkingDefinition {
			c.fail("modified", "missing")
		}
	}

	for _, name := range o.Names() {
		if p := propertyNameProblem(name); p != "" {
			c.fail(name, "%s", p)
		}
	}
	c.properties(o, t)
	c.typeRules(o, t)
}

// propertyNameProblem applies STIX 2.1 sections 3.1 and 11.1: property names
// are ASCII letters, digits and underscore, 3 to 250 characters ("id" is the
// one shorter name the specification itself uses).
func propertyNameProblem(name string) string {
	if name == "id" {
		return ""
	}
	if len(name) < 3 || len(name) > 250 {
		return "property names must be 3 to 250 characters"
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '_') {
			return "property names may contain only letters, digits and underscore"
		}
	}
	return ""
}

// properties applies the rules that follow from a property's name, whatever
// the object type.
func (c *checker) properties(o Object, objType string) {
	for _, name := range timestampProps {
		if o.Has(name) {
			c.timestamp(o, name)
		}
	}
	created, cOK := o.Timestamp("created")
	modified, mOK := o.Timestamp("modified")
	if cOK && mOK && modified.Before(created.Time) {
		c.fail("modified", "earlier than created (%s)", created)
	}
	c.ordered(o, "valid_from", "valid_until", "later than valid_from")
	c.ordered(o, "first_seen", "last_seen", "not earlier than first_seen")
	c.ordered(o, "start_time", "stop_time", "later than start_time")

	for _, name := range o.Names() {
		switch {
		case strings.HasSuffix(name, "_refs"):
			c.refList(o, name, refTypes[name])
		case strings.HasSuffix(name, "_ref"):
			c.ref(o, name, refTypes[name])
		}
	}

	for _, name := range stringListProps {
		if o.Has(name) {
			c.textList(o, name)
		}
	}
	if o.Has("kill_chain_phases") {
		var phases []KillChainPhase
		raw := o.Raw("kill_chain_phases")
		switch {
		case raw[0] != '[' || json.Unmarshal(raw, &phases) != nil:
			c.fail("kill_chain_phases", "not a list of kill chain phases")
		case len(phases) == 0:
			c.fail("kill_chain_phases", "empty list; omit the property instead")
		case slices.ContainsFunc(phases, func(p KillChainPhase) bool { return p.KillChainName == "" || p.PhaseName == "" }):
			c.fail("kill_chain_phases", "each phase needs kill_chain_name and phase_name")
		}
	}
	if o.Has("revoked") {
		c.kind(o, "revoked", kindBool)
	}
	if o.Has("confidence") {
		var n int
		if json.Unmarshal(o.Raw("confidence"), &n) != nil || n < 0 || n > 100 {
			c.fail("confidence", "must be a whole number from 0 to 100")
		}
	}
	if o.Has("lang") {
		c.kind(o, "lang", kindText)
	}
	if o.Has("external_references") {
		c.externalReferences(o, objType)
	}
	if o.Has("granular_markings") {
		c.granularMarkings(o)
	}
	if o.Has("extensions") {
		var exts map[string]json.RawMessage
		if json.Unmarshal(o.Raw("extensions"), &exts) != nil || o.Raw("extensions")[0] != '{' {
			c.fail("extensions", "must be a JSON object")
		} else if len(exts) == 0 {
			c.fail("extensions", "empty; omit the property instead")
		} else {
			for _, v := range exts {
				if len(v) == 0 || v[0] != '{' {
					c.fail("extensions", "each extension must be a JSON object")
					break
				}
			}
		}
	}
}

// ordered checks that a later timestamp property is after an earlier one;
// "last_seen" may equal "first_seen", the others must be strictly later.
func (c *checker) ordered(o Object, first, second, want string) {
	a, aOK := o.Timestamp(first)
	b, bOK := o.Timestamp(second)
	if !aOK || !bOK {
		return
	}
	if b.Before(a.Time) || (second != "last_seen" && b.Equal(a.Time)) {
		c.fail(second, "must be %s", want)
	}
}

func (c *checker) timestamp(o Object, name string) {
	s, ok := o.String(name)
	if !ok {
		c.fail(name, "not an RFC 3339 timestamp")
		return
	}
	if _, err := ParseTimestamp(s); err != nil {
		c.fail(name, "not an RFC 3339 timestamp")
	}
}

// kind checks that a present property has the given kind.
func (c *checker) kind(o Object, name string, k kind) {
	raw := o.Raw(name)
	switch k {
	case kindText:
		if s, ok := o.String(name); !ok {
			c.fail(name, "not a string")
		} else if strings.TrimSpace(s) == "" {
			c.fail(name, "empty")
		}
	case kindTimestamp:
		c.timestamp(o, name)
	case kindRef:
		c.ref(o, name, refTypes[name])
	case kindRefs:
		c.refList(o, name, refTypes[name])
	case kindBool:
		if !bytes.Equal(raw, []byte("true")) && !bytes.Equal(raw, []byte("false")) {
			c.fail(name, "not true or false")
		}
	case kindInteger:
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			c.fail(name, "not a whole number")
		}
	}
}

func (c *checker) ref(o Object, name string, types []string) {
	s, ok := o.String(name)
	if !ok {
		c.fail(name, "not a string")
		return
	}
	c.refValue(name, s, types)
}

func (c *checker) refValue(name, id string, types []string) bool {
	if p := idProblem(id); p != "" {
		c.fail(name, "%q: %s", id, p)
		return false
	}
	if t, _, _ := strings.Cut(id, "--"); len(types) > 0 && !slices.Contains(types, t) {
		c.fail(name, "%q must point to %s", id, strings.Join(types, " or "))
		return false
	}
	return true
}

func (c *checker) refList(o Object, name string, types []string) {
	list, ok := o.Strings(name)
	switch {
	case !ok:
		c.fail(name, "not a list of identifiers")
	case len(list) == 0:
		c.fail(name, "empty list; omit the property instead")
	default:
		for _, id := range list {
			if !c.refValue(name, id, types) {
				return // one message per property is enough
			}
		}
	}
}

func (c *checker) textList(o Object, name string) {
	list, ok := o.Strings(name)
	switch {
	case !ok:
		c.fail(name, "not a list of strings")
	case len(list) == 0:
		c.fail(name, "empty list; omit the property instead")
	case slices.ContainsFunc(list, func(s string) bool { return strings.TrimSpace(s) == "" }):
		c.fail(name, "contains an empty string")
	}
}

func (c *checker) externalReferences(o Object, objType string) {
	var refs []map[string]json.RawMessage
	raw := o.Raw("external_references")
	if raw[0] != '[' || json.Unmarshal(raw, &refs) != nil {
		c.fail("external_references", "not a list of objects")
		return
	}
	if len(refs) == 0 {
		c.fail("external_references", "empty list; omit the property instead")
		return
	}
	for i, r := range refs {
		var ref ExternalReference
		if r == nil || json.Unmarshal(mustJSON(r), &ref) != nil {
			c.fail("external_references", "[%d]: not an external reference", i)
			return
		}
		if strings.TrimSpace(ref.SourceName) == "" {
			c.fail("external_references", "[%d]: source_name is missing", i)
			return
		}
		if ref.Description == "" && ref.URL == "" && ref.ExternalID == "" {
			c.fail("external_references", "[%d]: needs a description, url or external_id", i)
			return
		}
		if objType == TypeAttackPattern && ref.SourceName == SourceMitreAttack && !IsTechniqueID(ref.ExternalID) {
			c.fail("external_references", "[%d]: %q is not an ATT&CK technique id (T1234 or T1234.001)", i, ref.ExternalID)
			return
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// IsTechniqueID reports whether s has the form of an ATT&CK technique or
// sub-technique identifier: T1566 or T1566.001. Whether the technique exists
// is a question for the attack package.
func IsTechniqueID(s string) bool {
	digits := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch len(s) {
	case 5:
		return s[0] == 'T' && digits(s[1:])
	case 9:
		return s[0] == 'T' && digits(s[1:5]) && s[5] == '.' && digits(s[6:])
	}
	return false
}

func (c *checker) granularMarkings(o Object) {
	var gms []struct {
		MarkingRef *string   `json:"marking_ref"`
		Lang       *string   `json:"lang"`
		Selectors  *[]string `json:"selectors"`
	}
	raw := o.Raw("granular_markings")
	if raw[0] != '[' || json.Unmarshal(raw, &gms) != nil {
		c.fail("granular_markings", "not a list of granular markings")
		return
	}
	if len(gms) == 0 {
		c.fail("granular_markings", "empty list; omit the property instead")
		return
	}
	for i, gm := range gms {
		if (gm.MarkingRef == nil) == (gm.Lang == nil) {
			c.fail("granular_markings", "[%d]: needs exactly one of marking_ref and lang", i)
			return
		}
		if gm.MarkingRef != nil && !c.refValue("granular_markings", *gm.MarkingRef, []string{TypeMarkingDefinition}) {
			return
		}
		if gm.Selectors == nil || len(*gm.Selectors) == 0 {
			c.fail("granular_markings", "[%d]: selectors must be a non-empty list", i)
			return
		}
	}
}

// typeRules applies what is particular to one object type.
func (c *checker) typeRules(o Object, t string) {
	for _, r := range required[t] {
		if !o.Has(r.name) {
			c.fail(r.name, "missing (required for %s)", t)
			continue
		}
		if r.kind != kindRef && r.kind != kindRefs && r.kind != kindTimestamp {
			c.kind(o, r.name, r.kind) // refs and timestamps are checked by name already
		}
	}
	switch t {
	case TypeRelationship:
		c.relationship(o)
	case TypeMarkingDefinition:
		c.markingDefinition(o)
	}
}

func (c *checker) relationship(o Object) {
	rt, rtOK := o.String("relationship_type")
	src, srcOK := o.String("source_ref")
	dst, dstOK := o.String("target_ref")
	if rtOK && rt != "" {
		if p := typeProblem(rt); p != "" {
			c.fail("relationship_type", "%s", strings.Replace(p, "type", "relationship types", 1))
			return
		}
	}
	if !rtOK || !srcOK || !dstOK || idProblem(src) != "" || idProblem(dst) != "" {
		return // already reported
	}
	srcType, _, _ := strings.Cut(src, "--")
	dstType, _, _ := strings.Cut(dst, "--")
	if notRelatable[srcType] {
		c.fail("source_ref", "a relationship cannot start at %s", srcType)
		return
	}
	if notRelatable[dstType] {
		c.fail("target_ref", "a relationship cannot end at %s", dstType)
		return
	}
	rules, known := relationshipRules[rt]
	if !known {
		return
	}
	targets, ok := rules[srcType]
	if !ok {
		c.fail("source_ref", "a %q relationship cannot start at %s (STIX 2.1 allows sources: %s)", rt, srcType, strings.Join(sortedKeys(rules), ", "))
		return
	}
	if !slices.Contains(targets, dstType) {
		c.fail("target_ref", "%s %q %s is not a STIX 2.1 relationship (allowed targets: %s)", srcType, rt, dstType, strings.Join(targets, ", "))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (c *checker) markingDefinition(o Object) {
	hasDef, hasExt := o.Has("definition_type"), o.Has("extensions")
	switch {
	case !hasDef && !hasExt:
		c.fail("definition_type", "missing (a marking definition needs definition_type and definition, or extensions)")
		return
	case hasDef:
		dt, ok := o.String("definition_type")
		if !ok || dt == "" {
			c.fail("definition_type", "not a string")
			return
		}
		def := o.Raw("definition")
		if def == nil {
			c.fail("definition", "missing (required with definition_type)")
			return
		}
		if def[0] != '{' {
			c.fail("definition", "must be a JSON object")
			return
		}
		switch dt {
		case "statement":
			var s struct {
				Statement *string `json:"statement"`
			}
			if json.Unmarshal(def, &s) != nil || s.Statement == nil || strings.TrimSpace(*s.Statement) == "" {
				c.fail("definition", "a statement marking needs a non-empty \"statement\"")
			}
		case "tlp":
			var s struct {
				TLP string `json:"tlp"`
			}
			_ = json.Unmarshal(def, &s)
			if !slices.Contains([]string{"white", "green", "amber", "red"}, s.TLP) {
				c.fail("definition", "a TLP 1.0 marking needs \"tlp\" of white, green, amber or red")
			} else if want, ok := tlp1MarkingIDs[o.ID()]; ok && want != tlp1Level(s.TLP) {
				c.fail("definition", "does not match the official TLP 1.0 marking with this id")
			}
		}
	}
	if p, r := tlpDefinitionProblem(o); p != "" {
		c.fail(p, "%s", r)
	}
}

func tlp1Level(s string) TLP {
	if s == "white" {
		return TLPClear
	}
	return TLP(s)
}
