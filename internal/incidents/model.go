// Package incidents is a curated, open dataset of significant ICT
// incidents: who attributed them to whom, on what basis, which norms of the
// framework and which rules of international law were cited, how the State
// named answered, and what responses followed. The secretariat curates;
// stakeholder organisations propose incidents and corrections; a State's
// approver signs its own State's attribution statements. The dataset is
// open as CSV and JSON with a codebook, as STIX 2.1 bundles and over TAXII.
//
// See docs/modules/incidents.md.
package incidents

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/bulletin/attack"
	"github.com/cybernorms/cybernorms/internal/incidents/actors"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Incident statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
)

// Proposal statuses.
const (
	ProposalSubmitted = "submitted"
	ProposalAccepted  = "accepted"
	ProposalRejected  = "rejected"
)

// Types of incident.
var Types = []string{"espionage", "data-theft", "disruption", "destruction", "ransomware", "ddos", "hack-and-leak", "defacement", "influence", "other"}

// Sectors of a receiver. Critical infrastructure is named by its sector.
var Sectors = []string{"government", "military", "ci-energy", "ci-finance", "ci-health", "ci-telecommunications", "ci-transport",
	"ci-water", "ci-elections", "ci-other", "private", "civil-society", "international-organisation", "media"}

// AttributorKinds are who makes an attribution statement.
var AttributorKinds = []string{"state", "international-organisation", "company", "researchers", "media"}

// Bases are what an attribution rests on (EuRepoC's attribution basis).
var Bases = []string{"receiver-government", "other-government", "international-organisation", "industry", "contested", "media"}

// Answers are the named State's response to an attribution.
var Answers = []string{"denial", "denouncement", "confirmation", "silence"}

// ResponseKinds are the diplomatic, legal and economic measures.
var ResponseKinds = []string{"demarche", "expulsion", "sanctions", "indictment", "countermeasure"}

// EvidenceKinds are what an attributor published.
var EvidenceKinds = []string{"report", "indicators", "statement", "other"}

// Impact is the ordinal impact scale (documented in the codebook).
var Impact = []ImpactLevel{
	{0, "none-known", "No impact known beyond the intrusion itself."},
	{1, "minimal", "Nuisance: defacement, brief unavailability of a public website, or access without known loss."},
	{2, "low", "Limited data theft or disruption affecting a single organisation, restored within a day."},
	{3, "medium", "Significant theft of sensitive data, or disruption of services of several organisations or for days."},
	{4, "high", "Disruption of critical infrastructure or essential services, or losses of national significance."},
	{5, "very-high", "Physical destruction, harm to people, or disruption across a country or several countries."},
}

// ImpactLevel is one step of the scale.
type ImpactLevel struct {
	Level       int
	Code        string
	Description string
}

// Receiver is who was affected: a State and a sector.
type Receiver struct {
	State  string `json:"state" doc:"ISO 3166-1 alpha-3 code"`
	Sector string `json:"sector"`
}

// Initiator is a suspected initiator: a name (an ATT&CK group links by id)
// and the State it is linked to, if any.
type Initiator struct {
	Name    string `json:"name"`
	GroupID string `json:"group_id,omitempty" doc:"MITRE ATT&CK group id (G0007), when the name is a known group"`
	State   string `json:"state,omitempty" doc:"ISO 3166-1 alpha-3 code of the State the actor is linked to"`
}

// Source is a published source with its title and date.
type Source struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Date  string `json:"date,omitempty" doc:"YYYY-MM-DD"`
}

// Evidence is what an attributor published in support.
type Evidence struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Kind  string `json:"kind" doc:"report | indicators | statement | other"`
}

// Incident is one incident record.
type Incident struct {
	ID           string               `json:"id"`
	Status       string               `json:"status"`
	Name         string               `json:"name"`
	Summary      string               `json:"summary"`
	Start        string               `json:"start" doc:"YYYY, YYYY-MM or YYYY-MM-DD; the form is the precision"`
	End          string               `json:"end,omitempty"`
	Type         string               `json:"type"`
	Receivers    []Receiver           `json:"receivers"`
	Initiators   []Initiator          `json:"initiators"`
	Techniques   []string             `json:"techniques"`
	ZeroDay      bool                 `json:"zero_day"`
	Impact       int                  `json:"impact" doc:"0 none known … 5 very high (see the codebook)"`
	Sources      []Source             `json:"sources"`
	FieldChanged map[string]time.Time `json:"field_changed" doc:"when each field last changed"`
	// From the published attribution statements.
	AttributorStates []string   `json:"attributor_states"`
	NamedStates      []string   `json:"named_states"`
	Norms            []string   `json:"norms"`
	Origin           string     `json:"origin"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	PublishedAt      *time.Time `json:"published_at,omitempty"`
}

// StartPrecision is "day", "month" or "year".
func (in *Incident) StartPrecision() string { return precision(in.Start) }

// EndPrecision is the end date's precision, or "".
func (in *Incident) EndPrecision() string { return precision(in.End) }

// IncidentInput is what a curator or proposer writes.
type IncidentInput struct {
	Name       string      `json:"name"`
	Summary    string      `json:"summary"`
	Start      string      `json:"start" doc:"YYYY, YYYY-MM or YYYY-MM-DD"`
	End        string      `json:"end,omitempty"`
	Type       string      `json:"type"`
	Receivers  []Receiver  `json:"receivers"`
	Initiators []Initiator `json:"initiators,omitempty"`
	Techniques []string    `json:"techniques,omitempty"`
	ZeroDay    bool        `json:"zero_day,omitempty"`
	Impact     int         `json:"impact"`
	Sources    []Source    `json:"sources"`
}

// Attribution is one attribution statement.
type Attribution struct {
	ID              string     `json:"id"`
	IncidentID      string     `json:"incident_id"`
	IncidentName    string     `json:"incident_name,omitempty"`
	Status          string     `json:"status"`
	Date            string     `json:"date" doc:"YYYY-MM-DD"`
	DaysAfter       int        `json:"days_after_incident" doc:"days from the incident's start (its first day when the start is a month or a year) to the statement"`
	AttributorKind  string     `json:"attributor_kind"`
	AttributorState []string   `json:"attributor_states" doc:"the signatory States; several for a joint statement"`
	Signed          []string   `json:"signed_by" doc:"the signatories whose approver has signed"`
	AttributorName  string     `json:"attributor_name,omitempty"`
	Basis           string     `json:"basis"`
	NamedState      string     `json:"named_state,omitempty"`
	NamedActor      string     `json:"named_actor,omitempty"`
	Norms           []string   `json:"norms"`
	Topics          []string   `json:"law_topics" doc:"topics of international law of the positions module (ids) the statement invokes"`
	Law             []string   `json:"law" doc:"other rules of international law invoked, as free text"`
	Evidence        []Evidence `json:"evidence"`
	StatementURL    string     `json:"statement_url,omitempty"`
	Response        string     `json:"response,omitempty" doc:"the named State's answer: denial | denouncement | confirmation | silence"`
	ResponseDate    string     `json:"response_date,omitempty"`
	ResponseURL     string     `json:"response_url,omitempty"`
	AuthorID        string     `json:"-"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
}

// Joint reports whether several States signed the statement.
func (a *Attribution) Joint() bool { return len(a.AttributorState) > 1 }

// AttributionInput is what an attributor writes.
type AttributionInput struct {
	Date           string     `json:"date"`
	AttributorKind string     `json:"attributor_kind"`
	States         []string   `json:"attributor_states,omitempty"`
	AttributorName string     `json:"attributor_name,omitempty"`
	Basis          string     `json:"basis"`
	NamedState     string     `json:"named_state,omitempty"`
	NamedActor     string     `json:"named_actor,omitempty"`
	Norms          []string   `json:"norms,omitempty"`
	Topics         []string   `json:"law_topics,omitempty" doc:"ids of the positions module's topics of international law, e.g. sovereignty"`
	Law            []string   `json:"law,omitempty" doc:"other rules, free text"`
	Evidence       []Evidence `json:"evidence,omitempty"`
	StatementURL   string     `json:"statement_url,omitempty"`
}

// AnswerInput records the named State's response to a statement.
type AnswerInput struct {
	Response string `json:"response"`
	Date     string `json:"date,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Response is a diplomatic, legal or economic measure.
type Response struct {
	ID           string    `json:"id"`
	IncidentID   string    `json:"incident_id"`
	IncidentName string    `json:"incident_name,omitempty"`
	Kind         string    `json:"kind"`
	Date         string    `json:"date"`
	ByStates     []string  `json:"by_states"`
	ByName       string    `json:"by_name,omitempty"`
	AgainstState string    `json:"against_state,omitempty"`
	AgainstActor string    `json:"against_actor,omitempty"`
	Description  string    `json:"description"`
	Sources      []Source  `json:"sources"`
	CreatedAt    time.Time `json:"created_at"`
}

// ResponseInput is what records a response.
type ResponseInput struct {
	Kind         string   `json:"kind"`
	Date         string   `json:"date"`
	ByStates     []string `json:"by_states,omitempty"`
	ByName       string   `json:"by_name,omitempty"`
	AgainstState string   `json:"against_state,omitempty"`
	AgainstActor string   `json:"against_actor,omitempty"`
	Description  string   `json:"description"`
	Sources      []Source `json:"sources"`
}

// Proposal is a stakeholder organisation's proposed incident or correction.
type Proposal struct {
	ID           string        `json:"id"`
	IncidentID   string        `json:"incident_id,omitempty" doc:"the incident corrected; empty for a new incident"`
	IncidentName string        `json:"incident_name,omitempty"`
	OrgID        string        `json:"-"`
	OrgName      string        `json:"organisation"`
	ProposerID   string        `json:"-"`
	Status       string        `json:"status"`
	Input        IncidentInput `json:"incident"`
	Note         string        `json:"note,omitempty"`
	Reason       string        `json:"reason,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	DecidedAt    *time.Time    `json:"decided_at,omitempty"`
}

// ProposalInput is a proposal as sent.
type ProposalInput struct {
	IncidentID string        `json:"incident_id,omitempty"`
	Incident   IncidentInput `json:"incident"`
	Note       string        `json:"note,omitempty"`
}

// ReviewInput is the secretariat's decision on a proposal. With accept,
// Incident (when given) replaces the proposed text: an edit before
// accepting.
type ReviewInput struct {
	Decision string         `json:"decision" doc:"accept | reject"`
	Reason   string         `json:"reason,omitempty" doc:"required to reject"`
	Incident *IncidentInput `json:"incident,omitempty"`
}

// HistoryEntry is one change to a record.
type HistoryEntry struct {
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Action   string    `json:"action"`
	Who      string    `json:"who"`
	Fields   []string  `json:"fields"`
	At       time.Time `json:"at"`
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
	"name": "incidents.name", "summary": "incidents.summary", "start": "incidents.start", "end": "incidents.end", "type": "incidents.type",
	"impact": "incidents.impact", "initiators": "incidents.initiators", "receivers": "incidents.receivers", "techniques": "incidents.techniques",
	"sources": "incidents.sources", "attributor_name": "incidents.attributor_name", "attributor_states": "incidents.attributor_states",
	"named_state": "incidents.named_state", "date": "incidents.date", "evidence": "incidents.evidence", "law": "incidents.law_other",
	"against_state": "incidents.against_state", "by_states": "incidents.by_states", "response": "incidents.answer", "q": "incidents.words",
	"year": "incidents.year", "norm": "incidents.norm", "reason": "incidents.reason", "note": "incidents.note", "format": "incidents.format",
	"file": "incidents.file", "description": "incidents.description", "sector": "incidents.sector", "zero_day": "incidents.zero_day",
}

// LabelKey is the catalog key of the refused field's label, so that a page
// names the field as its form does ("Start", not "start"); "" for a field
// that is no input of a form. A field inside a list ("sources[0].url") is
// labelled as its list is, and Path gives its place.
func (e *FieldError) LabelKey() string { return fieldLabels[api.FieldBase(e.Field)] }

// Path is the refused field's place inside a list ("sources[0].url"), shown
// as code after its list's label; "" for a field of its own.
func (e *FieldError) Path() string { return api.FieldPath(e.Field) }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...), format: format, args: args}
}

var dateRE = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$`)

func precision(d string) string {
	switch len(d) {
	case 4:
		return "year"
	case 7:
		return "month"
	case 10:
		return "day"
	}
	return ""
}

// parseDate checks a date of any precision and returns its first day.
func parseDate(field, s string) (string, time.Time, error) {
	s = strings.TrimSpace(s)
	if !dateRE.MatchString(s) {
		return "", time.Time{}, invalid(field, "%q is not a date as YYYY, YYYY-MM or YYYY-MM-DD", s)
	}
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	t, err := time.Parse(layout, s)
	if err != nil || t.Year() < 1980 || t.Year() > 2100 {
		return "", time.Time{}, invalid(field, "%q is not a date from 1980 to 2100", s)
	}
	return s, t, nil
}

// lastDay is the last day a date of any precision covers.
func lastDay(t time.Time, prec string) time.Time {
	switch prec {
	case "year":
		return t.AddDate(1, 0, -1)
	case "month":
		return t.AddDate(0, 1, -1)
	}
	return t
}

func dayDate(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && !required {
		return "", nil
	}
	if _, err := time.Parse("2006-01-02", s); err != nil || len(s) != 10 {
		return "", invalid(field, "%q is not a date as YYYY-MM-DD", s)
	}
	return s, nil
}

// line checks single-line text: trimmed, UTF-8, no control characters,
// at most max characters; required when min is 1.
func line(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) < min {
		return "", invalid(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", invalid(field, "is at most %d characters", max)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", invalid(field, "must be one line of text without control characters")
	}
	return s, nil
}

// text checks multi-line text: line breaks and tabs allowed.
func text(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if utf8.RuneCountInString(s) < min {
		return "", invalid(field, "is required")
	}
	if utf8.RuneCountInString(s) > max {
		return "", invalid(field, "is at most %d characters", max)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		return "", invalid(field, "must be text without control characters")
	}
	return s, nil
}

func oneOf(field, v string, allowed []string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(allowed, v) {
		return "", invalid(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
	return v, nil
}

func stateCode(field, s string) (string, error) {
	code := strings.ToUpper(strings.TrimSpace(s))
	if _, ok := states.ByISO3(code); !ok {
		return "", invalid(field, "%q is not the ISO 3166-1 alpha-3 code of a State", s)
	}
	return code, nil
}

func httpURL(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 || strings.ContainsAny(s, " \t\n") {
		return "", invalid(field, "%q is not an http(s) URL", s)
	}
	return s, nil
}

func validSources(field string, in []Source, required bool) ([]Source, error) {
	if required && len(in) == 0 {
		return nil, invalid(field, "at least one source is required")
	}
	if len(in) > 30 {
		return nil, invalid(field, "at most 30")
	}
	out := []Source{}
	for i, s := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		var err error
		if s.URL, err = httpURL(f+".url", s.URL); err != nil {
			return nil, err
		}
		if s.Title, err = line(f+".title", s.Title, 1, 300); err != nil {
			return nil, err
		}
		if s.Date, err = dayDate(f+".date", s.Date, false); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// NormExists reports whether a framework norm id (gge2015-f) is known.
type NormExists func(id string) bool

// validate checks and normalises an incident input.
func (in IncidentInput) validate() (Incident, error) {
	var x Incident
	var err error
	if x.Name, err = line("name", in.Name, 1, 200); err != nil {
		return x, err
	}
	if x.Summary, err = text("summary", in.Summary, 1, 10000); err != nil {
		return x, err
	}
	var start time.Time
	if x.Start, start, err = parseDate("start", in.Start); err != nil {
		return x, err
	}
	if strings.TrimSpace(in.End) != "" {
		var end time.Time
		if x.End, end, err = parseDate("end", in.End); err != nil {
			return x, err
		}
		if lastDay(end, precision(x.End)).Before(start) {
			return x, invalid("end", "%s is before the start %s", x.End, x.Start)
		}
	}
	if x.Type, err = oneOf("type", in.Type, Types); err != nil {
		return x, err
	}
	if len(in.Receivers) == 0 || len(in.Receivers) > 50 {
		return x, invalid("receivers", "name from 1 to 50 receivers (a State and a sector)")
	}
	x.Receivers = []Receiver{}
	for i, r := range in.Receivers {
		f := fmt.Sprintf("receivers[%d]", i)
		if r.State, err = stateCode(f+".state", r.State); err != nil {
			return x, err
		}
		if r.Sector, err = oneOf(f+".sector", r.Sector, Sectors); err != nil {
			return x, err
		}
		if !slices.Contains(x.Receivers, r) {
			x.Receivers = append(x.Receivers, r)
		}
	}
	if len(in.Initiators) > 20 {
		return x, invalid("initiators", "at most 20")
	}
	x.Initiators = []Initiator{}
	for i, a := range in.Initiators {
		f := fmt.Sprintf("initiators[%d]", i)
		if a.Name, err = line(f+".name", a.Name, 0, 200); err != nil {
			return x, err
		}
		a.GroupID = strings.ToUpper(strings.TrimSpace(a.GroupID))
		if a.GroupID != "" {
			g, ok := actors.Lookup(a.GroupID)
			if !ok || g.ID != a.GroupID {
				return x, invalid(f+".group_id", "%q is not a MITRE ATT&CK group id (ATT&CK v%s)", a.GroupID, actors.Version())
			}
			if a.Name == "" {
				a.Name = g.Name
			}
		} else if g, ok := actors.Lookup(a.Name); ok {
			a.GroupID = g.ID // a known name or alias links to its group
		}
		if a.Name == "" {
			return x, invalid(f+".name", "is required")
		}
		if strings.TrimSpace(a.State) != "" {
			if a.State, err = stateCode(f+".state", a.State); err != nil {
				return x, err
			}
		}
		x.Initiators = append(x.Initiators, a)
	}
	if len(in.Techniques) > 50 {
		return x, invalid("techniques", "at most 50")
	}
	x.Techniques = []string{}
	for _, t := range in.Techniques {
		tech, ok := attack.Lookup(t)
		if !ok {
			return x, invalid("techniques", "%q is not an ATT&CK Enterprise technique (v%s)", t, attack.Version())
		}
		if !slices.Contains(x.Techniques, tech.ID) {
			x.Techniques = append(x.Techniques, tech.ID)
		}
	}
	x.ZeroDay = in.ZeroDay
	if in.Impact < 0 || in.Impact > 5 {
		return x, invalid("impact", "must be from 0 to 5 on the impact scale")
	}
	x.Impact = in.Impact
	if x.Sources, err = validSources("sources", in.Sources, true); err != nil {
		return x, err
	}
	return x, nil
}

// input turns an incident back into the input that makes it.
func (in *Incident) input() IncidentInput {
	return IncidentInput{Name: in.Name, Summary: in.Summary, Start: in.Start, End: in.End, Type: in.Type, Receivers: in.Receivers,
		Initiators: in.Initiators, Techniques: in.Techniques, ZeroDay: in.ZeroDay, Impact: in.Impact, Sources: in.Sources}
}

// LawTopic is a topic of international law (from the positions module).
type LawTopic struct{ ID, Title string }

// TopicReader lists the topics of international law; the app wires it to
// the positions module's topics. Nil means none are known.
type TopicReader func(ctx context.Context) ([]LawTopic, error)

// NormRef is a norm of the framework as the pages name it: its id, its
// usual citation ("(a)", or none for a proposed norm), its short title in
// the reader's language when it has one, and the language of that title.
type NormRef struct{ ID, Label, Title, Lang string }

// NormReader lists the framework's norms with their titles in lang; the
// app wires it to the framework's store. Nil means the pages show ids.
type NormReader func(ctx context.Context, lang string) ([]NormRef, error)

func (in AttributionInput) validate(normKnown NormExists, topics []LawTopic) (Attribution, error) {
	var a Attribution
	var err error
	if a.Date, err = dayDate("date", in.Date, true); err != nil {
		return a, err
	}
	if a.AttributorKind, err = oneOf("attributor_kind", in.AttributorKind, AttributorKinds); err != nil {
		return a, err
	}
	a.AttributorState = []string{}
	for i, s := range in.States {
		code, err := stateCode(fmt.Sprintf("attributor_states[%d]", i), s)
		if err != nil {
			return a, err
		}
		if !slices.Contains(a.AttributorState, code) {
			a.AttributorState = append(a.AttributorState, code)
		}
	}
	if a.AttributorName, err = line("attributor_name", in.AttributorName, 0, 200); err != nil {
		return a, err
	}
	switch {
	case a.AttributorKind == "state" && len(a.AttributorState) == 0:
		return a, invalid("attributor_states", "a State statement names at least one State (several for a joint statement)")
	case a.AttributorKind != "state" && len(a.AttributorState) > 0:
		return a, invalid("attributor_states", "only a State statement has signatory States")
	case a.AttributorKind != "state" && a.AttributorName == "":
		return a, invalid("attributor_name", "is required: the organisation, company, researchers or outlet")
	}
	if a.Basis, err = oneOf("basis", in.Basis, Bases); err != nil {
		return a, err
	}
	if strings.TrimSpace(in.NamedState) != "" {
		if a.NamedState, err = stateCode("named_state", in.NamedState); err != nil {
			return a, err
		}
	}
	if a.NamedActor, err = line("named_actor", in.NamedActor, 0, 200); err != nil {
		return a, err
	}
	if g, ok := actors.Lookup(a.NamedActor); ok && a.NamedActor != "" {
		a.NamedActor = g.ID
	}
	if a.NamedState == "" && a.NamedActor == "" {
		return a, invalid("named_state", "a statement names a State, an actor, or both")
	}
	a.Norms = []string{}
	for _, n := range in.Norms {
		n = strings.ToLower(strings.TrimSpace(n))
		if !normKnown(n) {
			return a, invalid("norms", "%q is not a norm of the framework (e.g. gge2015-f)", n)
		}
		if !slices.Contains(a.Norms, n) {
			a.Norms = append(a.Norms, n)
		}
	}
	a.Topics = []string{}
	for _, t := range in.Topics {
		t = strings.ToLower(strings.TrimSpace(t))
		if !slices.ContainsFunc(topics, func(lt LawTopic) bool { return lt.ID == t }) {
			return a, invalid("law_topics", "%q is not a topic of international law of the positions module", t)
		}
		if !slices.Contains(a.Topics, t) {
			a.Topics = append(a.Topics, t)
		}
	}
	a.Law = []string{}
	if len(in.Law) > 20 {
		return a, invalid("law", "at most 20")
	}
	for i, l := range in.Law {
		v, err := line(fmt.Sprintf("law[%d]", i), l, 1, 300)
		if err != nil {
			return a, err
		}
		a.Law = append(a.Law, v)
	}
	a.Evidence = []Evidence{}
	if len(in.Evidence) > 30 {
		return a, invalid("evidence", "at most 30")
	}
	for i, e := range in.Evidence {
		f := fmt.Sprintf("evidence[%d]", i)
		if e.URL, err = httpURL(f+".url", e.URL); err != nil {
			return a, err
		}
		if e.Title, err = line(f+".title", e.Title, 1, 300); err != nil {
			return a, err
		}
		if strings.TrimSpace(e.Kind) == "" {
			e.Kind = "report"
		}
		if e.Kind, err = oneOf(f+".kind", e.Kind, EvidenceKinds); err != nil {
			return a, err
		}
		a.Evidence = append(a.Evidence, e)
	}
	if strings.TrimSpace(in.StatementURL) != "" {
		if a.StatementURL, err = httpURL("statement_url", in.StatementURL); err != nil {
			return a, err
		}
	}
	return a, nil
}

func (in ResponseInput) validate() (Response, error) {
	var r Response
	var err error
	if r.Kind, err = oneOf("kind", in.Kind, ResponseKinds); err != nil {
		return r, err
	}
	if r.Date, err = dayDate("date", in.Date, true); err != nil {
		return r, err
	}
	r.ByStates = []string{}
	for i, s := range in.ByStates {
		code, err := stateCode(fmt.Sprintf("by_states[%d]", i), s)
		if err != nil {
			return r, err
		}
		if !slices.Contains(r.ByStates, code) {
			r.ByStates = append(r.ByStates, code)
		}
	}
	if r.ByName, err = line("by_name", in.ByName, 0, 200); err != nil {
		return r, err
	}
	if len(r.ByStates) == 0 && r.ByName == "" {
		return r, invalid("by_states", "name the States (or the organisation, in by_name) that took the measure")
	}
	if strings.TrimSpace(in.AgainstState) != "" {
		if r.AgainstState, err = stateCode("against_state", in.AgainstState); err != nil {
			return r, err
		}
	}
	if r.AgainstActor, err = line("against_actor", in.AgainstActor, 0, 200); err != nil {
		return r, err
	}
	if r.AgainstState == "" && r.AgainstActor == "" {
		return r, invalid("against_state", "name the State or the actor the measure is against")
	}
	if r.Description, err = text("description", in.Description, 1, 4000); err != nil {
		return r, err
	}
	if r.Sources, err = validSources("sources", in.Sources, true); err != nil {
		return r, err
	}
	return r, nil
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

// ParseList splits form text on commas and line breaks, trimming blanks.
func ParseList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// daysBetween counts whole days from the first day of start to day.
func daysBetween(start, day string) int {
	_, s, err := parseDate("", start)
	if err != nil {
		return 0
	}
	d, err := time.Parse("2006-01-02", day)
	if err != nil {
		return 0
	}
	return int(d.Sub(s).Hours() / 24)
}

func yearOf(date string) int {
	y, _ := strconv.Atoi(date[:min(4, len(date))])
	return y
}
