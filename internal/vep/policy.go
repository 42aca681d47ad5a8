package vep

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Policy is a State's Vulnerabilities Equities Process as it describes
// it: the fields the seed's recommendations are scored on. It is both the
// draft that is edited and the version that is published.
type Policy struct {
	// HasProcess: the State has a published VEP at all.
	HasProcess bool `json:"has_process"`
	// Since is the date the process was adopted or first published (YYYY-MM-DD).
	Since       string `json:"since,omitempty"`
	DocumentURL string `json:"document_url,omitempty"`
	// DocumentID names the uploaded PDF of the policy (upload it with the
	// web form; "" for none).
	DocumentID string `json:"document_id,omitempty"`
	// DecidingBody is the board or panel that decides (e.g. the Equities Review Board).
	DecidingBody string `json:"deciding_body,omitempty"`
	// Members are the agencies that sit on the deciding body.
	Members []string `json:"members"`
	// Default is the starting point: disclose, retain, case_by_case or unknown.
	Default string `json:"default" doc:"disclose, retain, case_by_case or unknown"`
	// Scope: all government-held vulnerabilities go through the process
	// (all), some are exempt (partial), or unknown.
	Scope string `json:"scope" doc:"all, partial or unknown"`
	// Criteria is the text of the criteria as published.
	Criteria string `json:"criteria,omitempty" text:"multiline,max=20000"`
	// CriteriaPublic: the criteria are published in full, in part, not at all, or unknown.
	CriteriaPublic string `json:"criteria_public" doc:"full, partial, no or unknown"`
	// CriteriaNamed lists which of the seed's four criteria the policy names.
	CriteriaNamed []string `json:"criteria_named" doc:"any of national_security, threat_impact, international_partners, commercial"`
	// Ecosystem: the impact on the computing ecosystem and the cost of
	// clean-up are considered: yes, partly, no or unknown.
	Ecosystem string `json:"ecosystem" doc:"yes, partly, no or unknown"`
	// Review: retained vulnerabilities are reviewed periodically (periodic,
	// with ReviewMonths), not at all (none), or unknown.
	Review       string `json:"review" doc:"periodic, none or unknown"`
	ReviewMonths int    `json:"review_months,omitempty" doc:"months between reviews when review is periodic (1-60)"`
	// OversightBody is who oversees the process (e.g. a commissioner).
	OversightBody string `json:"oversight_body,omitempty"`
	// VendorNoticeDays is the target, in business days, for telling a
	// vendor after a decision to disclose (0: not stated).
	VendorNoticeDays int `json:"vendor_notice_days,omitempty"`
	// PublishesStatistics: the State publishes figures on the process.
	PublishesStatistics bool `json:"publishes_statistics"`
	// Secured: retained vulnerabilities are secured from theft or loss:
	// yes, partly, no or unknown.
	Secured string `json:"secured" doc:"yes, partly, no or unknown"`
	// Passages quote the policy for each recommendation, by its id.
	Passages map[string]string `json:"passages" text:"multiline,max=4000" doc:"the policy's own words for each recommendation, by recommendation id"`
}

// The policy's choices.
var (
	Defaults        = []string{"disclose", "case_by_case", "retain", "unknown"}
	Scopes          = []string{"all", "partial", "unknown"}
	Publicities     = []string{"full", "partial", "no", "unknown"}
	FourCriteria    = []string{"national_security", "threat_impact", "international_partners", "commercial"}
	Levels          = []string{"yes", "partly", "no", "unknown"}
	ReviewKinds     = []string{"periodic", "none", "unknown"}
	Sources         = []string{SourceState, SourceSecretariat}
	defaultInterval = 6
)

// Who entered a policy.
const (
	SourceState       = "state"
	SourceSecretariat = "secretariat"
)

// PolicyRecord is a State's policy with its state and provenance.
type PolicyRecord struct {
	State     string `json:"state"`
	StateName string `json:"state_name"`
	// Version is the published version (0 for a draft).
	Version int `json:"version"`
	// Source is "state" (entered by the State) or "secretariat" (entered
	// by the secretariat from the public source).
	Source    string    `json:"source"`
	Status    string    `json:"status" doc:"draft or published"`
	UpdatedAt time.Time `json:"updated_at"`
	Policy    Policy    `json:"policy"`
}

// normalise fills empty choices with "unknown" and lists with [].
func (p *Policy) normalise() {
	for _, f := range []*string{&p.Default, &p.Scope, &p.CriteriaPublic, &p.Ecosystem, &p.Review, &p.Secured} {
		*f = strings.TrimSpace(*f)
		if *f == "" {
			*f = "unknown"
		}
	}
	if p.Members == nil {
		p.Members = []string{}
	}
	if p.CriteriaNamed == nil {
		p.CriteriaNamed = []string{}
	}
	if p.Passages == nil {
		p.Passages = map[string]string{}
	}
	p.Since = strings.TrimSpace(p.Since)
	p.DocumentURL = strings.TrimSpace(p.DocumentURL)
	p.DocumentID = strings.TrimSpace(p.DocumentID)
	p.DecidingBody = strings.TrimSpace(p.DecidingBody)
	p.OversightBody = strings.TrimSpace(p.OversightBody)
	p.Criteria = strings.TrimSpace(p.Criteria)
	var members []string
	for _, m := range p.Members {
		if m = strings.TrimSpace(m); m != "" {
			members = append(members, m)
		}
	}
	p.Members = append([]string{}, members...)
	for k, v := range p.Passages {
		if v = strings.TrimSpace(v); v == "" {
			delete(p.Passages, k)
		} else {
			p.Passages[k] = v
		}
	}
	if p.Review != "periodic" {
		p.ReviewMonths = 0
	}
}

// Validate checks a policy and returns the first problem as a 422 naming
// the field.
func (p *Policy) Validate() error {
	p.normalise()
	if err := oneOf("default", p.Default, Defaults); err != nil {
		return err
	}
	if err := oneOf("scope", p.Scope, Scopes); err != nil {
		return err
	}
	if err := oneOf("criteria_public", p.CriteriaPublic, Publicities); err != nil {
		return err
	}
	if err := oneOf("ecosystem", p.Ecosystem, Levels); err != nil {
		return err
	}
	if err := oneOf("review", p.Review, ReviewKinds); err != nil {
		return err
	}
	if err := oneOf("secured", p.Secured, Levels); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range p.CriteriaNamed {
		if !slices.Contains(FourCriteria, c) {
			return api.Invalid("criteria_named", "must be among national_security, threat_impact, international_partners, commercial")
		}
		if seen[c] {
			return api.Invalidf("criteria_named", "names %s twice", c)
		}
		seen[c] = true
	}
	if p.Since != "" {
		if _, err := parseDate(p.Since); err != nil {
			return api.Invalid("since", "must be a date as YYYY-MM-DD")
		}
	}
	if p.DocumentURL != "" {
		if err := checkURL(p.DocumentURL); err != nil {
			return api.Invalid("document_url", err.Error())
		}
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"deciding_body", p.DecidingBody, 300}, {"oversight_body", p.OversightBody, 300}} {
		if err := line(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	if len(p.Members) > 40 {
		return api.Invalid("members", "at most 40 agencies")
	}
	for _, m := range p.Members {
		if err := line("members", m, 200); err != nil {
			return err
		}
	}
	if err := text("criteria", p.Criteria, 20000); err != nil {
		return err
	}
	if p.Review == "periodic" && (p.ReviewMonths < 1 || p.ReviewMonths > 60) {
		return api.Invalid("review_months", "must be between 1 and 60 months when reviews are periodic")
	}
	if p.ReviewMonths < 0 {
		return api.Invalid("review_months", "must not be negative")
	}
	if p.VendorNoticeDays < 0 || p.VendorNoticeDays > 365 {
		return api.Invalid("vendor_notice_days", "must be between 0 (not stated) and 365")
	}
	for k, v := range p.Passages {
		if !isRecommendation(k) {
			return api.Invalidf("passages", "no recommendation %s", k)
		}
		if err := text("passages."+k, v, 4000); err != nil {
			return err
		}
	}
	return nil
}

// Interval is the review interval in months this policy sets for
// retained vulnerabilities: its own when periodic, six otherwise.
func (p Policy) Interval() int {
	if p.Review == "periodic" && p.ReviewMonths > 0 {
		return p.ReviewMonths
	}
	return defaultInterval
}

func oneOf(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return api.Invalidf(field, "must be one of %s", strings.Join(allowed, ", "))
	}
	return nil
}

func checkURL(s string) error {
	if err := line("document_url", s, 2000); err != nil {
		return errors.New("must be a single line of at most 2000 characters")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("must be an absolute http(s) address")
	}
	return nil
}

// canEdit reports whether u may edit the draft of source for iso3: the
// State's staff their State's own, the secretariat its own for any State.
func canEdit(u *auth.User, iso3, source string) bool {
	switch source {
	case SourceState:
		return u.ActsFor(iso3)
	case SourceSecretariat:
		return u != nil && u.Role == auth.RoleSecretariat
	}
	return false
}

// sourceFor is the draft a user works on.
func sourceFor(u *auth.User) string {
	if u != nil && u.Role == auth.RoleSecretariat {
		return SourceSecretariat
	}
	return SourceState
}

// knownState validates an ISO3 path value; unknown States are not found.
func knownState(iso3 string) (states.State, error) {
	st, ok := states.ByISO3(strings.ToUpper(iso3))
	if !ok || len(iso3) != 3 {
		return st, ErrNotFound
	}
	return st, nil
}

// Draft returns the caller's draft of a State's policy: the State's own
// for its staff, the secretariat's for the secretariat. With no draft yet
// it starts from the published version, or from nothing.
func (s *Service) Draft(ctx context.Context, iso3 string) (PolicyRecord, error) {
	st, err := knownState(iso3)
	if err != nil {
		return PolicyRecord{}, err
	}
	u := auth.UserFrom(ctx)
	src := sourceFor(u)
	if !canEdit(u, st.ISO3, src) {
		return PolicyRecord{}, ErrNotFound
	}
	rec := PolicyRecord{State: st.ISO3, StateName: st.Name("en"), Source: src, Status: "draft"}
	var body string
	err = s.DB.QueryRowContext(ctx, `SELECT body, updated_at FROM vep_policy_drafts WHERE state_iso3 = ? AND source = ?`, st.ISO3, src).Scan(&body, &rec.UpdatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if pub, err := s.Published(ctx, st.ISO3); err == nil {
			rec.Policy = pub.Policy
		} else if !errors.Is(err, ErrNotFound) {
			return rec, err
		}
	case err != nil:
		return rec, err
	default:
		if err := json.Unmarshal([]byte(body), &rec.Policy); err != nil {
			return rec, fmt.Errorf("vep draft %s: %w", st.ISO3, err)
		}
	}
	rec.Policy.normalise()
	return rec, nil
}

// SaveDraft validates and stores the caller's draft of a State's policy.
func (s *Service) SaveDraft(ctx context.Context, iso3 string, p Policy) (PolicyRecord, error) {
	st, err := knownState(iso3)
	if err != nil {
		return PolicyRecord{}, err
	}
	u := auth.UserFrom(ctx)
	src := sourceFor(u)
	if !canEdit(u, st.ISO3, src) {
		return PolicyRecord{}, ErrNotFound
	}
	if err := p.Validate(); err != nil {
		return PolicyRecord{}, err
	}
	if err := s.checkDocument(ctx, s.DB, st.ISO3, src, p.DocumentID); err != nil {
		return PolicyRecord{}, err
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return PolicyRecord{}, err
	}
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vep_policy_drafts (state_iso3, source, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (state_iso3, source) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			st.ISO3, src, string(raw), at, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "vep.policy.draft", "vep_policy", st.ISO3+"/"+src, nil, nil)
	})
	if err != nil {
		return PolicyRecord{}, err
	}
	return PolicyRecord{State: st.ISO3, StateName: st.Name("en"), Source: src, Status: "draft", UpdatedAt: at, Policy: p}, nil
}

// Publish publishes the caller's draft as the State's policy in force: a
// State's approver its State's draft; the secretariat its own draft, but
// not over a policy the State published itself.
func (s *Service) Publish(ctx context.Context, iso3 string) (PolicyRecord, error) {
	st, err := knownState(iso3)
	if err != nil {
		return PolicyRecord{}, err
	}
	u := auth.UserFrom(ctx)
	src := sourceFor(u)
	if !canEdit(u, st.ISO3, src) {
		return PolicyRecord{}, ErrNotFound
	}
	if src == SourceState && u.Role != auth.RoleStateApprover {
		return PolicyRecord{}, ErrForbidden
	}
	var rec PolicyRecord
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var body string
		err := tx.QueryRowContext(ctx, `SELECT body FROM vep_policy_drafts WHERE state_iso3 = ? AND source = ?`, st.ISO3, src).Scan(&body)
		if errors.Is(err, sql.ErrNoRows) {
			return conflict("policy", "there is no draft to publish; save a draft first")
		}
		if err != nil {
			return err
		}
		var version int
		var lastSource string
		err = tx.QueryRowContext(ctx, `SELECT version, source FROM vep_policies WHERE state_iso3 = ? ORDER BY version DESC LIMIT 1`, st.ISO3).Scan(&version, &lastSource)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if src == SourceSecretariat && lastSource == SourceState {
			return conflict("policy", "the State has published its own policy; the secretariat's entry cannot replace it")
		}
		at := now()
		rec = PolicyRecord{State: st.ISO3, StateName: st.Name("en"), Version: version + 1, Source: src, Status: "published", UpdatedAt: at}
		if err := json.Unmarshal([]byte(body), &rec.Policy); err != nil {
			return err
		}
		rec.Policy.normalise()
		if _, err := tx.ExecContext(ctx, `INSERT INTO vep_policies (state_iso3, version, body, source, published_at, published_by) VALUES (?, ?, ?, ?, ?, ?)`,
			st.ISO3, rec.Version, body, src, at, u.ID); err != nil {
			return err
		}
		if err := publishDocument(ctx, tx, rec.Policy.DocumentID, at); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM vep_policy_drafts WHERE state_iso3 = ? AND source = ?`, st.ISO3, src); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "vep.policy.publish", "vep_policy", st.ISO3, nil, map[string]any{"version": rec.Version, "source": src})
	})
	return rec, err
}

// Published returns the policy in force for a State, or ErrNotFound.
func (s *Service) Published(ctx context.Context, iso3 string) (PolicyRecord, error) {
	st, err := knownState(iso3)
	if err != nil {
		return PolicyRecord{}, err
	}
	list, err := s.published(ctx, ` AND p.state_iso3 = ?`, st.ISO3)
	if err != nil {
		return PolicyRecord{}, err
	}
	if len(list) == 0 {
		return PolicyRecord{}, ErrNotFound
	}
	return list[0], nil
}

// policiesStamp returns a number that changes with every publication:
// policies are only ever inserted (Publish), never changed or deleted, so
// their count moves with each. The index keeps what it computes from the
// policies in force under it; a way to change or delete a published
// version must change the stamp too.
func (s *Service) policiesStamp(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM vep_policies`).Scan(&n)
	return n, err
}

// Policies returns every State's policy in force, by State code.
func (s *Service) Policies(ctx context.Context) ([]PolicyRecord, error) {
	return s.published(ctx, "")
}

func (s *Service) published(ctx context.Context, where string, args ...any) ([]PolicyRecord, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT p.state_iso3, p.version, p.body, p.source, p.published_at FROM vep_policies p
		WHERE p.version = (SELECT MAX(v.version) FROM vep_policies v WHERE v.state_iso3 = p.state_iso3)`+where+` ORDER BY p.state_iso3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []PolicyRecord{}
	for rows.Next() {
		var r PolicyRecord
		var body string
		if err := rows.Scan(&r.State, &r.Version, &body, &r.Source, &r.UpdatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &r.Policy); err != nil {
			return nil, fmt.Errorf("vep policy %s v%d: %w", r.State, r.Version, err)
		}
		r.Policy.normalise()
		r.Status = "published"
		if st, ok := states.ByISO3(r.State); ok {
			r.StateName = st.Name("en")
		}
		r.UpdatedAt = r.UpdatedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}
