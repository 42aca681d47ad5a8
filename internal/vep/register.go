package vep

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// The register's choices.
var (
	// FoundHow is how a vulnerability came to the government.
	FoundHow = []string{"internal_research", "partner", "purchase"}
	// Decisions are what the process decided.
	Decisions = []string{"disclose", "retain", "mitigations_only", "inform_partners"}
	// Justified are the criteria every decision is justified against: the
	// seed's four and the impact on the ecosystem.
	Justified = []string{"national_security", "threat_impact", "international_partners", "commercial", "ecosystem"}
)

// DueSoonDays is how long before its due date a review is shown as due
// and first reminded.
const DueSoonDays = 30

var cveRE = regexp.MustCompile(`^CVE-(19|20)\d{2}-\d{4,7}$`)

// EntryInput is what a permitted user records or changes in an entry.
type EntryInput struct {
	Product    string `json:"product"`
	Vendor     string `json:"vendor"`
	CVE        string `json:"cve,omitempty" doc:"CVE-YYYY-NNNN… if assigned"`
	CVSSVector string `json:"cvss_vector,omitempty" doc:"a CVSS 3.1 or 4.0 vector"`
	FoundHow   string `json:"found_how" doc:"internal_research, partner or purchase"`
	FoundOn    string `json:"found_on" doc:"YYYY-MM-DD"`
	Decision   string `json:"decision" doc:"disclose, retain, mitigations_only or inform_partners"`
	// Justification gives the reasons against each criterion, all required.
	Justification    map[string]string `json:"justification" text:"multiline,max=4000" doc:"reasons against each of national_security, threat_impact, international_partners, commercial, ecosystem"`
	DecidedOn        string            `json:"decided_on" doc:"YYYY-MM-DD"`
	VendorNotifiedOn string            `json:"vendor_notified_on,omitempty" doc:"YYYY-MM-DD"`
	PatchedOn        string            `json:"patched_on,omitempty" doc:"YYYY-MM-DD"`
}

// ReviewInput is a review of an entry: the decision recorded again with
// its reasons.
type ReviewInput struct {
	ReviewedOn    string            `json:"reviewed_on" doc:"YYYY-MM-DD"`
	Decision      string            `json:"decision" doc:"disclose, retain, mitigations_only or inform_partners"`
	Justification map[string]string `json:"justification" text:"multiline,max=4000" doc:"reasons against each criterion, all required"`
}

// Review is a recorded review.
type Review struct {
	ReviewInput
	// DueOn is the date the review was due; OnTime whether it was done by then.
	DueOn      string    `json:"due_on"`
	OnTime     bool      `json:"on_time"`
	ReviewedBy string    `json:"reviewed_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Entry is a register entry as its State's permitted users see it. All of
// it is sealed at rest; the computed fields are derived on reading.
type Entry struct {
	ID string `json:"id"`
	EntryInput
	CVSS       *CVSS     `json:"cvss,omitempty"`
	Reviews    []Review  `json:"reviews"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Current is the decision in force: the last review's, or the first.
	Current string `json:"current_decision"`
	// CurrentSince is the date of the decision in force.
	CurrentSince string `json:"current_since"`
	// NextReviewOn is when a retained entry is next due for review.
	NextReviewOn string `json:"next_review_on,omitempty"`
	// ReviewStatus of a retained entry: ok, due (within 30 days) or overdue.
	ReviewStatus string `json:"review_status,omitempty" doc:"ok, due or overdue (retained entries)"`
}

// sealedEntry is what is sealed: everything but the id, which is the row's key.
type sealedEntry struct {
	In         EntryInput `json:"in"`
	Reviews    []Review   `json:"reviews"`
	RecordedBy string     `json:"recorded_by"`
	RecordedAt time.Time  `json:"recorded_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

func scope(iso3 string) string       { return "vep:" + iso3 }
func entryAAD(entryID string) []byte { return []byte("vep_entries:" + entryID + ":sealed") }

// validDate checks an optional date field that must not be in the future.
func validDate(field, v string, today time.Time, required bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		if required {
			return time.Time{}, api.Invalid(field, "is required (YYYY-MM-DD)")
		}
		return time.Time{}, nil
	}
	d, err := parseDate(v)
	if err != nil {
		return d, api.Invalid(field, "must be a date as YYYY-MM-DD")
	}
	if d.After(today) {
		return d, api.Invalid(field, "must not be in the future")
	}
	if d.Year() < 1990 {
		return d, api.Invalid(field, "must be after 1990")
	}
	return d, nil
}

func validJustification(j map[string]string) error {
	for k := range j {
		if !slices.Contains(Justified, k) {
			return api.Invalidf("justification", "has no criterion %s; use %s", k, strings.Join(Justified, ", "))
		}
	}
	for _, k := range Justified {
		v := strings.TrimSpace(j[k])
		if v == "" {
			return api.Invalid("justification."+k, "is required: justify the decision against every criterion")
		}
		if err := text("justification."+k, v, 4000); err != nil {
			return err
		}
		j[k] = v
	}
	return nil
}

// validate checks an entry and returns its parsed CVSS vector (nil if none).
func (in *EntryInput) validate(today time.Time) (*CVSS, error) {
	in.Product, in.Vendor, in.CVE = strings.TrimSpace(in.Product), strings.TrimSpace(in.Vendor), strings.ToUpper(strings.TrimSpace(in.CVE))
	for _, f := range []struct{ name, v string }{{"product", in.Product}, {"vendor", in.Vendor}} {
		if f.v == "" {
			return nil, api.Invalid(f.name, "is required")
		}
		if err := line(f.name, f.v, 200); err != nil {
			return nil, err
		}
	}
	if in.CVE != "" && !cveRE.MatchString(in.CVE) {
		return nil, api.Invalid("cve", "must be a CVE ID such as CVE-2024-12345")
	}
	var cv *CVSS
	if strings.TrimSpace(in.CVSSVector) != "" {
		c, err := ParseCVSS(in.CVSSVector)
		if err != nil {
			return nil, err
		}
		in.CVSSVector, cv = c.Vector, &c
	} else {
		in.CVSSVector = ""
	}
	if err := oneOf("found_how", in.FoundHow, FoundHow); err != nil {
		return nil, err
	}
	found, err := validDate("found_on", in.FoundOn, today, true)
	if err != nil {
		return nil, err
	}
	if err := oneOf("decision", in.Decision, Decisions); err != nil {
		return nil, err
	}
	if in.Justification == nil {
		in.Justification = map[string]string{}
	}
	if err := validJustification(in.Justification); err != nil {
		return nil, err
	}
	decided, err := validDate("decided_on", in.DecidedOn, today, true)
	if err != nil {
		return nil, err
	}
	if decided.Before(found) {
		return nil, api.Invalid("decided_on", "must not be before the date found")
	}
	notified, err := validDate("vendor_notified_on", in.VendorNotifiedOn, today, false)
	if err != nil {
		return nil, err
	}
	if !notified.IsZero() && notified.Before(found) {
		return nil, api.Invalid("vendor_notified_on", "must not be before the date found")
	}
	patched, err := validDate("patched_on", in.PatchedOn, today, false)
	if err != nil {
		return nil, err
	}
	if !patched.IsZero() && patched.Before(found) {
		return nil, api.Invalid("patched_on", "must not be before the date found")
	}
	return cv, nil
}

// interval returns the State's review interval in months from its
// published policy (six without one).
func (s *Service) interval(ctx context.Context, iso3 string) (int, error) {
	p, err := s.Published(ctx, iso3)
	if errors.Is(err, ErrNotFound) {
		return defaultInterval, nil
	}
	if err != nil {
		return 0, err
	}
	return p.Policy.Interval(), nil
}

// derive fills an entry's computed fields at the day today.
func derive(e *Entry, months int, today time.Time) {
	e.Current, e.CurrentSince = e.Decision, e.DecidedOn
	if n := len(e.Reviews); n > 0 {
		e.Current, e.CurrentSince = e.Reviews[n-1].Decision, e.Reviews[n-1].ReviewedOn
	}
	e.NextReviewOn, e.ReviewStatus = "", ""
	if e.CVSSVector != "" {
		if c, err := ParseCVSS(e.CVSSVector); err == nil {
			e.CVSS = &c
		}
	}
	if e.Current != "retain" {
		return
	}
	since, err := parseDate(e.CurrentSince)
	if err != nil {
		return
	}
	due := since.AddDate(0, months, 0)
	e.NextReviewOn = due.Format("2006-01-02")
	switch {
	case today.After(due):
		e.ReviewStatus = "overdue"
	case !today.Before(due.AddDate(0, 0, -DueSoonDays)):
		e.ReviewStatus = "due"
	default:
		e.ReviewStatus = "ok"
	}
}

func (s *Service) today() time.Time {
	t := s.Now().UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// openEntry unseals one row.
func (s *Service) openEntry(ctx context.Context, q db.Querier, iso3, entryID string, sealed []byte) (Entry, error) {
	pt, err := s.Svc.Seal.Open(ctx, q, scope(iso3), sealed, entryAAD(entryID))
	if err != nil {
		return Entry{}, fmt.Errorf("open vep entry %s: %w", entryID, err)
	}
	var se sealedEntry
	if err := json.Unmarshal(pt, &se); err != nil {
		return Entry{}, fmt.Errorf("vep entry %s: %w", entryID, err)
	}
	if se.Reviews == nil {
		se.Reviews = []Review{}
	}
	return Entry{ID: entryID, EntryInput: se.In, Reviews: se.Reviews, RecordedBy: se.RecordedBy, RecordedAt: se.RecordedAt, UpdatedAt: se.UpdatedAt}, nil
}

// sealEntry seals an entry's content for its row.
func (s *Service) sealEntry(ctx context.Context, q db.Querier, iso3 string, e Entry) ([]byte, error) {
	pt, err := json.Marshal(sealedEntry{In: e.EntryInput, Reviews: e.Reviews, RecordedBy: e.RecordedBy, RecordedAt: e.RecordedAt, UpdatedAt: e.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return s.Svc.Seal.Seal(ctx, q, scope(iso3), pt, entryAAD(e.ID))
}

// stateEntries opens every entry of a State, newest recorded first.
func (s *Service) stateEntries(ctx context.Context, q db.Querier, iso3 string) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, sealed FROM vep_entries WHERE state_iso3 = ?`, iso3)
	if err != nil {
		return nil, err
	}
	type raw struct {
		id     string
		sealed []byte
	}
	var rs []raw
	for rows.Next() {
		var r raw
		if err := rows.Scan(&r.id, &r.sealed); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	months, err := s.interval(ctx, iso3)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := make([]Entry, 0, len(rs))
	for _, r := range rs {
		e, err := s.openEntry(ctx, q, iso3, r.id, r.sealed)
		if err != nil {
			return nil, err
		}
		derive(&e, months, today)
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// Entries returns the caller's State's register (permitted users only).
func (s *Service) Entries(ctx context.Context) ([]Entry, error) {
	iso3, _, err := s.permitted(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	return s.stateEntries(ctx, s.DB, iso3)
}

// Due returns the retained entries of the caller's State that are due or
// overdue for review, the earliest first.
func (s *Service) Due(ctx context.Context) ([]Entry, error) {
	all, err := s.Entries(ctx)
	if err != nil {
		return nil, err
	}
	out := []Entry{}
	for _, e := range all {
		if e.ReviewStatus == "due" || e.ReviewStatus == "overdue" {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NextReviewOn < out[j].NextReviewOn })
	return out, nil
}

// loadEntry reads one entry of the State; entries of other States and
// unknown ids are not found alike.
func (s *Service) loadEntry(ctx context.Context, q db.Querier, iso3, entryID string) (Entry, error) {
	if entryID == "" || len(entryID) > 64 {
		return Entry{}, ErrNotFound
	}
	var sealed []byte
	err := q.QueryRowContext(ctx, `SELECT sealed FROM vep_entries WHERE id = ? AND state_iso3 = ?`, entryID, iso3).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, err
	}
	return s.openEntry(ctx, q, iso3, entryID, sealed)
}

// Entry returns one entry of the caller's State's register.
func (s *Service) Entry(ctx context.Context, entryID string) (Entry, error) {
	iso3, _, err := s.permitted(ctx, s.DB)
	if err != nil {
		return Entry{}, err
	}
	e, err := s.loadEntry(ctx, s.DB, iso3, entryID)
	if err != nil {
		return Entry{}, err
	}
	months, err := s.interval(ctx, iso3)
	if err != nil {
		return Entry{}, err
	}
	derive(&e, months, s.today())
	return e, nil
}

// Record adds an entry to the caller's State's register, sealed. The
// audit records the action and the entry's id, nothing of its content.
func (s *Service) Record(ctx context.Context, in EntryInput) (Entry, error) {
	iso3, u, err := s.permitted(ctx, s.DB)
	if err != nil {
		return Entry{}, err
	}
	if _, err := in.validate(s.today()); err != nil {
		return Entry{}, err
	}
	at := now()
	e := Entry{ID: id.New(), EntryInput: in, Reviews: []Review{}, RecordedBy: u.Name, RecordedAt: at, UpdatedAt: at}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		sealed, err := s.sealEntry(ctx, tx, iso3, e)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO vep_entries (id, state_iso3, revision, sealed) VALUES (?, ?, ?, ?)`, e.ID, iso3, 1, sealed); err != nil {
			return err
		}
		return audit.Record(sealedActor(ctx), tx, "vep.entry.record", "vep_entry", e.ID, nil, nil)
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, e.ID)
}

// Update changes an entry's recorded facts (not its reviews).
func (s *Service) Update(ctx context.Context, entryID string, in EntryInput) (Entry, error) {
	iso3, _, err := s.permitted(ctx, s.DB)
	if err != nil {
		return Entry{}, err
	}
	if _, err := s.loadEntry(ctx, s.DB, iso3, entryID); err != nil {
		return Entry{}, err
	}
	if _, err := in.validate(s.today()); err != nil {
		return Entry{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.loadEntry(ctx, tx, iso3, entryID)
		if err != nil {
			return err
		}
		e.EntryInput, e.UpdatedAt = in, now()
		return s.rewrite(ctx, tx, iso3, e, "vep.entry.update")
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, entryID)
}

// rewrite seals an entry again and audits the action.
func (s *Service) rewrite(ctx context.Context, tx *db.Tx, iso3 string, e Entry, action string) error {
	sealed, err := s.sealEntry(ctx, tx, iso3, e)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE vep_entries SET sealed = ?, revision = revision + 1 WHERE id = ? AND state_iso3 = ?`, sealed, e.ID, iso3); err != nil {
		return err
	}
	return audit.Record(sealedActor(ctx), tx, action, "vep_entry", e.ID, nil, nil)
}

// sealedActor hides who wrote to a register from the audit log, which the
// secretariat reads: the actor would name the State, and the entries per
// State over time would tell it how many vulnerabilities a State holds.
// Who recorded and who reviewed an entry is kept inside the sealed entry,
// for the State's own accountability; the audit chain still witnesses
// every write, by action and entry id.
func sealedActor(ctx context.Context) context.Context {
	a := audit.ActorFrom(ctx)
	return audit.WithActor(ctx, audit.Actor{ID: "vep", Label: "a VEP user (named in the sealed entry)", Via: a.Via})
}

// AddReview records a review of a retained entry: the decision again,
// with its reasons against every criterion.
func (s *Service) AddReview(ctx context.Context, entryID string, in ReviewInput) (Entry, error) {
	iso3, u, err := s.permitted(ctx, s.DB)
	if err != nil {
		return Entry{}, err
	}
	today := s.today()
	months, err := s.interval(ctx, iso3)
	if err != nil {
		return Entry{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.loadEntry(ctx, tx, iso3, entryID)
		if err != nil {
			return err
		}
		derive(&e, months, today)
		if e.Current != "retain" {
			return conflict("decision", "only a retained vulnerability is reviewed; this one is no longer retained")
		}
		on, err := validDate("reviewed_on", in.ReviewedOn, today, true)
		if err != nil {
			return err
		}
		if since, _ := parseDate(e.CurrentSince); on.Before(since) {
			return api.Invalid("reviewed_on", "must not be before the decision under review")
		}
		if err := oneOf("decision", in.Decision, Decisions); err != nil {
			return err
		}
		if in.Justification == nil {
			in.Justification = map[string]string{}
		}
		if err := validJustification(in.Justification); err != nil {
			return err
		}
		in.ReviewedOn = on.Format("2006-01-02")
		e.Reviews = append(e.Reviews, Review{ReviewInput: in, DueOn: e.NextReviewOn, OnTime: in.ReviewedOn <= e.NextReviewOn, ReviewedBy: u.Name, RecordedAt: now()})
		e.UpdatedAt = now()
		return s.rewrite(ctx, tx, iso3, e, "vep.entry.review")
	})
	if err != nil {
		return Entry{}, err
	}
	return s.Entry(ctx, entryID)
}
