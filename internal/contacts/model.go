// Package contacts keeps the States' points of contact under norm (h): a
// directory whose details only State users and the secretariat see,
// communication-check rounds ("pings") with published results, and
// requests for assistance between two States with sealed content.
// docs/modules/contacts.md describes the model.
package contacts

import (
	"errors"
	"net/mail"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // IANA time zones are validated on any machine

	"github.com/cybernorms/cybernorms/internal/platform/api"
)

// Kinds of contact.
const (
	KindDiplomatic = "diplomatic"
	KindTechnical  = "technical"
)

// Kinds lists the kinds of contact in display order.
var Kinds = []string{KindDiplomatic, KindTechnical}

// Entry statuses.
const (
	StatusDraft     = "draft"
	StatusActive    = "active"
	StatusReplaced  = "replaced"
	StatusRetired   = "retired"
	StatusDiscarded = "discarded"
)

// Errors the handlers map to statuses.
var (
	// ErrNotFound: no such thing, or not one the caller may know of.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller may see it but not do this.
	ErrForbidden = errors.New("forbidden")
)

func invalid(field, reason string) error { return api.Invalid(field, reason) }

// conflict is a 409: well-formed, but the state of things refuses it.
func conflict(field, reason string) error {
	return &api.Error{Status: 409, Code: "refused", Field: field, Message: reason}
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Contact is one version of a point of contact. Details are for State
// users and the secretariat only; the public sees Coverage.
type Contact struct {
	ID           string     `json:"id"`
	StateISO3    string     `json:"state"`
	Kind         string     `json:"kind"`
	Status       string     `json:"status"`
	Replaces     string     `json:"replaces,omitempty"`
	Name         string     `json:"name"`
	Function     string     `json:"function"`
	Organisation string     `json:"organisation"`
	Email        string     `json:"email"`
	Phone        string     `json:"phone"`
	Languages    []string   `json:"languages"`
	Hours        string     `json:"working_hours"`
	TimeZone     string     `json:"time_zone"`
	SecureNotes  string     `json:"secure_channel_notes"`
	DraftedAt    time.Time  `json:"drafted_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
}

// ContactInput drafts a contact, or a change to one (Replaces).
type ContactInput struct {
	Kind         string   `json:"kind" doc:"diplomatic or technical"`
	Replaces     string   `json:"replaces,omitempty" doc:"the id of the active contact this draft replaces"`
	Name         string   `json:"name"`
	Function     string   `json:"function,omitempty"`
	Organisation string   `json:"organisation,omitempty"`
	Email        string   `json:"email"`
	Phone        string   `json:"phone,omitempty" doc:"E.164, e.g. +33123456789"`
	Languages    []string `json:"languages,omitempty" doc:"ISO 639-1 codes, e.g. [\"fr\",\"en\"]"`
	Hours        string   `json:"working_hours,omitempty" doc:"e.g. Mon-Fri 09:00-18:00"`
	TimeZone     string   `json:"time_zone" doc:"IANA time zone, e.g. Europe/Paris"`
	SecureNotes  string   `json:"secure_channel_notes,omitempty"`
}

var (
	e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	langRE = regexp.MustCompile(`^[a-z]{2,3}$`)
)

// singleLine checks a single-line field with the platform's text rules
// (api.Line: valid UTF-8, no control, line-separator or bidi-override
// characters, NFC), trimmed, at most max characters, and required or not.
func singleLine(field, v string, max int, required bool) (string, error) {
	v, err := api.Line(field, strings.TrimSpace(v), max)
	if err != nil {
		return v, err
	}
	if required && v == "" {
		return v, invalid(field, "is required")
	}
	return v, nil
}

// multiLine is singleLine for text of several lines (api.Multiline).
func multiLine(field, v string, max int, required bool) (string, error) {
	v, err := api.Multiline(field, strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")), max)
	if err != nil {
		return v, err
	}
	if required && v == "" {
		return v, invalid(field, "is required")
	}
	return v, nil
}

// ValidEmail reports whether s is a bare e-mail address with a dotted domain.
func ValidEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// validate checks and normalises the input.
func (in *ContactInput) validate() error {
	var err error
	if in.Kind != KindDiplomatic && in.Kind != KindTechnical {
		return invalid("kind", "must be diplomatic or technical")
	}
	if in.Name, err = singleLine("name", in.Name, 200, true); err != nil {
		return err
	}
	if in.Function, err = singleLine("function", in.Function, 200, false); err != nil {
		return err
	}
	if in.Organisation, err = singleLine("organisation", in.Organisation, 200, false); err != nil {
		return err
	}
	if in.Email, err = singleLine("email", in.Email, 254, true); err != nil {
		return err
	}
	in.Email = strings.ToLower(in.Email)
	if !ValidEmail(in.Email) {
		return invalid("email", "must be an e-mail address such as name@ministry.example")
	}
	if in.Phone, err = singleLine("phone", strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(in.Phone), 16, false); err != nil {
		return err
	}
	if in.Phone != "" && !e164RE.MatchString(in.Phone) {
		return invalid("phone", "must be in E.164 form: + and the country code, then 6 to 14 digits (e.g. +33123456789)")
	}
	if len(in.Languages) > 10 {
		return invalid("languages", "at most 10 languages")
	}
	seen := map[string]bool{}
	langs := []string{}
	for _, l := range in.Languages {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" || seen[l] {
			continue
		}
		if !langRE.MatchString(l) {
			return invalid("languages", "must be ISO 639 language codes such as en, fr, ar")
		}
		seen[l] = true
		langs = append(langs, l)
	}
	in.Languages = langs
	if in.Hours, err = singleLine("working_hours", in.Hours, 200, false); err != nil {
		return err
	}
	if in.TimeZone, err = singleLine("time_zone", in.TimeZone, 64, true); err != nil {
		return err
	}
	if _, lerr := time.LoadLocation(in.TimeZone); lerr != nil || in.TimeZone == "Local" || strings.Contains(in.TimeZone, "..") {
		return invalid("time_zone", "must be an IANA time zone such as Europe/Paris or Africa/Nairobi")
	}
	if in.SecureNotes, err = multiLine("secure_channel_notes", in.SecureNotes, 2000, false); err != nil {
		return err
	}
	return nil
}

// SplitLanguages reads a comma- or space-separated list of language codes.
func SplitLanguages(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
}
