// Package capacity is capacity building: needs that States state, offers of
// help from States and organisations, the matching between them with the
// reasons for each proposal, projects that grow from an accepted match,
// the gap view per norm and region, and events (workshops, briefings) with
// registration and iCalendar feeds. See docs/modules/capacity.md.
package capacity

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Errors the services return besides *api.Error (bad input, refusals).
var (
	ErrNotFound  = errors.New("not found")
	ErrForbidden = errors.New("forbidden")
)

// Need statuses.
const (
	NeedDraft     = "draft"
	NeedPublished = "published"
	NeedClosed    = "closed"
)

// Visibility of a need: who may see it once published. Its own State's staff
// always see it.
const (
	VisPublic      = "public"      // everyone
	VisMembers     = "members"     // signed-in States, the secretariat and organisations with an offer
	VisSecretariat = "secretariat" // the secretariat only
)

// Visibilities lists the visibility values.
var Visibilities = []string{VisPublic, VisMembers, VisSecretariat}

// KindsOfHelp are the kinds of help a need asks for and an offer gives.
var KindsOfHelp = []string{"training", "technical-assistance", "policy-advice", "legal-advice", "equipment", "exercise", "mentoring"}

// Topics are the subjects of capacity building, beside the norms.
var Topics = []string{"incident-response", "critical-infrastructure", "cybercrime", "national-strategy", "legislation", "international-law",
	"diplomacy", "cbm", "supply-chain", "vulnerability-disclosure", "awareness", "workforce"}

// Languages are the languages help can be given in (ISO 639-1).
var Languages = []string{"ar", "en", "es", "fr", "ru", "zh", "pt", "sw"}

// Regions are the UN regional groups and "global".
var Regions = []string{"global", string(states.GroupAfrican), string(states.GroupAsiaPacific), string(states.GroupEastern), string(states.GroupLatin), string(states.GroupWEOG)}

// Sizes are the optional size bands of a need.
var Sizes = []string{"small", "medium", "large"}

// CostBases are how an offer is paid for.
var CostBases = []string{"free", "co-funded", "at-cost"}

// Pillars are the framework's pillars a need may concern.
var Pillars = []string{"international-law", "norms", "cbm", "capacity-building"}

// Need is what a State asks help for.
type Need struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	StateName   string     `json:"state_name"`
	Region      string     `json:"region"`
	Status      string     `json:"status"`
	Visibility  string     `json:"visibility"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Norms       []string   `json:"norms"`
	Pillars     []string   `json:"pillars"`
	Topics      []string   `json:"topics"`
	Kinds       []string   `json:"kinds"`
	Languages   []string   `json:"languages"`
	StartsOn    string     `json:"starts_on,omitempty"`
	EndsOn      string     `json:"ends_on,omitempty"`
	Size        string     `json:"size,omitempty"`
	ReportID    string     `json:"report_id,omitempty"`
	ReportNorm  string     `json:"report_norm,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// NeedInput is what a State's editor writes.
type NeedInput struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Visibility  string   `json:"visibility"`
	Norms       []string `json:"norms"`
	Pillars     []string `json:"pillars"`
	Topics      []string `json:"topics"`
	Kinds       []string `json:"kinds"`
	Languages   []string `json:"languages"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on"`
	Size        string   `json:"size"`
	ReportID    string   `json:"report_id,omitempty"`
	ReportNorm  string   `json:"report_norm,omitempty"`
}

// Offer is help a State or an organisation gives.
type Offer struct {
	ID           string     `json:"id"`
	ProviderKind string     `json:"provider_kind"`
	State        string     `json:"state,omitempty"`
	OrgID        string     `json:"-"`
	Provider     string     `json:"provider"`
	Status       string     `json:"status"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	Norms        []string   `json:"norms"`
	Topics       []string   `json:"topics"`
	Kinds        []string   `json:"kinds"`
	Languages    []string   `json:"languages"`
	Regions      []string   `json:"regions"`
	StartsOn     string     `json:"starts_on,omitempty"`
	EndsOn       string     `json:"ends_on,omitempty"`
	Capacity     int        `json:"capacity"`
	Engaged      int        `json:"engaged"`
	Cost         string     `json:"cost"`
	Contact      string     `json:"contact"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	PublishedAt  *time.Time `json:"published_at,omitempty"`
}

// Free is how many more engagements the offer can take on.
func (o Offer) Free() int { return max(o.Capacity-o.Engaged, 0) }

// OfferInput is what an offerer writes.
type OfferInput struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Norms       []string `json:"norms"`
	Topics      []string `json:"topics"`
	Kinds       []string `json:"kinds"`
	Languages   []string `json:"languages"`
	Regions     []string `json:"regions"`
	StartsOn    string   `json:"starts_on"`
	EndsOn      string   `json:"ends_on"`
	Capacity    int      `json:"capacity"`
	Cost        string   `json:"cost"`
	Contact     string   `json:"contact"`
	Publish     bool     `json:"publish"`
}

// Offer statuses.
const (
	OfferDraft     = "draft"
	OfferPublished = "published"
	OfferWithdrawn = "withdrawn"
)

// invalid is a 422 naming the field.
func invalid(field, format string, args ...any) *api.Error {
	return api.Invalidf(field, format, args...)
}

// conflict is a 409: the request is well formed but the state of things
// refuses it.
func conflict(format string, args ...any) *api.Error {
	return &api.Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// checkLine validates a single-line text: valid UTF-8, no control
// characters, at most max characters; required when min > 0.
func checkLine(field, s string, min, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	if err := checkChars(field, s, false); err != nil {
		return s, err
	}
	if n := utf8.RuneCountInString(s); n < min || n > maxLen {
		if min > 0 && n == 0 {
			return s, invalid(field, "is required")
		}
		return s, invalid(field, "must be %d to %d characters", min, maxLen)
	}
	return s, nil
}

// checkText validates a multi-line text (line breaks and tabs allowed).
func checkText(field, s string, min, maxLen int) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if err := checkChars(field, s, true); err != nil {
		return s, err
	}
	if n := utf8.RuneCountInString(s); n < min || n > maxLen {
		if min > 0 && n == 0 {
			return s, invalid(field, "is required")
		}
		return s, invalid(field, "must be %d to %d characters", min, maxLen)
	}
	return s, nil
}

// checkChars applies the platform's one text validation (api.Problem): the
// services check again what the edge checked, for callers that do not come
// through it (the demo, the command line).
func checkChars(field, s string, multiline bool) error {
	if why := api.Problem(s, multiline, api.MaxMultiline); why != "" {
		return api.Invalid(field, why)
	}
	return nil
}

// fromList checks every value is one of allowed, dropping duplicates.
func fromList(field string, in, allowed []string) ([]string, error) {
	out := []string{}
	for _, v := range in {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		if !slices.Contains(allowed, v) {
			return nil, invalid(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// checkDate validates an optional YYYY-MM-DD date.
func checkDate(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !dateRE.MatchString(s) {
		return s, invalid(field, "must be a date YYYY-MM-DD")
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return s, invalid(field, "is not a real date")
	}
	return s, nil
}

// checkPeriod validates a period whose end is not before its start.
func checkPeriod(startField, start, endField, end string) (string, string, error) {
	s, err := checkDate(startField, start)
	if err != nil {
		return s, end, err
	}
	e, err := checkDate(endField, end)
	if err != nil {
		return s, e, err
	}
	if s != "" && e != "" && e < s {
		return s, e, invalid(endField, "must not be before %s", startField)
	}
	return s, e, nil
}

// joinList stores a list as " a b c " (see the migration).
func joinList(list []string) string {
	if len(list) == 0 {
		return " "
	}
	return " " + strings.Join(list, " ") + " "
}

// splitList reads a stored list.
func splitList(s string) []string {
	f := strings.Fields(s)
	if f == nil {
		return []string{}
	}
	return f
}

// ParseList splits a form's comma or line separated text, and multiple
// values of one field, into one list.
func ParseList(vs []string) []string {
	var out []string
	for _, s := range vs {
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// regionOf is the UN regional group of a State.
func regionOf(iso3 string) string {
	if s, ok := states.ByISO3(iso3); ok {
		return string(s.Group)
	}
	return ""
}

// stateName is a State's name in lang.
func stateName(iso3, lang string) string {
	if s, ok := states.ByISO3(iso3); ok {
		return s.Name(lang)
	}
	return iso3
}
