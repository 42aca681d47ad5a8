package vep

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"

	"github.com/cybernorms/cybernorms/internal/states"
)

// Fewer is how a count of 1 to 4, or a median over fewer than 5 entries,
// is stored and shown: "fewer than 5", so that no single vulnerability can
// be inferred from a report.
const Fewer = -1

// Withheld is how a total is stored and shown when publishing it would
// let a reader subtract the other figures and find a suppressed count.
const Withheld = -2

// Figures are a transparency report's aggregate figures for one year.
// A count of 1–4 is Fewer (-1); a median over fewer than 5 entries is
// Fewer too.
type Figures struct {
	Evaluated         int `json:"evaluated" doc:"entries decided in the year; -1 means fewer than 5, -2 withheld (it would reveal a suppressed count)"`
	Disclosed         int `json:"disclosed" doc:"decided to disclose; -1 means fewer than 5"`
	MitigationsOnly   int `json:"mitigations_only" doc:"decided to disclose mitigations only; -1 means fewer than 5"`
	PartnersInformed  int `json:"partners_informed" doc:"decided to inform partners; -1 means fewer than 5"`
	Retained          int `json:"retained" doc:"decided to retain; -1 means fewer than 5"`
	Released          int `json:"released_after_review" doc:"retained, then released by a review in the year; -1 means fewer than 5"`
	Reviews           int `json:"reviews" doc:"reviews done in the year; -1 means fewer than 5"`
	ReviewsOnTime     int `json:"reviews_on_time" doc:"of which done by their due date; -1 means fewer than 5"`
	MedianDaysNotify  int `json:"median_days_to_vendor_notification" doc:"median days from a decision to disclose to the vendor's notification; -1 when fewer than 5"`
	MedianDaysToPatch int `json:"median_days_to_patch" doc:"median days from a decision to disclose to the vendor's patch; -1 when fewer than 5"`
}

// Report is a State's transparency report for a year.
type Report struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	StateName   string     `json:"state_name"`
	Year        int        `json:"year"`
	Status      string     `json:"status" doc:"draft or published"`
	Figures     Figures    `json:"figures"`
	GeneratedAt time.Time  `json:"generated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

const reportColumns = `id, state_iso3, year, status, figures, generated_at, published_at`

func scanReport(row interface{ Scan(...any) error }) (Report, error) {
	var rp Report
	var figs string
	var pub sql.NullTime
	if err := row.Scan(&rp.ID, &rp.State, &rp.Year, &rp.Status, &figs, &rp.GeneratedAt, &pub); err != nil {
		return rp, err
	}
	if err := json.Unmarshal([]byte(figs), &rp.Figures); err != nil {
		return rp, fmt.Errorf("vep report %s: %w", rp.ID, err)
	}
	rp.GeneratedAt = rp.GeneratedAt.UTC()
	if pub.Valid {
		p := pub.Time.UTC()
		rp.PublishedAt = &p
	}
	if st, ok := states.ByISO3(rp.State); ok {
		rp.StateName = st.Name("en")
	}
	return rp, nil
}

func (s *Service) reports(ctx context.Context, where string, args ...any) ([]Report, error) {
	return s.reportsQ(ctx, s.DB, where, args...)
}

func (s *Service) reportsQ(ctx context.Context, q db.Querier, where string, args ...any) ([]Report, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+reportColumns+` FROM vep_reports WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Report{}
	for rows.Next() {
		rp, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, rp)
	}
	return out, rows.Err()
}

// PublishedReports returns the published reports, of one State when iso3
// is given, newest year first.
func (s *Service) PublishedReports(ctx context.Context, iso3 string) ([]Report, error) {
	if iso3 != "" {
		return s.reports(ctx, `status = 'published' AND state_iso3 = ? ORDER BY year DESC`, iso3)
	}
	return s.reports(ctx, `status = 'published' ORDER BY year DESC, state_iso3`)
}

// disclosing are the decisions that tell the vendor.
func disclosing(d string) bool { return d == "disclose" || d == "mitigations_only" }

// suppress turns a count of 1–4 into Fewer.
func suppress(n int) int {
	if n > 0 && n < 5 {
		return Fewer
	}
	return n
}

// median of days, or Fewer over fewer than 5 values.
func median(days []int) int {
	if len(days) < 5 {
		return Fewer
	}
	sort.Ints(days)
	n := len(days)
	if n%2 == 1 {
		return days[n/2]
	}
	return (days[n/2-1] + days[n/2]) / 2
}

func daysBetween(a, b string) (int, bool) {
	x, err1 := parseDate(a)
	y, err2 := parseDate(b)
	if err1 != nil || err2 != nil || y.Before(x) {
		return 0, false
	}
	return int(y.Sub(x).Hours() / 24), true
}

// Compute derives a year's figures from a State's entries, suppressed.
func Compute(entries []Entry, year int) Figures {
	in := func(date string) bool { return len(date) >= 4 && date[:4] == strconv.Itoa(year) }
	var f Figures
	var notify, patch []int
	for _, e := range entries {
		disclosedOn := ""
		if in(e.DecidedOn) {
			f.Evaluated++
			switch e.Decision {
			case "disclose":
				f.Disclosed++
			case "retain":
				f.Retained++
			case "mitigations_only":
				f.MitigationsOnly++
			case "inform_partners":
				f.PartnersInformed++
			}
			if disclosing(e.Decision) {
				disclosedOn = e.DecidedOn
			}
		}
		current := e.Decision
		for _, r := range e.Reviews {
			if in(r.ReviewedOn) {
				f.Reviews++
				if r.OnTime {
					f.ReviewsOnTime++
				}
				if current == "retain" && r.Decision != "retain" {
					f.Released++
					if disclosing(r.Decision) {
						disclosedOn = r.ReviewedOn
					}
				}
			}
			current = r.Decision
		}
		if disclosedOn == "" {
			continue
		}
		if d, ok := daysBetween(disclosedOn, e.VendorNotifiedOn); ok {
			notify = append(notify, d)
		}
		if d, ok := daysBetween(disclosedOn, e.PatchedOn); ok {
			patch = append(patch, d)
		}
	}
	f.MedianDaysNotify, f.MedianDaysToPatch = median(notify), median(patch)
	cats := []*int{&f.Disclosed, &f.Retained, &f.MitigationsOnly, &f.PartnersInformed}
	for _, c := range cats {
		*c = suppress(*c)
	}
	f.Released, f.Reviews, f.ReviewsOnTime = suppress(f.Released), suppress(f.Reviews), suppress(f.ReviewsOnTime)
	f.Evaluated = suppress(f.Evaluated)
	// A single suppressed category could be found by subtracting the
	// others from the total: suppress a zero one too, or withhold the total.
	hidden := 0
	for _, c := range cats {
		if *c == Fewer {
			hidden++
		}
	}
	if hidden == 1 && f.Evaluated != Fewer {
		done := false
		for _, c := range cats {
			if *c == 0 {
				*c, done = Fewer, true
				break
			}
		}
		if !done {
			f.Evaluated = Withheld
		}
	}
	return f
}

// GenerateReport computes (or computes again) the caller's State's draft
// report for a year from its register (the State's approver; the figures
// are aggregates, so the approver needs no VEP permission for them).
func (s *Service) GenerateReport(ctx context.Context, year int) (Report, error) {
	iso3, _, err := approverState(ctx)
	if err != nil {
		return Report{}, ErrForbidden
	}
	thisYear := s.Now().UTC().Year()
	if year < 1990 || year > thisYear {
		return Report{}, api.Invalidf("year", "must be a year from 1990 to %v", thisYear)
	}
	var rp Report
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		existing, err := s.reportsQ(ctx, tx, `state_iso3 = ? AND year = ?`, iso3, year)
		if err != nil {
			return err
		}
		if len(existing) > 0 && existing[0].Status == "published" {
			return conflict("year", "the report for this year is already published")
		}
		entries, err := s.stateEntries(ctx, tx, iso3)
		if err != nil {
			return err
		}
		figs, err := json.Marshal(Compute(entries, year))
		if err != nil {
			return err
		}
		at := now()
		u := auth.UserFrom(ctx)
		if len(existing) > 0 {
			rp = existing[0]
			_, err = tx.ExecContext(ctx, `UPDATE vep_reports SET figures = ?, generated_at = ?, generated_by = ? WHERE id = ?`, string(figs), at, u.ID, rp.ID)
		} else {
			rp = Report{ID: id.New()}
			_, err = tx.ExecContext(ctx, `INSERT INTO vep_reports (id, state_iso3, year, status, figures, generated_at, generated_by) VALUES (?, ?, ?, 'draft', ?, ?, ?)`, rp.ID, iso3, year, string(figs), at, u.ID)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "vep.report.generate", "vep_report", rp.ID, nil, map[string]any{"state": iso3, "year": year})
	})
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, rp.ID)
}

// PublishReport publishes a State's draft report (its approver).
func (s *Service) PublishReport(ctx context.Context, reportID string) (Report, error) {
	iso3, _, err := approverState(ctx)
	if err != nil {
		return Report{}, ErrNotFound
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		list, err := s.reportsQ(ctx, tx, `id = ? AND state_iso3 = ?`, reportID, iso3)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrNotFound
		}
		if list[0].Status == "published" {
			return conflict("status", "the report is already published")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vep_reports SET status = 'published', published_at = ? WHERE id = ?`, now(), reportID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "vep.report.publish", "vep_report", reportID, nil, map[string]any{"state": iso3, "year": list[0].Year, "figures": list[0].Figures})
	})
	if err != nil {
		return Report{}, err
	}
	return s.Report(ctx, reportID)
}

// Report returns a report: published ones to anyone, a draft to its
// State's staff only.
func (s *Service) Report(ctx context.Context, reportID string) (Report, error) {
	if reportID == "" || len(reportID) > 64 {
		return Report{}, ErrNotFound
	}
	list, err := s.reportsQ(ctx, s.DB, `id = ?`, reportID)
	if err != nil {
		return Report{}, err
	}
	if len(list) == 0 {
		return Report{}, ErrNotFound
	}
	rp := list[0]
	if rp.Status != "published" && !auth.UserFrom(ctx).ActsFor(rp.State) {
		return Report{}, ErrNotFound
	}
	return rp, nil
}

// DraftReports returns the caller's State's draft reports (State staff).
func (s *Service) DraftReports(ctx context.Context) ([]Report, error) {
	u := auth.UserFrom(ctx)
	if u == nil || !u.Role.IsState() {
		return []Report{}, nil
	}
	return s.reportsQ(ctx, s.DB, `status = 'draft' AND state_iso3 = ? ORDER BY year DESC`, u.StateISO3)
}

// PublishedOn is the day the report was published, or "".
func (rp Report) PublishedOn() string {
	if rp.PublishedAt == nil {
		return ""
	}
	return rp.PublishedAt.Format("2006-01-02")
}
