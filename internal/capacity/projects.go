package capacity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Project statuses.
const (
	ProjectRunning   = "running"
	ProjectFinished  = "finished"
	ProjectCancelled = "cancelled"
)

// Review states of a project's public listing: the parties ask for it
// (pending), the secretariat publishes or rejects it (Cybil's rule).
const (
	ReviewPrivate   = "private"
	ReviewPending   = "pending"
	ReviewPublished = "published"
	ReviewRejected  = "rejected"
)

// Project is an engagement that grew from an accepted match.
type Project struct {
	ID              string     `json:"id"`
	MatchID         string     `json:"match_id,omitempty"`
	NeedID          string     `json:"need_id,omitempty"`
	OfferID         string     `json:"offer_id,omitempty"`
	Title           string     `json:"title"`
	Summary         string     `json:"summary"`
	Beneficiary     string     `json:"beneficiary"`
	BeneficiaryName string     `json:"beneficiary_name"`
	Region          string     `json:"region"`
	ImplementerKind string     `json:"implementer_kind"`
	ImplementerISO3 string     `json:"implementer_state,omitempty"`
	ImplementerOrg  string     `json:"-"`
	Implementer     string     `json:"implementer"`
	Funders         string     `json:"funders"`
	Norms           []string   `json:"norms"`
	Topics          []string   `json:"topics"`
	StartsOn        string     `json:"starts_on,omitempty"`
	EndsOn          string     `json:"ends_on,omitempty"`
	Budget          string     `json:"budget,omitempty"`
	Status          string     `json:"status"`
	Outcome         string     `json:"outcome"`
	Evaluation      string     `json:"evaluation"`
	Review          string     `json:"review"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
}

const projectCols = `p.id, p.match_id, p.need_id, p.offer_id, p.title, p.summary, p.beneficiary_iso3, p.region, p.implementer_kind, p.implementer_state, p.implementer_org,
	p.implementer_name, p.funders, p.norms, p.topics, p.starts_on, p.ends_on, p.budget, p.status, p.outcome, p.evaluation, p.review, p.created_at, p.updated_at, p.published_at`

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var norms, topics string
	var pub sql.NullTime
	err := row.Scan(&p.ID, &p.MatchID, &p.NeedID, &p.OfferID, &p.Title, &p.Summary, &p.Beneficiary, &p.Region, &p.ImplementerKind, &p.ImplementerISO3, &p.ImplementerOrg,
		&p.Implementer, &p.Funders, &norms, &topics, &p.StartsOn, &p.EndsOn, &p.Budget, &p.Status, &p.Outcome, &p.Evaluation, &p.Review, &p.CreatedAt, &p.UpdatedAt, &pub)
	if err != nil {
		return p, err
	}
	p.Norms, p.Topics = splitList(norms), splitList(topics)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		p.PublishedAt = &t
	}
	p.BeneficiaryName = stateName(p.Beneficiary, "en")
	return p, nil
}

func (s *Service) loadProject(ctx context.Context, q querier, projectID string) (Project, error) {
	p, err := scanProject(q.QueryRowContext(ctx, `SELECT `+projectCols+` FROM capacity_projects p WHERE p.id = ?`, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// projectFromMatch starts the project of an accepted match: the need's
// State is the beneficiary, the offerer the implementer; the norms and
// topics are those they have in common (or the need's).
func (s *Service) projectFromMatch(ctx context.Context, tx *db.Tx, e Engagement, n Need, o Offer) (Project, error) {
	now := s.now()
	p := Project{ID: id.New(), MatchID: e.ID, NeedID: n.ID, OfferID: o.ID, Title: n.Title, Summary: o.Title + " — " + o.Provider,
		Beneficiary: n.State, Region: n.Region, ImplementerKind: o.ProviderKind, ImplementerISO3: o.State, ImplementerOrg: o.OrgID, Implementer: o.Provider,
		StartsOn: n.StartsOn, EndsOn: n.EndsOn, Status: ProjectRunning, Review: ReviewPrivate, CreatedAt: now, UpdatedAt: now}
	for _, x := range n.Norms {
		if contains(o.Norms, x) {
			p.Norms = append(p.Norms, x)
		}
	}
	for _, x := range n.Topics {
		if contains(o.Topics, x) {
			p.Topics = append(p.Topics, x)
		}
	}
	if len(p.Norms) == 0 && len(p.Topics) == 0 {
		p.Norms, p.Topics = n.Norms, n.Topics
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_projects (id, match_id, need_id, offer_id, title, summary, beneficiary_iso3, region, implementer_kind, implementer_state,
		implementer_org, implementer_name, norms, topics, starts_on, ends_on, status, review, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MatchID, p.NeedID, p.OfferID, p.Title, p.Summary, p.Beneficiary, p.Region, p.ImplementerKind, p.ImplementerISO3, p.ImplementerOrg, p.Implementer,
		joinList(p.Norms), joinList(p.Topics), p.StartsOn, p.EndsOn, p.Status, p.Review, now, now); err != nil {
		return p, fmt.Errorf("insert project: %w", err)
	}
	return p, audit.Record(ctx, tx, "capacity.project.create", "capacity_project", p.ID, nil, map[string]any{"match": e.ID, "beneficiary": p.Beneficiary, "implementer": p.Implementer})
}
