package stix

import "encoding/json"

// SpecVersion is the only STIX version this package reads and writes.
const SpecVersion = "2.1"

// Object types the bulletin produces and checks in detail.
const (
	TypeBundle            = "bundle"
	TypeReport            = "report"
	TypeThreatActor       = "threat-actor"
	TypeAttackPattern     = "attack-pattern"
	TypeCourseOfAction    = "course-of-action"
	TypeIndicator         = "indicator"
	TypeRelationship      = "relationship"
	TypeNote              = "note"
	TypeIdentity          = "identity"
	TypeMarkingDefinition = "marking-definition"
)

// Relationship types the bulletin uses (STIX 2.1 section 5.1 and appendix B).
const (
	RelUses      = "uses"
	RelMitigates = "mitigates"
	RelRelatedTo = "related-to"
	RelTargets   = "targets"
	RelIndicates = "indicates"
)

// SourceMitreAttack is the external_references source_name that ATT&CK uses
// for its own identifiers (T1566.001, M1049, ...).
const SourceMitreAttack = "mitre-attack"

// ExternalReference points to non-STIX information (STIX 2.1 section 2.5).
// Besides SourceName, at least one of Description, URL and ExternalID must
// be present.
type ExternalReference struct {
	SourceName  string            `json:"source_name"`
	Description string            `json:"description,omitempty"`
	URL         string            `json:"url,omitempty"`
	Hashes      map[string]string `json:"hashes,omitempty"`
	ExternalID  string            `json:"external_id,omitempty"`
}

// MitreAttackReference is the external reference naming an ATT&CK technique,
// e.g. MitreAttackReference("T1566.001",
// "https://attack.mitre.org/techniques/T1566/001/").
func MitreAttackReference(techniqueID, url string) ExternalReference {
	return ExternalReference{SourceName: SourceMitreAttack, ExternalID: techniqueID, URL: url}
}

// KillChainPhase places an attack pattern or indicator in a kill chain; for
// ATT&CK, KillChainName is "mitre-attack" and PhaseName the tactic's short
// name ("initial-access").
type KillChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// Common holds the properties shared by STIX domain and relationship objects
// (STIX 2.1 section 3.2). [NewCommon] fills in Type and SpecVersion.
type Common struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version"`
	ID                 string              `json:"id"`
	Created            Timestamp           `json:"created"`
	Modified           Timestamp           `json:"modified"`
	CreatedByRef       string              `json:"created_by_ref,omitempty"`
	Revoked            bool                `json:"revoked,omitempty"`
	Labels             []string            `json:"labels,omitempty"`
	Confidence         *int                `json:"confidence,omitempty"`
	Lang               string              `json:"lang,omitempty"`
	ExternalReferences []ExternalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs,omitempty"`
}

// NewCommon returns the common properties of a new object of type objType
// with the given identifier, created and last modified at t.
func NewCommon(objType, id string, t Timestamp) Common {
	return Common{Type: objType, SpecVersion: SpecVersion, ID: id, Created: t, Modified: t}
}

// Report is a collection of threat intelligence about one or more topics
// (STIX 2.1 section 4.16): in the bulletin, one company's contribution to an
// issue. Name, Published and ObjectRefs are required.
type Report struct {
	Common
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	ReportTypes []string  `json:"report_types,omitempty"`
	Published   Timestamp `json:"published"`
	ObjectRefs  []string  `json:"object_refs"`
}

// ThreatActor is an actual individual, group or organisation believed to be
// operating with malicious intent (STIX 2.1 section 4.17). Name is required.
type ThreatActor struct {
	Common
	Name                 string     `json:"name"`
	Description          string     `json:"description,omitempty"`
	ThreatActorTypes     []string   `json:"threat_actor_types,omitempty"`
	Aliases              []string   `json:"aliases,omitempty"`
	FirstSeen            *Timestamp `json:"first_seen,omitempty"`
	LastSeen             *Timestamp `json:"last_seen,omitempty"`
	Roles                []string   `json:"roles,omitempty"`
	Goals                []string   `json:"goals,omitempty"`
	Sophistication       string     `json:"sophistication,omitempty"`
	ResourceLevel        string     `json:"resource_level,omitempty"`
	PrimaryMotivation    string     `json:"primary_motivation,omitempty"`
	SecondaryMotivations []string   `json:"secondary_motivations,omitempty"`
}

// AttackPattern is a type of tactics, techniques and procedures (STIX 2.1
// section 4.1); the bulletin uses it for MITRE ATT&CK techniques, named by an
// external reference from [MitreAttackReference]. Name is required.
type AttackPattern struct {
	Common
	Name            string           `json:"name"`
	Description     string           `json:"description,omitempty"`
	Aliases         []string         `json:"aliases,omitempty"`
	KillChainPhases []KillChainPhase `json:"kill_chain_phases,omitempty"`
}

// TechniqueID returns the ATT&CK technique identifier of the attack
// pattern's "mitre-attack" external reference, or "".
func (a AttackPattern) TechniqueID() string {
	for _, r := range a.ExternalReferences {
		if r.SourceName == SourceMitreAttack {
			return r.ExternalID
		}
	}
	return ""
}

// CourseOfAction is a recommendation to prevent or respond to an attack
// (STIX 2.1 section 4.3). Name is required.
type CourseOfAction struct {
	Common
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Indicator is a pattern that can be used to detect suspicious or malicious
// activity (STIX 2.1 section 4.7). Pattern, PatternType and ValidFrom are
// required.
type Indicator struct {
	Common
	Name            string           `json:"name,omitempty"`
	Description     string           `json:"description,omitempty"`
	IndicatorTypes  []string         `json:"indicator_types,omitempty"`
	Pattern         string           `json:"pattern"`
	PatternType     string           `json:"pattern_type"`
	PatternVersion  string           `json:"pattern_version,omitempty"`
	ValidFrom       Timestamp        `json:"valid_from"`
	ValidUntil      *Timestamp       `json:"valid_until,omitempty"`
	KillChainPhases []KillChainPhase `json:"kill_chain_phases,omitempty"`
}

// Relationship links two objects (STIX 2.1 section 5.1): a threat actor uses
// an attack pattern, a course of action mitigates it. RelationshipType,
// SourceRef and TargetRef are required.
type Relationship struct {
	Common
	RelationshipType string     `json:"relationship_type"`
	Description      string     `json:"description,omitempty"`
	SourceRef        string     `json:"source_ref"`
	TargetRef        string     `json:"target_ref"`
	StartTime        *Timestamp `json:"start_time,omitempty"`
	StopTime         *Timestamp `json:"stop_time,omitempty"`
}

// Note adds analysis or context to other objects (STIX 2.1 section 4.13).
// Content and ObjectRefs are required.
type Note struct {
	Common
	Abstract   string   `json:"abstract,omitempty"`
	Content    string   `json:"content"`
	Authors    []string `json:"authors,omitempty"`
	ObjectRefs []string `json:"object_refs"`
}

// Identity is an individual, organisation or group (STIX 2.1 section 4.5):
// in the bulletin, the contributing company and the publisher. Name is
// required.
type Identity struct {
	Common
	Name               string   `json:"name"`
	Description        string   `json:"description,omitempty"`
	Roles              []string `json:"roles,omitempty"`
	IdentityClass      string   `json:"identity_class,omitempty"`
	Sectors            []string `json:"sectors,omitempty"`
	ContactInformation string   `json:"contact_information,omitempty"`
}

// MarkingDefinition is a data marking (STIX 2.1 section 7.2). Unlike other
// objects it has no modified property: a marking definition never changes.
// It carries either DefinitionType and Definition (statements, TLP 1.0) or an
// extension (TLP 2.0, see [TLPMarkingDefinition]).
type MarkingDefinition struct {
	Type               string                     `json:"type"`
	SpecVersion        string                     `json:"spec_version"`
	ID                 string                     `json:"id"`
	Created            Timestamp                  `json:"created"`
	CreatedByRef       string                     `json:"created_by_ref,omitempty"`
	ExternalReferences []ExternalReference        `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string                   `json:"object_marking_refs,omitempty"`
	Name               string                     `json:"name,omitempty"`
	DefinitionType     string                     `json:"definition_type,omitempty"`
	Definition         json.RawMessage            `json:"definition,omitempty"`
	Extensions         map[string]json.RawMessage `json:"extensions,omitempty"`
}

// StatementMarking returns a marking definition of type "statement", used for
// copyright and terms-of-use notices.
func StatementMarking(id string, created Timestamp, createdByRef, statement string) MarkingDefinition {
	def, _ := json.Marshal(struct {
		Statement string `json:"statement"`
	}{statement})
	return MarkingDefinition{
		Type: TypeMarkingDefinition, SpecVersion: SpecVersion, ID: id, Created: created,
		CreatedByRef: createdByRef, DefinitionType: "statement", Definition: def,
	}
}
