package incidents

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	"github.com/cybernorms/cybernorms/internal/incidents/actors"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// The STIX 2.1 mapping (docs/modules/incidents.md): an incident is an
// incident object; known ATT&CK groups are intrusion-sets under MITRE's own
// ids, other initiators threat-actors; States are identities; techniques
// attack-patterns; each published attribution statement a report. Every id
// is deterministic, every object TLP:CLEAR, and the same records give the
// same bytes (stix.MarshalBundle sorts).

var stixFixed = stix.NewTimestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

// PublisherID is the identity of the dataset's publisher.
var PublisherID = stix.DeterministicID(stix.TypeIdentity, "cybernorms", "incidents")

// stixIncident is STIX 2.1's incident (section 4.6), with the dataset's
// own properties under the x_cybernorms_ prefix.
type stixIncident struct {
	stix.Common
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Start       string   `json:"x_cybernorms_start"`
	End         string   `json:"x_cybernorms_end,omitempty"`
	Type        string   `json:"x_cybernorms_type"`
	Impact      int      `json:"x_cybernorms_impact"`
	ZeroDay     bool     `json:"x_cybernorms_zero_day"`
	Sectors     []string `json:"x_cybernorms_sectors,omitempty"`
}

// stixIntrusionSet is STIX 2.1's intrusion-set (section 4.8).
type stixIntrusionSet struct {
	stix.Common
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

func stateIdentityID(iso3 string) string {
	return stix.DeterministicID(stix.TypeIdentity, "state", iso3)
}

type stixBuilder struct {
	objs map[string]stix.Object
}

func (b *stixBuilder) add(v any) string {
	o := stix.MustObject(v)
	b.objs[o.ID()] = o
	return o.ID()
}

func clearCommon(objType, id string, created, modified stix.Timestamp) stix.Common {
	c := stix.NewCommon(objType, id, created)
	c.Modified = modified
	c.CreatedByRef = PublisherID
	c.ObjectMarkingRefs = []string{stix.MarkingID(stix.TLPClear)}
	return c
}

func (b *stixBuilder) state(iso3 string) string {
	c := clearCommon(stix.TypeIdentity, stateIdentityID(iso3), stixFixed, stixFixed)
	c.ExternalReferences = []stix.ExternalReference{{SourceName: "iso-3166-1-alpha-3", ExternalID: iso3}}
	return b.add(stix.Identity{Common: c, Name: stateName(iso3), IdentityClass: "organization", Sectors: []string{"government-national"}})
}

// actor adds an initiator or named actor: an intrusion-set under ATT&CK's
// own id for a known group, else a threat-actor.
func (b *stixBuilder) actor(name string) string {
	if g, ok := actors.Lookup(name); ok {
		c := clearCommon("intrusion-set", g.STIXID, stixFixed, stixFixed)
		c.ExternalReferences = []stix.ExternalReference{{SourceName: stix.SourceMitreAttack, ExternalID: g.ID, URL: g.URL}}
		return b.add(stixIntrusionSet{Common: c, Name: g.Name, Aliases: g.Aliases})
	}
	c := clearCommon(stix.TypeThreatActor, stix.DeterministicID(stix.TypeThreatActor, "incident-initiator", strings.ToLower(name)), stixFixed, stixFixed)
	return b.add(stix.ThreatActor{Common: c, Name: name, ThreatActorTypes: []string{"unknown"}})
}

func (b *stixBuilder) rel(from, rel, to string, at stix.Timestamp) string {
	c := clearCommon(stix.TypeRelationship, stix.DeterministicID(stix.TypeRelationship, from, rel, to), at, at)
	return b.add(stix.Relationship{Common: c, RelationshipType: rel, SourceRef: from, TargetRef: to})
}

func dayStamp(d string) stix.Timestamp {
	_, t, err := parseDate("", d)
	if err != nil {
		return stixFixed
	}
	return stix.NewTimestamp(t)
}

// addIncident maps one incident and its published statements.
func (b *stixBuilder) addIncident(x *Incident, atts []*Attribution) {
	created, modified := stix.NewTimestamp(x.CreatedAt), stix.NewTimestamp(x.UpdatedAt)
	c := clearCommon("incident", stix.DeterministicID("incident", "cybernorms-incident", x.ID), created, modified)
	c.Labels = []string{x.Type}
	for _, s := range x.Sources {
		c.ExternalReferences = append(c.ExternalReferences, stix.ExternalReference{SourceName: "source", URL: s.URL, Description: s.Title})
	}
	_, sectors := receiverLists(x.Receivers)
	incID := b.add(stixIncident{Common: c, Name: x.Name, Description: x.Summary, Start: x.Start, End: x.End, Type: x.Type, Impact: x.Impact, ZeroDay: x.ZeroDay, Sectors: sectors})
	var actorIDs []string
	for _, a := range x.Initiators {
		key := a.Name
		if a.GroupID != "" {
			key = a.GroupID
		}
		aid := b.actor(key)
		actorIDs = append(actorIDs, aid)
		b.rel(incID, stix.RelRelatedTo, aid, modified)
		if a.State != "" {
			sid := b.state(a.State)
			if strings.HasPrefix(aid, stix.TypeThreatActor+"--") {
				b.rel(aid, "attributed-to", sid, modified)
			} else {
				b.rel(aid, stix.RelRelatedTo, sid, modified)
			}
		}
	}
	for _, r := range x.Receivers {
		sid := b.state(r.State)
		b.rel(incID, stix.RelRelatedTo, sid, modified)
		for _, aid := range actorIDs {
			b.rel(aid, stix.RelTargets, sid, modified)
		}
	}
	for _, t := range x.Techniques {
		tech, ok := attack.Lookup(t)
		if !ok {
			continue
		}
		tc := clearCommon(stix.TypeAttackPattern, stix.DeterministicID(stix.TypeAttackPattern, stix.SourceMitreAttack, tech.ID), stixFixed, stixFixed)
		tc.ExternalReferences = []stix.ExternalReference{stix.MitreAttackReference(tech.ID, tech.URL)}
		var phases []stix.KillChainPhase
		for _, p := range tech.Tactics {
			phases = append(phases, stix.KillChainPhase{KillChainName: stix.SourceMitreAttack, PhaseName: p})
		}
		tid := b.add(stix.AttackPattern{Common: tc, Name: tech.FullName(), KillChainPhases: phases})
		b.rel(incID, stix.RelRelatedTo, tid, modified)
		for _, aid := range actorIDs {
			b.rel(aid, stix.RelUses, tid, modified)
		}
	}
	for _, a := range atts {
		if a.Status != StatusPublished {
			continue
		}
		published := dayStamp(a.Date)
		when := stix.NewTimestamp(a.UpdatedAt)
		rc := clearCommon(stix.TypeReport, stix.DeterministicID(stix.TypeReport, "cybernorms-attribution", a.ID), when, when)
		if a.PublishedAt != nil {
			rc.Created = stix.NewTimestamp(*a.PublishedAt)
		}
		rc.Labels = append([]string{"attribution", "basis-" + a.Basis}, a.Norms...)
		if a.StatementURL != "" {
			rc.ExternalReferences = append(rc.ExternalReferences, stix.ExternalReference{SourceName: "statement", URL: a.StatementURL})
		}
		for _, e := range a.Evidence {
			rc.ExternalReferences = append(rc.ExternalReferences, stix.ExternalReference{SourceName: "evidence-" + e.Kind, URL: e.URL, Description: e.Title})
		}
		refs := []string{incID}
		var who []string
		for _, st := range a.AttributorState {
			refs = append(refs, b.state(st))
			who = append(who, stateName(st))
		}
		if a.AttributorName != "" {
			who = append(who, a.AttributorName)
		}
		if a.NamedState != "" {
			refs = append(refs, b.state(a.NamedState))
		}
		if a.NamedActor != "" {
			refs = append(refs, b.actor(a.NamedActor))
		}
		var desc strings.Builder
		desc.WriteString("Attribution by " + strings.Join(who, ", ") + " (" + a.AttributorKind + ") on " + a.Date + ", basis: " + a.Basis + ".")
		if a.NamedState != "" {
			desc.WriteString(" State named: " + stateName(a.NamedState) + ".")
		}
		if len(a.Norms) > 0 {
			desc.WriteString(" Norms said to be breached: " + strings.Join(a.Norms, ", ") + ".")
		}
		if law := append(append([]string{}, a.Topics...), a.Law...); len(law) > 0 {
			desc.WriteString(" International law invoked: " + strings.Join(law, "; ") + ".")
		}
		if a.Response != "" {
			desc.WriteString(" Response of the State named: " + a.Response + ".")
		}
		slices.Sort(refs)
		b.add(stix.Report{Common: rc, Name: "Attribution of " + x.Name + " (" + a.Date + ")", Description: desc.String(),
			ReportTypes: []string{"threat-report"}, Published: published, ObjectRefs: slices.Compact(refs)})
	}
}

// Bundle returns the STIX 2.1 bundle of published incidents.
func (s *Service) Bundle(ctx context.Context, bundleKey string, xs []*Incident) (stix.Bundle, error) {
	return bundleOf(ctx, s.DB, bundleKey, xs)
}

// bundleOf builds the bundle reading statements through q (a transaction
// while the refs are rewritten).
func bundleOf(ctx context.Context, q db.Querier, bundleKey string, xs []*Incident) (stix.Bundle, error) {
	b := &stixBuilder{objs: map[string]stix.Object{}}
	pc := stix.NewCommon(stix.TypeIdentity, PublisherID, stixFixed)
	pc.ObjectMarkingRefs = []string{stix.MarkingID(stix.TLPClear)}
	b.add(stix.Identity{Common: pc, Name: "cybernorms incidents and attributions", IdentityClass: "organization"})
	b.add(stix.TLPMarkingDefinition(stix.TLPClear))
	for _, x := range xs {
		atts, err := attributionsOf(ctx, q, x.ID, true)
		if err != nil {
			return stix.Bundle{}, err
		}
		b.addIncident(x, atts)
	}
	objs := make([]stix.Object, 0, len(b.objs))
	for _, o := range b.objs {
		objs = append(objs, o)
	}
	return stix.NewBundle(stix.DeterministicID(stix.TypeBundle, "cybernorms-incidents", bundleKey), objs...), nil
}

func (m *Module) writeBundle(w http.ResponseWriter, r *http.Request, key string, xs []*Incident) {
	b, err := m.svc.Bundle(r.Context(), key, xs)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	data, err := stix.MarshalBundle(b)
	if err != nil {
		m.site.ServerError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	name := "incidents"
	if strings.HasPrefix(key, "incident-") {
		name = key
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.stix.json"`)
	_, _ = w.Write(data)
}

// incidentSTIX is one published incident's bundle.
func (m *Module) incidentSTIX(w http.ResponseWriter, r *http.Request) {
	x, err := m.svc.Incident(r.Context(), nil, r.PathValue("id"))
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.writeBundle(w, r, "incident-"+x.ID, []*Incident{x})
}

// listSTIX is the bundle of a filtered list (the list's facets and words),
// at most 100 incidents.
func (m *Module) listSTIX(w http.ResponseWriter, r *http.Request) {
	f, err := filterFromQuery(r)
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	f.Limit = 100
	xs, _, err := m.svc.List(r.Context(), f)
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.writeBundle(w, r, "incidents-"+r.URL.Query().Encode(), xs)
}
