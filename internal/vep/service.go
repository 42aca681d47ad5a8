// Package vep is vulnerability equities transparency (issue 18): each
// State's published Vulnerabilities Equities Process scored against the
// recommendations of the seed on norm (j), the State's private register
// of government-held vulnerabilities (sealed at rest, visible only to the
// State's users its approver has given the VEP permission), reviews of
// retained vulnerabilities with reminders, and the public annual
// transparency reports of aggregate figures. docs/modules/vep.md
// describes the model and the key handling.
package vep

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Service holds the rules. HTML and JSON handlers call the same methods.
type Service struct {
	Svc *platform.Services
	DB  *db.DB
	// Now is the clock; tests replace it to move through review periods.
	Now func() time.Time
}

// NewService returns the service over the platform's services.
func NewService(ps *platform.Services) *Service {
	return &Service{Svc: ps, DB: ps.DB, Now: func() time.Time { return time.Now() }}
}

// Errors the handlers map to statuses.
var (
	// ErrNotFound: no such thing, or not one the caller may know of.
	ErrNotFound = errors.New("not found")
	// ErrForbidden: the caller may see it but not do this.
	ErrForbidden = errors.New("forbidden")
)

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// conflict is a 409 naming the field: well-formed, refused by the state of
// things. The reason is a constant, so that pages say it in the reader's
// language under "reason:" + reason (api.Error's MessageKey).
func conflict(field, reason string) error {
	return &api.Error{Status: 409, Code: "refused", Field: field, Message: reason, Format: reason}
}

// line checks a single-line text field: valid UTF-8, no control
// characters, at most max characters.
func line(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return api.Invalid(field, "must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return api.Invalid(field, "must be a single line without control characters")
		}
	}
	if utf8.RuneCountInString(s) > max {
		return api.Invalidf(field, "must be at most %d characters", max)
	}
	return nil
}

// text checks a multi-line text field: like line, but new lines and tabs
// are allowed.
func text(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return api.Invalid(field, "must be valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return api.Invalid(field, "must not contain control characters")
		}
	}
	if utf8.RuneCountInString(s) > max {
		return api.Invalidf(field, "must be at most %d characters", max)
	}
	return nil
}

// parseDate parses YYYY-MM-DD as a UTC day.
func parseDate(s string) (time.Time, error) {
	return time.Parse("2006-01-02", strings.TrimSpace(s))
}

func itoa(n int) string { return strconv.Itoa(n) }
