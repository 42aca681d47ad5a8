// Package reporting is the national implementation reports module:
// reporting cycles opened by the secretariat, one report per State per
// cycle drafted by the State's editors and submitted by its approver as
// immutable numbered versions, public or confidential, with measures per
// norm, per-norm challenges and capacity gaps, and the State's position on
// international law. See docs/modules/reporting.md.
//
// Other modules read published data straight from the tables of migration
// 0200_reporting.sql: rows with published = TRUE in report_measures,
// report_measure_norms, report_norm_notes and report_versions belong to the
// current submitted version of a public report; report_stats holds counts
// per State × cycle × norm × type × status, maintained on submission.
package reporting

import "time"

// Report statuses.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
)

// Visibilities chosen at submission.
const (
	Public       = "public"
	Confidential = "confidential"
)

// MeasureTypes are the kinds of measure, in display order.
var MeasureTypes = []string{"legislation", "strategy", "policy", "institution", "practice", "cbm", "capacity_building", "other"}

// MeasureStatuses are the implementation statuses, in display order.
var MeasureStatuses = []string{"planned", "in_progress", "implemented"}

// Cycle is a reporting period opened by the secretariat. Its dates are
// days in UTC, as the secretariat entered them (OpensOn, DueOn, ClosesOn);
// the instants say when each takes effect: the cycle opens at the start of
// its opening day, and is due and closes at the end of those days (DueAt
// and ClosesAt are the first instant of the following day, exclusive).
// Pages show the days, never the instants.
type Cycle struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Year      int       `json:"year"`
	OpensOn   string    `json:"opens_on"`
	DueOn     string    `json:"due_on"`
	ClosesOn  string    `json:"closes_on"`
	OpensAt   time.Time `json:"opens_at"`
	DueAt     time.Time `json:"due_at"`
	ClosesAt  time.Time `json:"closes_at"`
	Notes     string    `json:"notes"`
	CreatedAt time.Time `json:"created_at"`
}

// withDays fills the days from the instants.
func (c Cycle) withDays() Cycle {
	const day = "2006-01-02"
	c.OpensOn = c.OpensAt.UTC().Format(day)
	c.DueOn = c.DueAt.UTC().Add(-24 * time.Hour).Format(day)
	c.ClosesOn = c.ClosesAt.UTC().Add(-24 * time.Hour).Format(day)
	return c
}

// Phase says where now falls in the cycle: "upcoming", "open", "overdue"
// (after the due date, still accepting) or "closed".
func (c Cycle) Phase(now time.Time) string {
	switch {
	case now.Before(c.OpensAt):
		return "upcoming"
	case now.Before(c.DueAt):
		return "open"
	case now.Before(c.ClosesAt):
		return "overdue"
	default:
		return "closed"
	}
}

// Link is an evidence or reference link.
type Link struct {
	URL   string `json:"url"`
	Label string `json:"label,omitempty"`
}

// Measure is one thing a State has done or plans to do under a norm.
type Measure struct {
	ID          string   `json:"id"`
	Key         string   `json:"key"`
	NormID      string   `json:"norm_id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Type        string   `json:"type"`
	Status      string   `json:"status"`
	Date        string   `json:"date"`
	Links       []Link   `json:"links"`
	OtherNorms  []string `json:"other_norms"`
}

// NormNotes are the challenges and capacity gaps a State records per norm.
type NormNotes struct {
	NormID       string `json:"norm_id"`
	Challenges   string `json:"challenges"`
	CapacityGaps string `json:"capacity_gaps" text:"multiline"`
}

// Content is what a State writes: the body of a draft or of a version.
type Content struct {
	Measures    []Measure   `json:"measures"`
	Notes       []NormNotes `json:"notes"`
	ILawSummary string      `json:"international_law_summary"`
	ILawLinks   []Link      `json:"international_law_links"`
}

// Report is a State's report in one cycle.
type Report struct {
	ID               string     `json:"id"`
	StateISO3        string     `json:"state"`
	CycleID          string     `json:"cycle_id"`
	CycleName        string     `json:"cycle_name"`
	CycleYear        int        `json:"cycle_year"`
	Status           string     `json:"status"`
	Revision         int        `json:"revision"`
	CurrentVersion   int        `json:"current_version"`
	Visibility       string     `json:"visibility,omitempty"`
	Late             bool       `json:"late"`
	FirstSubmittedAt *time.Time `json:"first_submitted_at,omitempty"`
	StartedFrom      string     `json:"started_from,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	UpdatedByName    string     `json:"updated_by_name,omitempty"`
	// Handoff is where the draft stands between the State's editors and
	// approvers: "" (being edited), "awaiting_approval" or "returned";
	// HandoffAt and HandoffByName say when and by whom. Only the State's
	// own users and the secretariat see them.
	Handoff       string     `json:"handoff,omitempty"`
	HandoffAt     *time.Time `json:"handoff_at,omitempty"`
	HandoffByName string     `json:"handoff_by_name,omitempty"`
}

// Hand-off states of a draft (Report.Handoff).
const (
	HandoffNone     = ""
	HandoffAwaiting = "awaiting_approval"
	HandoffReturned = "returned"
)

// Version is one submitted, immutable version of a report.
type Version struct {
	ReportID        string    `json:"report_id"`
	Version         int       `json:"version"`
	StateISO3       string    `json:"state"`
	CycleID         string    `json:"cycle_id"`
	CycleYear       int       `json:"cycle_year"`
	Visibility      string    `json:"visibility"`
	Late            bool      `json:"late"`
	Published       bool      `json:"published"`
	Note            string    `json:"note,omitempty"`
	SubmittedAt     time.Time `json:"submitted_at"`
	SubmittedByName string    `json:"submitted_by_name,omitempty"`
}

// HandoffTime is when the draft was last handed over (zero if never).
func (r Report) HandoffTime() time.Time {
	if r.HandoffAt == nil {
		return time.Time{}
	}
	return *r.HandoffAt
}
