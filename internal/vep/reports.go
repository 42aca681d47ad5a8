package vep

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/states"
)

// Fewer is how a count of 1 to 4, or a median over fewer than 5 entries,
// is stored and shown: "fewer than 5", so that no single vulnerability can
// be inferred from a report.
const Fewer = -1

// Figures are a transparency report's aggregate figures for one year.
// A count of 1–4 is Fewer (-1); a median over fewer than 5 entries is
// Fewer too.
type Figures struct {
	Evaluated         int `json:"evaluated" doc:"entries decided in the year; -1 means fewer than 5"`
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
	rows, err := s.DB.QueryContext(ctx, `SELECT `+reportColumns+` FROM vep_reports WHERE `+where, args...)
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
