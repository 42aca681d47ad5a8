package bulletin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
)

// fixedCreated is the created time of the objects that do not come from
// one item (the publisher, organisations, ATT&CK techniques), so that their
// ids and versions never change between exports.
var fixedCreated = stix.NewTimestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

// PublisherID is the STIX identity of the bulletin's publisher.
var PublisherID = stix.DeterministicID(stix.TypeIdentity, "cybernorms", "publisher")

// Audiences of STIX exports and TAXII collections.
const (
	AudiencePublic  = "public"  // TLP:CLEAR
	AudienceMembers = "members" // TLP:CLEAR, GREEN, AMBER (entitled users)
)

// audienceMax is the most restrictive label an audience may receive.
func audienceMax(aud string) stix.TLP {
	if aud == AudienceMembers {
		return stix.TLPAmber
	}
	return stix.TLPClear
}

// ItemSTIXID is the deterministic STIX id of an item.
func ItemSTIXID(it *Item) string {
	return stix.DeterministicID(itemSTIXType(it.Kind), "bulletin-item", it.ID)
}

func itemSTIXType(k Kind) string {
	switch k {
	case KindActor:
		return stix.TypeThreatActor
	case KindTechnique:
		return stix.TypeAttackPattern
	case KindMitigation:
		return stix.TypeCourseOfAction
	}
	return stix.TypeNote
}

func techniqueSTIXID(t string) string {
	return stix.DeterministicID(stix.TypeAttackPattern, stix.SourceMitreAttack, t)
}

func orgSTIXID(orgID string) string {
	return stix.DeterministicID(stix.TypeIdentity, "organisation", orgID)
}

// IssueBundle builds the STIX 2.1 bundle of an issue for an audience: only
// items whose label is within the audience's limit are included (never
// TLP:AMBER+STRICT or TLP:RED). The same issue and audience always give the
// same bytes.
func IssueBundle(is *Issue, items []*Item, aud string) (stix.Bundle, error) {
	limit := audienceMax(aud)
	var visible []*Item
	for _, it := range items {
		if it.TLP.AtMost(limit) {
			visible = append(visible, it)
		}
	}
	published := fixedCreated
	if is.PublishedAt != nil {
		published = stix.NewTimestamp(*is.PublishedAt)
	}
	reportID := stix.DeterministicID(stix.TypeReport, "bulletin-issue", is.ID, aud)
	objs := map[string]stix.Object{}
	add := func(v any) string {
		o := stix.MustObject(v)
		objs[o.ID()] = o
		return o.ID()
	}
	add(stix.Identity{Common: stix.NewCommon(stix.TypeIdentity, PublisherID, fixedCreated), Name: "cybernorms threat-intelligence bulletin", IdentityClass: "organization"})
	markings := map[stix.TLP]bool{stix.TLPClear: true}
	itemIDs := map[string]string{}
	for _, it := range visible {
		itemIDs[it.ID] = ItemSTIXID(it)
	}
	var refs []string
	for _, it := range visible {
		markings[it.TLP] = true
		creator := PublisherID
		if it.OrgID != "" {
			creator = orgSTIXID(it.OrgID)
			ic := stix.NewCommon(stix.TypeIdentity, creator, fixedCreated)
			ic.CreatedByRef = PublisherID
			name := it.OrgName
			if name == "" {
				name = it.OrgID
			}
			add(stix.Identity{Common: ic, Name: name, IdentityClass: "organization"})
			refs = append(refs, creator)
		}
		c := stix.NewCommon(itemSTIXType(it.Kind), itemIDs[it.ID], stampOr(it.CreatedAt))
		c.Modified = stampOr(it.UpdatedAt)
		c.CreatedByRef = creator
		c.ObjectMarkingRefs = []string{stix.MarkingID(it.TLP)}
		c.Labels = append([]string{string(it.Kind)}, it.Sectors...)
		for _, r := range it.References {
			c.ExternalReferences = append(c.ExternalReferences, stix.ExternalReference{SourceName: "reference", URL: r})
		}
		desc := it.Summary
		if it.Body != "" {
			desc += "\n\n" + it.Body
		}
		var techRefs []string
		for _, t := range it.Techniques {
			techRefs = append(techRefs, techniqueSTIXID(t))
		}
		switch it.Kind {
		case KindActor:
			add(stix.ThreatActor{Common: c, Name: it.Title, Description: desc})
		case KindTechnique:
			for _, t := range it.Techniques {
				if tech, ok := attack.Lookup(t); ok {
					c.ExternalReferences = append(c.ExternalReferences, stix.MitreAttackReference(tech.ID, tech.URL))
				}
			}
			add(stix.AttackPattern{Common: c, Name: it.Title, Description: desc})
		case KindMitigation:
			add(stix.CourseOfAction{Common: c, Name: it.Title, Description: desc})
		default:
			objRefs := techRefs
			if len(objRefs) == 0 {
				objRefs = []string{reportID}
			}
			add(stix.Note{Common: c, Abstract: it.Title, Content: desc, ObjectRefs: objRefs})
		}
		refs = append(refs, c.ID)
		// ATT&CK techniques the item cites, and how it relates to them.
		for _, t := range it.Techniques {
			tech, ok := attack.Lookup(t)
			if !ok {
				continue
			}
			tc := stix.NewCommon(stix.TypeAttackPattern, techniqueSTIXID(tech.ID), fixedCreated)
			tc.CreatedByRef = PublisherID
			tc.ObjectMarkingRefs = []string{stix.MarkingID(stix.TLPClear)}
			tc.ExternalReferences = []stix.ExternalReference{stix.MitreAttackReference(tech.ID, tech.URL)}
			var phases []stix.KillChainPhase
			for _, p := range tech.Tactics {
				phases = append(phases, stix.KillChainPhase{KillChainName: stix.SourceMitreAttack, PhaseName: p})
			}
			add(stix.AttackPattern{Common: tc, Name: tech.FullName(), KillChainPhases: phases})
			refs = append(refs, tc.ID)
			rel := ""
			switch it.Kind {
			case KindActor:
				rel = stix.RelUses
			case KindMitigation:
				rel = stix.RelMitigates
			case KindTechnique:
				rel = stix.RelRelatedTo
			}
			if rel != "" {
				refs = append(refs, add(relationship(c, rel, c.ID, tc.ID, it.TLP)))
			}
		}
		for _, l := range it.Links {
			target, ok := itemIDs[l.To]
			if !ok {
				continue // the target is not released to this audience
			}
			rel := l.Rel
			if !strings.HasPrefix(target, stix.TypeAttackPattern+"--") || rel == "related-to" {
				rel = stix.RelRelatedTo
			}
			if strings.HasPrefix(c.ID, stix.TypeNote+"--") || strings.HasPrefix(target, stix.TypeNote+"--") {
				rel = stix.RelRelatedTo
			}
			refs = append(refs, add(relationship(c, rel, c.ID, target, it.TLP)))
		}
	}
	for t := range markings {
		add(stix.TLPMarkingDefinition(t))
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)
	if len(refs) == 0 {
		refs = []string{PublisherID}
	}
	rc := stix.NewCommon(stix.TypeReport, reportID, published)
	rc.CreatedByRef = PublisherID
	rc.ObjectMarkingRefs = []string{stix.MarkingID(stix.TLPClear)}
	rc.ExternalReferences = nil
	desc := is.Foreword
	add(stix.Report{Common: rc, Name: is.Title + " (" + is.Label() + ")", Description: desc, ReportTypes: []string{"threat-report"}, Published: published, ObjectRefs: refs})
	out := make([]stix.Object, 0, len(objs))
	for _, o := range objs {
		out = append(out, o)
	}
	bundleID := stix.DeterministicID(stix.TypeBundle, "bulletin-issue", is.ID, aud)
	return stix.NewBundle(bundleID, out...), nil
}

// stampOr is t as a STIX timestamp, or the fixed creation time for an
// item that has never been saved (a preview).
func stampOr(t time.Time) stix.Timestamp {
	if t.IsZero() {
		return fixedCreated
	}
	return stix.NewTimestamp(t)
}

func relationship(src stix.Common, rel, from, to string, tlp stix.TLP) stix.Relationship {
	c := stix.NewCommon(stix.TypeRelationship, stix.DeterministicID(stix.TypeRelationship, from, rel, to), src.Created)
	c.Modified = src.Modified
	c.CreatedByRef = src.CreatedByRef
	c.ObjectMarkingRefs = []string{stix.MarkingID(tlp)}
	return stix.Relationship{Common: c, RelationshipType: rel, SourceRef: from, TargetRef: to}
}

// ExportIssue returns the STIX bundle of a published issue as u may see
// it: the members' bundle for entitled users, the public one otherwise.
func (s *Service) ExportIssue(ctx context.Context, u *auth.User, key string) ([]byte, error) {
	is, err := s.IssueFor(ctx, u, key)
	if err != nil {
		return nil, err
	}
	aud := AudiencePublic
	if Entitled(u) {
		aud = AudienceMembers
	}
	items, err := s.issueItems(ctx, is)
	if err != nil {
		return nil, err
	}
	b, err := IssueBundle(is, items, aud)
	if err != nil {
		return nil, err
	}
	return stix.MarshalBundle(b)
}

func (s *Service) issueItems(ctx context.Context, is *Issue) ([]*Item, error) {
	var items []*Item
	for _, itemID := range is.ItemIDs {
		it, err := loadItem(ctx, s.DB, itemID)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// ImportError is a bundle refused on import, with the reason (in English,
// the API's). format and args say it on pages in the reader's language
// (MessageKey); a STIX validator's detail is an argument, in English.
type ImportError struct {
	Reason string
	format string
	args   []any
}

func (e *ImportError) Error() string { return e.Reason }

// MessageKey is the reason's catalog key, "reason:" and its English
// format, and the format's arguments (web.Catalog.ErrorText).
func (e *ImportError) MessageKey() (string, []any) {
	if e.format == "" {
		return "reason:" + e.Reason, nil
	}
	return "reason:" + e.format, e.args
}

// ImportBundle reads a STIX 2.1 bundle and creates draft items from its
// threat actors, attack patterns, courses of action and notes for u's
// organisation. A bundle that is not valid STIX 2.1, or that cites an
// unknown ATT&CK technique, is refused whole and nothing is created.
func (s *Service) ImportBundle(ctx context.Context, u *auth.User, data []byte) ([]*Item, error) {
	if u == nil || u.OrgID == "" {
		return nil, ErrForbidden
	}
	b, err := stix.ParseBundle(data)
	if err != nil {
		return nil, &ImportError{Reason: err.Error(), format: "the bundle is not valid STIX 2.1: %s", args: []any{err.Error()}}
	}
	inputs, links, err := bundleInputs(b)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, &ImportError{Reason: "the bundle holds no threat-actor, attack-pattern, course-of-action or note to import"}
	}
	// Validate everything first, so a bad object refuses the whole bundle.
	for _, in := range inputs {
		if _, err := in.in.validate(s.normKnown(ctx)); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				return nil, &ImportError{Reason: fmt.Sprintf("object %s: %s %s", in.stixID, fe.Field, fe.Reason), format: "object %s: %s %s", args: []any{in.stixID, fe.Field, fe}}
			}
			return nil, err
		}
	}
	created := map[string]*Item{}
	var out []*Item
	for _, in := range inputs {
		it, err := s.createItem(ctx, u, in.in, "stix")
		if err != nil {
			return out, err
		}
		created[in.stixID] = it
		out = append(out, it)
	}
	for _, l := range links {
		from, to := created[l[0]], created[l[2]]
		if from == nil || to == nil {
			continue
		}
		rel := l[1]
		rule, ok := linkRules[rel]
		if !ok || !kindIn(from.Kind, rule[0]) || !kindIn(to.Kind, rule[1]) {
			rel = "related-to"
		}
		from.Links = append(from.Links, Link{From: from.ID, Rel: rel, To: to.ID})
	}
	for _, it := range out {
		if len(it.Links) == 0 {
			continue
		}
		in := it.input()
		if _, err := s.UpdateItem(ctx, u, it.ID, in); err != nil {
			return out, err
		}
	}
	return out, nil
}

// input turns an item back into the input that made it.
func (it *Item) input() ItemInput {
	return ItemInput{Kind: string(it.Kind), Title: it.Title, Summary: it.Summary, Body: it.Body, TLP: string(it.TLP),
		Techniques: it.Techniques, Sectors: it.Sectors, Regions: it.Regions, States: it.States, Norms: it.Norms,
		References: it.References, Links: it.Links}
}

type importInput struct {
	stixID string
	in     ItemInput
}

func bundleInputs(b stix.Bundle) ([]importInput, [][3]string, error) {
	var out []importInput
	var links [][3]string
	seen := map[string]bool{}
	for _, o := range b.Objects {
		objID := o.ID()
		if seen[objID] {
			continue
		}
		o, _ = b.Get(objID) // latest version
		seen[objID] = true
		var in ItemInput
		name, _ := o.String("name")
		desc, _ := o.String("description")
		switch o.Type() {
		case stix.TypeRelationship:
			rt, _ := o.String("relationship_type")
			src, _ := o.String("source_ref")
			dst, _ := o.String("target_ref")
			links = append(links, [3]string{src, rt, dst})
			continue
		case stix.TypeThreatActor:
			in.Kind = string(KindActor)
		case stix.TypeAttackPattern:
			in.Kind = string(KindTechnique)
		case stix.TypeCourseOfAction:
			in.Kind = string(KindMitigation)
		case stix.TypeNote:
			in.Kind = string(KindThreat)
			if labels, _ := o.Strings("labels"); slices.Contains(labels, string(KindTrend)) {
				in.Kind = string(KindTrend)
			}
			name, _ = o.String("abstract")
			desc, _ = o.String("content")
		default:
			continue
		}
		if name == "" {
			name = firstLine(desc)
		}
		in.Title = truncate(name, 200)
		in.Summary = desc
		if in.Summary == "" {
			in.Summary = name
		}
		if len([]rune(in.Summary)) > 4000 {
			in.Body = in.Summary
			in.Summary = truncate(in.Summary, 4000)
		}
		in.TLP = string(stix.TLPAmber)
		if t, ok := stix.ObjectTLP(o); ok {
			in.TLP = string(t)
		}
		var ap stix.AttackPattern
		_ = o.Decode(&ap)
		for _, r := range ap.ExternalReferences {
			switch {
			case r.SourceName == stix.SourceMitreAttack && strings.HasPrefix(r.ExternalID, "T"):
				if !attack.Valid(r.ExternalID) {
					return nil, nil, &ImportError{Reason: fmt.Sprintf("object %s: external_references: %q is not an ATT&CK Enterprise technique (v%s)", objID, r.ExternalID, attack.Version()), format: "object %s: external_references: %q is not an ATT&CK Enterprise technique (v%s)", args: []any{objID, r.ExternalID, attack.Version()}}
				}
				in.Techniques = append(in.Techniques, r.ExternalID)
			case r.URL != "" && (strings.HasPrefix(r.URL, "https://") || strings.HasPrefix(r.URL, "http://")) && len(in.References) < 30:
				in.References = append(in.References, r.URL)
			}
		}
		out = append(out, importInput{stixID: objID, in: in})
	}
	return out, links, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
