// Package bulletin is the quarterly threat-intelligence bulletin: items
// contributed by members of stakeholder organisations, reviewed by the
// secretariat, composed into quarterly issues and published to a web
// archive, Atom feeds, STIX 2.1 bundles, a TAXII 2.1 server and an email
// distribution list with double opt-in.
//
// Who may see what is decided in one place, [CanSee] and [audienceFilter]:
// see docs/modules/bulletin.md.
package bulletin

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Kind is what an item is about; each kind is a section of an issue.
type Kind string

// The five kinds, in the default section order.
const (
	KindThreat      Kind = "threat"
	KindTrend       Kind = "trend"
	KindActor       Kind = "threat-actor"
	KindTechnique   Kind = "attack-technique"
	KindMitigation  Kind = "mitigation"
	defaultSections      = "threat,trend,threat-actor,attack-technique,mitigation"
)

// Kinds lists the kinds in the default section order.
var Kinds = []Kind{KindThreat, KindTrend, KindActor, KindTechnique, KindMitigation}

// Valid reports whether k is one of the five kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Item statuses. An item moves draft → submitted → approved, or back to
// changes-requested (and then submitted again), or to rejected.
const (
	StatusDraft            = "draft"
	StatusSubmitted        = "submitted"
	StatusChangesRequested = "changes-requested"
	StatusApproved         = "approved"
	StatusRejected         = "rejected"
)

// Sectors are the targeted sectors an item may name.
var Sectors = []string{"government", "diplomacy", "defence", "energy", "finance", "health", "telecommunications",
	"transport", "water", "manufacturing", "education", "research", "media", "civil-society", "information-technology", "emergency-services"}

// Regions are the UN regional groups plus "global".
var Regions = []string{"global", "african", "asia-pacific", "eastern-european", "latin-american-caribbean", "weog"}

// Link relations between items, with the kinds they join.
var linkRules = map[string][2][]Kind{
	"uses":       {{KindActor}, {KindTechnique}},
	"mitigates":  {{KindMitigation}, {KindTechnique, KindThreat}},
	"related-to": {Kinds, Kinds},
}

// LinkRels lists the link relations.
var LinkRels = []string{"uses", "mitigates", "related-to"}

// Link joins two items.
type Link struct {
	From  string `json:"from"`
	Rel   string `json:"rel"`
	To    string `json:"to"`
	Title string `json:"title,omitempty"`
}

// Item is one contribution.
type Item struct {
	ID            string     `json:"id"`
	Kind          Kind       `json:"kind"`
	Status        string     `json:"status"`
	Title         string     `json:"title"`
	Summary       string     `json:"summary"`
	Body          string     `json:"body"`
	TLP           stix.TLP   `json:"tlp"`
	Techniques    []string   `json:"techniques"`
	Sectors       []string   `json:"sectors"`
	Regions       []string   `json:"regions"`
	States        []string   `json:"states"`
	Norms         []string   `json:"norms"`
	References    []string   `json:"references"`
	Links         []Link     `json:"links,omitempty"`
	ContributorID string     `json:"-"`
	OrgID         string     `json:"-"`
	OrgName       string     `json:"organisation,omitempty"`
	Source        string     `json:"source"`
	ReviewComment string     `json:"review_comment,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// ItemInput is what a contributor writes; lists may be given as slices
// (JSON) or as comma/line separated text (forms, via ParseList).
type ItemInput struct {
	Kind       string   `json:"kind"`
	Title      string   `json:"title"`
	Summary    string   `json:"summary"`
	Body       string   `json:"body"`
	TLP        string   `json:"tlp"`
	Techniques []string `json:"techniques"`
	Sectors    []string `json:"sectors"`
	Regions    []string `json:"regions"`
	States     []string `json:"states"`
	Norms      []string `json:"norms"`
	References []string `json:"references"`
	Links      []Link   `json:"links"`
}

// FieldError is bad input on one named field. Reason is in English (the
// API's); pages say it in the reader's language through its catalog key
// (MessageKey, web.Catalog.ErrorText).
type FieldError struct {
	Field, Reason string
	format        string
	args          []any
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// MessageKey is the reason's catalog key, "reason:" and its English format
// (as api.Error's), and the format's arguments.
func (e *FieldError) MessageKey() (string, []any) {
	if e.format == "" {
		return "reason:" + e.Reason, nil
	}
	return "reason:" + e.format, e.args
}

// fieldLabels are the catalog keys of the labels the forms give the
// fields a refusal may name.
var fieldLabels = map[string]string{
	"kind": "bulletin.kind", "title": "bulletin.title_field", "summary": "bulletin.summary", "body": "bulletin.body", "tlp": "bulletin.tlp",
	"techniques": "bulletin.techniques", "states": "bulletin.states", "norms": "bulletin.norms", "references": "bulletin.references", "links": "bulletin.links",
	"quarter": "bulletin.quarter", "foreword": "bulletin.foreword", "rate": "bulletin.rate", "sections": "bulletin.sections", "comment": "bulletin.comment",
	"email": "bulletin.email", "lang": "bulletin.language", "addresses": "bulletin.suppress_addresses",
}

// LabelKey is the catalog key of the refused field's label, so that a page
// names the field as its form does ("TLP label", not "tlp"); "" for a field
// that is no input of a form. A field inside a list ("sources[0].url") is
// labelled as its list is, and Path gives its place.
func (e *FieldError) LabelKey() string { return fieldLabels[api.FieldBase(e.Field)] }

// Path is the refused field's place inside a list ("sources[0].url"), shown
// as code after its list's label; "" for a field of its own.
func (e *FieldError) Path() string { return api.FieldPath(e.Field) }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), format: format, args: args}
}

// ParseList splits form text on commas and line breaks, trimming blanks.
func ParseList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// NormExists reports whether a framework norm id (gge2015-a) is known.
type NormExists func(id string) bool

// validate checks and normalises an input into an item's fields.
func (in ItemInput) validate(normKnown NormExists) (Item, error) {
	var it Item
	it.Kind = Kind(strings.TrimSpace(in.Kind))
	if !it.Kind.Valid() {
		return it, invalid("kind", "must be one of threat, trend, threat-actor, attack-technique, mitigation")
	}
	it.Title = strings.TrimSpace(in.Title)
	if it.Title == "" || utf8.RuneCountInString(it.Title) > 200 {
		return it, invalid("title", "is required and at most 200 characters")
	}
	it.Summary = strings.TrimSpace(in.Summary)
	if it.Summary == "" || utf8.RuneCountInString(it.Summary) > 4000 {
		return it, invalid("summary", "is required and at most 4,000 characters")
	}
	it.Body = strings.TrimSpace(in.Body)
	if utf8.RuneCountInString(it.Body) > 50000 {
		return it, invalid("body", "is at most 50,000 characters")
	}
	for _, f := range []struct{ name, v string }{{"title", it.Title}, {"summary", it.Summary}, {"body", it.Body}} {
		if !utf8.ValidString(f.v) || strings.ContainsRune(f.v, 0) {
			return it, invalid(f.name, "must be UTF-8 text")
		}
	}
	if strings.TrimSpace(in.TLP) == "" {
		return it, invalid("tlp", "is required: one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED")
	}
	t, err := stix.ParseTLP(in.TLP)
	if err != nil {
		return it, invalid("tlp", "%q is not a TLP 2.0 label (CLEAR, GREEN, AMBER, AMBER+STRICT, RED)", in.TLP)
	}
	it.TLP = t
	if len(in.Techniques) > 50 {
		return it, invalid("techniques", "at most 50")
	}
	for _, x := range in.Techniques {
		tech, ok := attack.Lookup(x)
		if !ok {
			return it, invalid("techniques", "%q is not an ATT&CK Enterprise technique (v%s)", x, attack.Version())
		}
		if !slices.Contains(it.Techniques, tech.ID) {
			it.Techniques = append(it.Techniques, tech.ID)
		}
	}
	if it.Sectors, err = fromList("sectors", in.Sectors, Sectors); err != nil {
		return it, err
	}
	if it.Regions, err = fromList("regions", in.Regions, Regions); err != nil {
		return it, err
	}
	for _, s := range in.States {
		code := strings.ToUpper(strings.TrimSpace(s))
		if _, ok := states.ByISO3(code); !ok {
			return it, invalid("states", "%q is not the ISO 3166-1 alpha-3 code of a State", s)
		}
		if !slices.Contains(it.States, code) {
			it.States = append(it.States, code)
		}
	}
	for _, n := range in.Norms {
		n = strings.ToLower(strings.TrimSpace(n))
		if normKnown != nil && !normKnown(n) {
			return it, invalid("norms", "%q is not a norm of the framework (e.g. gge2015-a)", n)
		}
		if !slices.Contains(it.Norms, n) {
			it.Norms = append(it.Norms, n)
		}
	}
	if len(in.References) > 30 {
		return it, invalid("references", "at most 30")
	}
	for _, ref := range in.References {
		ref = strings.TrimSpace(ref)
		u, err := url.Parse(ref)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(ref) > 2000 {
			return it, invalid("references", "%q is not an http(s) URL", ref)
		}
		it.References = append(it.References, ref)
	}
	for _, l := range in.Links {
		if !slices.Contains(LinkRels, l.Rel) {
			return it, invalid("links", "relation %q is not one of uses, mitigates, related-to", l.Rel)
		}
	}
	it.Links = in.Links
	return it, nil
}

func fromList(field string, in []string, allowed []string) ([]string, error) {
	var out []string
	for _, s := range in {
		v := strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(allowed, v) {
			return nil, invalid(field, "%q is not one of %s", s, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// encodeList stores a list as ",a,b," for LIKE filters.
func encodeList(l []string) string { return "," + strings.Join(l, ",") + "," }

func decodeList(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Entitled reports whether u belongs to the community that may read
// TLP:GREEN and TLP:AMBER bulletin content: the secretariat, members of an
// organisation and officials of a State.
func Entitled(u *auth.User) bool {
	if u == nil || u.Disabled {
		return false
	}
	return u.Role == auth.RoleSecretariat || u.OrgID != "" || u.Role.IsState() && u.StateISO3 != ""
}

// CanSee is the release rule for published content on every channel:
//
//   - TLP:CLEAR: everyone;
//   - TLP:GREEN and TLP:AMBER: Entitled users;
//   - TLP:AMBER+STRICT: the contributing organisation and the secretariat;
//   - TLP:RED: nobody on a shared channel (only the contributor's own
//     organisation and the reviewing secretariat, in the review pages,
//     which use canReview).
func CanSee(u *auth.User, it *Item) bool {
	switch it.TLP {
	case stix.TLPClear:
		return true
	case stix.TLPGreen, stix.TLPAmber:
		return Entitled(u)
	case stix.TLPAmberStrict:
		return u != nil && (u.Role == auth.RoleSecretariat || u.OrgID != "" && u.OrgID == it.OrgID)
	}
	return false
}

// audienceFilter is CanSee as SQL over bulletin_items aliased i.
func audienceFilter(u *auth.User) (string, []any) {
	switch {
	case u != nil && u.Role == auth.RoleSecretariat:
		return "i.tlp IN ('clear','green','amber','amber+strict')", nil
	case Entitled(u) && u.OrgID != "":
		return "(i.tlp IN ('clear','green','amber') OR (i.tlp = 'amber+strict' AND i.org_id = ?))", []any{u.OrgID}
	case Entitled(u):
		return "i.tlp IN ('clear','green','amber')", nil
	}
	return "i.tlp = 'clear'", nil
}

// canEdit: the contributor (or a colleague of the same organisation) while
// the item is a draft or has changes requested.
func canEdit(u *auth.User, it *Item) bool {
	return sameOwner(u, it) && (it.Status == StatusDraft || it.Status == StatusChangesRequested)
}

func sameOwner(u *auth.User, it *Item) bool {
	return u != nil && (u.ID == it.ContributorID || u.OrgID != "" && u.OrgID == it.OrgID)
}

// canReview: whoever may read an unpublished item — its owners and the
// secretariat.
func canReview(u *auth.User, it *Item) bool {
	return sameOwner(u, it) || u != nil && u.Role == auth.RoleSecretariat
}

// Issue is a quarterly issue.
type Issue struct {
	ID           string     `json:"id"`
	Slug         string     `json:"slug"`
	Year         int        `json:"year"`
	Quarter      int        `json:"quarter"`
	Revision     int        `json:"revision"`
	Title        string     `json:"title"`
	Foreword     string     `json:"foreword"`
	Sections     []Kind     `json:"sections"`
	Status       string     `json:"status"`
	SupersedesID string     `json:"supersedes,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
	ItemIDs      []string   `json:"item_ids"`
}

// Label is "2026 Q4", with the revision when it is a correction.
func (is *Issue) Label() string {
	s := fmt.Sprintf("%d Q%d", is.Year, is.Quarter)
	if is.Revision > 1 {
		s += fmt.Sprintf(" (revision %d)", is.Revision)
	}
	return s
}

// LabelKey is the catalog key of the label in a reader's language, to be
// given the Year as text (no thousands separator), Quarter and Revision (the texts use explicit argument
// indexes, so the revision may go unused).
func (is *Issue) LabelKey() string {
	if is.Revision > 1 {
		return "bulletin.issue_label_revision"
	}
	return "bulletin.issue_label"
}

// Issue statuses.
const (
	IssueDraft     = "draft"
	IssuePublished = "published"
)

// ParseQuarter reads "2026 Q4" or "2026-q4".
func ParseQuarter(s string) (year, q int, err error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "-", " ")
	var y, n int
	if _, e := fmt.Sscanf(s, "%d Q%d", &y, &n); e != nil || y < 2000 || y > 2100 || n < 1 || n > 4 || fmt.Sprintf("%d Q%d", y, n) != s {
		return 0, 0, invalid("quarter", "%q is not a quarter such as \"2026 Q4\"", s)
	}
	return y, n, nil
}

func parseSections(s string) ([]Kind, error) {
	parts := ParseList(s)
	if len(parts) == 0 {
		parts = ParseList(defaultSections)
	}
	var out []Kind
	for _, p := range parts {
		k := Kind(strings.TrimSpace(p))
		if !k.Valid() || slices.Contains(out, k) {
			return nil, invalid("sections", "%q is not a kind, or appears twice", p)
		}
		out = append(out, k)
	}
	for _, k := range Kinds {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

func sectionsString(ks []Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}
