package vep

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/opendata"
)

// Datasets are the vulnerability equities module's open datasets: every
// published version of every State's VEP policy, the scorecard of the
// policy in force against the seed's recommendations, and the published
// transparency reports' aggregate figures. The register of
// vulnerabilities, policy drafts, unpublished reports, reminders and who
// may read a register never appear: no query here reads their tables.
func Datasets() []opendata.Dataset {
	iso3 := `[A-Z]{3}`
	lists := " Several values are separated by \";\"."
	return []opendata.Dataset{
		{
			Name: "vep-policies", Module: "vep", Title: "Vulnerability equities: published policies",
			Description: "Every published version of every State's vulnerability equities policy, as the State or the secretariat (from the State's public documents) entered it: the process, its default, scope, criteria and review.",
			Fields: []opendata.Field{
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "version", Type: opendata.Integer, Required: true, Description: "The published version, 1 for the first."},
				{Name: "current", Type: opendata.Boolean, Required: true, Description: "Whether it is the policy in force (the newest version)."},
				{Name: "source", Type: opendata.String, Required: true, Enum: Sources, Description: "Who entered it: the State, or the secretariat from the State's public documents."},
				{Name: "has_process", Type: opendata.Boolean, Required: true, Description: "Whether the State has a published process at all."},
				{Name: "since", Type: opendata.String, Pattern: `[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?`, Description: "When the process was adopted or first published: YYYY, YYYY-MM or YYYY-MM-DD."},
				{Name: "document_url", Type: opendata.String, Description: "Where the State published its policy."},
				{Name: "deciding_body", Type: opendata.String, Description: "The board or panel that decides."},
				{Name: "members", Type: opendata.String, Description: "The agencies that sit on it." + lists},
				{Name: "default", Type: opendata.String, Required: true, Enum: Defaults, Description: "The starting point of a decision."},
				{Name: "scope", Type: opendata.String, Required: true, Enum: Scopes, Description: "Whether every government-held vulnerability goes through the process."},
				{Name: "criteria", Type: opendata.String, Description: "The criteria, as published."},
				{Name: "criteria_public", Type: opendata.String, Required: true, Enum: Publicities, Description: "Whether the criteria are published in full, in part or not at all."},
				{Name: "criteria_named", Type: opendata.String, Description: "Which of the four criteria of the recommendations the policy names (national_security, threat_impact, international_partners, commercial)." + lists},
				{Name: "ecosystem", Type: opendata.String, Required: true, Enum: Levels, Description: "Whether the impact on the computing ecosystem and the cost of clean-up are considered."},
				{Name: "review", Type: opendata.String, Required: true, Enum: ReviewKinds, Description: "Whether retained vulnerabilities are reviewed periodically."},
				{Name: "review_months", Type: opendata.Integer, Description: "Months between reviews, when periodic."},
				{Name: "oversight_body", Type: opendata.String, Description: "Who oversees the process."},
				{Name: "vendor_notice_days", Type: opendata.Integer, Description: "The target, in business days, for telling a vendor after a decision to disclose; empty when not stated."},
				{Name: "publishes_statistics", Type: opendata.Boolean, Required: true, Description: "Whether the State publishes figures on its process."},
				{Name: "secured", Type: opendata.String, Required: true, Enum: Levels, Description: "Whether retained vulnerabilities are secured from theft or loss."},
				{Name: "published_at", Type: opendata.DateTime, Required: true, Description: "When this version was published (UTC)."},
				{Name: "url", Type: opendata.String, Required: true, Description: "The State's page: a path under the site's address."},
			},
			PrimaryKey: []string{"state_iso3", "version"},
			Changed:    "published_at",
			Source:     policyRows,
		},
		{
			Name: "vep-scorecards", Module: "vep", Title: "Vulnerability equities: scorecards",
			Description: "Each State's policy in force rated against each recommendation for a vulnerabilities equities process (met, partly, not met, unknown), with the policy's own words that show it. The rules are those of the module's documentation; a State with no published policy has no rows.",
			Fields: []opendata.Field{
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "recommendation", Type: opendata.String, Required: true, Enum: Recommendations, Description: "The recommendation."},
				{Name: "rating", Type: opendata.String, Required: true, Enum: Ratings, Description: "How the policy meets it."},
				{Name: "passage", Type: opendata.String, Description: "The policy's own words for it."},
				{Name: "policy_version", Type: opendata.Integer, Required: true, Description: "The policy version rated (vep-policies.csv version)."},
			},
			PrimaryKey:  []string{"state_iso3", "recommendation"},
			ForeignKeys: []opendata.ForeignKey{{Fields: []string{"state_iso3", "policy_version"}, Resource: "vep-policies", Reference: []string{"state_iso3", "version"}}},
			Source:      scorecardRows,
		},
		{
			Name: "vep-reports", Module: "vep", Title: "Vulnerability equities: transparency reports",
			Description: "The aggregate figures of every published yearly transparency report. Figures under 5 are suppressed (empty), as is any figure that would reveal one.",
			Fields: []opendata.Field{
				{Name: "id", Type: opendata.String, Required: true, Description: "Stable identifier (ULID)."},
				{Name: "state_iso3", Type: opendata.String, Required: true, Pattern: iso3, Description: "The State (ISO 3166-1 alpha-3)."},
				{Name: "year", Type: opendata.Integer, Required: true, Description: "The year reported on."},
				{Name: "evaluated", Type: opendata.Integer, Description: "Vulnerabilities decided in the year (empty: suppressed)."},
				{Name: "disclosed", Type: opendata.Integer, Description: "Decided to disclose."},
				{Name: "mitigations_only", Type: opendata.Integer, Description: "Decided to disclose mitigations only."},
				{Name: "partners_informed", Type: opendata.Integer, Description: "Decided to inform partners."},
				{Name: "retained", Type: opendata.Integer, Description: "Decided to retain."},
				{Name: "released_after_review", Type: opendata.Integer, Description: "Retained, then released by a review in the year."},
				{Name: "reviews", Type: opendata.Integer, Description: "Reviews done in the year."},
				{Name: "reviews_on_time", Type: opendata.Integer, Description: "Of which done by their due date."},
				{Name: "median_days_to_vendor_notification", Type: opendata.Integer, Description: "Median days from a decision to disclose to the vendor's notification."},
				{Name: "median_days_to_patch", Type: opendata.Integer, Description: "Median days from a decision to disclose to the vendor's patch."},
				{Name: "published_at", Type: opendata.DateTime, Required: true, Description: "When it was published (UTC)."},
			},
			PrimaryKey: []string{"id"},
			Changed:    "published_at",
			Source:     reportRows,
		},
	}
}

func policyRows(ctx context.Context, q db.Querier, emit func(vals ...any) error) error {
	rows, err := q.QueryContext(ctx, `SELECT p.state_iso3, p.version, p.body, p.source, p.published_at,
		p.version = (SELECT MAX(v.version) FROM vep_policies v WHERE v.state_iso3 = p.state_iso3) FROM vep_policies p ORDER BY p.state_iso3, p.version`)
	if err != nil {
		return fmt.Errorf("vep policies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, body, source string
		var version int
		var at time.Time
		var current bool
		if err := rows.Scan(&state, &version, &body, &source, &at, &current); err != nil {
			return err
		}
		var p Policy
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return fmt.Errorf("vep policy %s v%d: %w", state, version, err)
		}
		p.normalise()
		if err := emit(state, version, current, source, p.HasProcess, orNil(p.Since), orNil(p.DocumentURL), orNil(p.DecidingBody), orNil(strings.Join(p.Members, ";")),
			p.Default, p.Scope, orNil(p.Criteria), p.CriteriaPublic, orNil(strings.Join(p.CriteriaNamed, ";")), p.Ecosystem, p.Review, positive(p.ReviewMonths),
			orNil(p.OversightBody), positive(p.VendorNoticeDays), p.PublishesStatistics, p.Secured, at, "/vep/states/"+state); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scorecardRows(ctx context.Context, q db.Querier, emit func(vals ...any) error) error {
	rows, err := q.QueryContext(ctx, `SELECT p.state_iso3, p.version, p.body FROM vep_policies p
		WHERE p.version = (SELECT MAX(v.version) FROM vep_policies v WHERE v.state_iso3 = p.state_iso3) ORDER BY p.state_iso3`)
	if err != nil {
		return fmt.Errorf("vep scorecards: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state, body string
		var version int
		if err := rows.Scan(&state, &version, &body); err != nil {
			return err
		}
		var p Policy
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return fmt.Errorf("vep policy %s v%d: %w", state, version, err)
		}
		scores := Rate(p)
		byRec := map[string]Score{}
		for _, s := range scores {
			byRec[s.Recommendation] = s
		}
		// In the primary key's order: recommendations sorted by id.
		recs := slices.Sorted(slices.Values(Recommendations))
		for _, rec := range recs {
			s, ok := byRec[rec]
			if !ok {
				continue
			}
			if err := emit(state, rec, s.Rating, orNil(s.Passage), version); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}

func reportRows(ctx context.Context, q db.Querier, emit func(vals ...any) error) error {
	rows, err := q.QueryContext(ctx, `SELECT id, state_iso3, year, figures, published_at FROM vep_reports WHERE status = 'published' AND published_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("vep reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, state, figs string
		var year int
		var at time.Time
		if err := rows.Scan(&id, &state, &year, &figs, &at); err != nil {
			return err
		}
		var f Figures
		if err := json.Unmarshal([]byte(figs), &f); err != nil {
			return fmt.Errorf("vep report %s: %w", id, err)
		}
		n := func(v int) any {
			if v < 0 {
				return nil
			}
			return v
		}
		if err := emit(id, state, year, n(f.Evaluated), n(f.Disclosed), n(f.MitigationsOnly), n(f.PartnersInformed), n(f.Retained), n(f.Released),
			n(f.Reviews), n(f.ReviewsOnTime), n(f.MedianDaysNotify), n(f.MedianDaysToPatch), at); err != nil {
			return err
		}
	}
	return rows.Err()
}

func orNil(s string) any {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return s
}

func positive(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}
