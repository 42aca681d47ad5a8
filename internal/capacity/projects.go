package capacity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/platform/web"
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
	ID              string        `json:"id"`
	MatchID         string        `json:"match_id,omitempty"`
	NeedID          string        `json:"need_id,omitempty"`
	OfferID         string        `json:"offer_id,omitempty"`
	Title           string        `json:"title"`
	Summary         string        `json:"summary"`
	Beneficiary     string        `json:"beneficiary" doc:"the lead beneficiary State (ISO3): the requesting State of the need the project grew from"`
	BeneficiaryName string        `json:"beneficiary_name"`
	Beneficiaries   []Beneficiary `json:"beneficiaries" doc:"every beneficiary State, the lead first"`
	Region          string        `json:"region" doc:"the lead beneficiary's UN regional group"`
	ImplementerKind string        `json:"implementer_kind"`
	ImplementerISO3 string        `json:"implementer_state,omitempty"`
	ImplementerOrg  string        `json:"-"`
	Implementer     string        `json:"implementer" doc:"every implementer's name, the lead first, separated by semicolons"`
	Implementers    []Implementer `json:"implementers" doc:"the implementers: the offerer of the match that started the project (lead) and every offer the requesting State accepted for the same need since"`
	Funders         string        `json:"funders"`
	Norms           []string      `json:"norms"`
	Topics          []string      `json:"topics"`
	StartsOn        string        `json:"starts_on,omitempty"`
	EndsOn          string        `json:"ends_on,omitempty"`
	Budget          string        `json:"budget,omitempty"`
	Status          string        `json:"status"`
	Outcome         string        `json:"outcome"`
	Evaluation      string        `json:"evaluation"`
	Review          string        `json:"review"`
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`
	PublishedAt     *time.Time    `json:"published_at,omitempty"`
}

// Beneficiary is one State a project serves: the requesting State of the
// need it grew from (the lead) and any other its parties named.
type Beneficiary struct {
	State  string `json:"state"`
	Name   string `json:"name"`
	Region string `json:"region"`
	Lead   bool   `json:"lead"`
}

// beneficiariesOf reads the stored list (lead first) as beneficiaries named
// in lang.
func beneficiariesOf(list []string, lang string) []Beneficiary {
	out := make([]Beneficiary, 0, len(list))
	for i, iso := range list {
		out = append(out, Beneficiary{State: iso, Name: stateName(iso, lang), Region: regionOf(iso), Lead: i == 0})
	}
	return out
}

// beneficiaryStates are the ISO3 codes of a project's beneficiaries.
func (p Project) beneficiaryStates() []string {
	out := make([]string, len(p.Beneficiaries))
	for i, b := range p.Beneficiaries {
		out[i] = b.State
	}
	return out
}

// beneficiaryRegions are the distinct regional groups of its beneficiaries.
func (p Project) beneficiaryRegions() []string {
	var out []string
	for _, b := range p.Beneficiaries {
		if b.Region != "" && !contains(out, b.Region) {
			out = append(out, b.Region)
		}
	}
	return out
}

// Implementer is one provider carrying out a project: a need can have
// several, each from an offer the requesting State accepted.
type Implementer struct {
	Kind     string    `json:"kind"` // state | organisation
	State    string    `json:"state,omitempty"`
	OrgID    string    `json:"-"`
	OfferID  string    `json:"offer_id"`
	MatchID  string    `json:"match_id"`
	Name     string    `json:"name"`
	Lead     bool      `json:"lead"`
	JoinedAt time.Time `json:"joined_at"`
}

// actsFor reports whether the viewer acts for the implementer.
func (v viewer) actsForImplementer(i Implementer) bool {
	if i.Kind == "state" {
		return v.u.ActsFor(i.State)
	}
	return v.u != nil && v.u.OrgID != "" && v.u.OrgID == i.OrgID
}

// withImplementers reads the implementers of the projects, in one query.
func (s *Service) withImplementers(ctx context.Context, q querier, ps []Project) error {
	if len(ps) == 0 {
		return nil
	}
	at := map[string]int{}
	marks := make([]string, len(ps))
	args := make([]any, len(ps))
	for i := range ps {
		ps[i].Implementers = []Implementer{}
		at[ps[i].ID] = i
		marks[i], args[i] = "?", ps[i].ID
	}
	rows, err := q.QueryContext(ctx, `SELECT project_id, kind, state_iso3, org_id, offer_id, match_id, name, lead, joined_at FROM capacity_project_implementers
		WHERE project_id IN (`+strings.Join(marks, ", ")+`) ORDER BY lead DESC, joined_at, offer_id`, args...)
	if err != nil {
		return fmt.Errorf("project implementers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var pid string
		var im Implementer
		if err := rows.Scan(&pid, &im.Kind, &im.State, &im.OrgID, &im.OfferID, &im.MatchID, &im.Name, &im.Lead, &im.JoinedAt); err != nil {
			return err
		}
		im.JoinedAt = im.JoinedAt.UTC()
		i := at[pid]
		ps[i].Implementers = append(ps[i].Implementers, im)
	}
	return rows.Err()
}

const projectCols = `p.id, p.match_id, p.need_id, p.offer_id, p.title, p.summary, p.beneficiary_iso3, p.region, p.implementer_kind, p.implementer_state, p.implementer_org,
	p.implementer_name, p.funders, p.norms, p.topics, p.starts_on, p.ends_on, p.budget, p.status, p.outcome, p.evaluation, p.review, p.created_at, p.updated_at, p.published_at,
	p.beneficiaries`

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var norms, topics, bens string
	var pub sql.NullTime
	err := row.Scan(&p.ID, &p.MatchID, &p.NeedID, &p.OfferID, &p.Title, &p.Summary, &p.Beneficiary, &p.Region, &p.ImplementerKind, &p.ImplementerISO3, &p.ImplementerOrg,
		&p.Implementer, &p.Funders, &norms, &topics, &p.StartsOn, &p.EndsOn, &p.Budget, &p.Status, &p.Outcome, &p.Evaluation, &p.Review, &p.CreatedAt, &p.UpdatedAt, &pub, &bens)
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
	list := splitList(bens)
	if !contains(list, p.Beneficiary) {
		list = append([]string{p.Beneficiary}, list...)
	}
	p.Beneficiaries = beneficiariesOf(list, "en")
	return p, nil
}

func (s *Service) loadProject(ctx context.Context, q querier, projectID string) (Project, error) {
	p, err := scanProject(q.QueryRowContext(ctx, `SELECT `+projectCols+` FROM capacity_projects p WHERE p.id = ?`, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	ps := []Project{p}
	err = s.withImplementers(ctx, q, ps)
	return ps[0], err
}

// projectFromMatch starts the project of an accepted match: the need's
// State is the beneficiary, the offerer the implementer; the norms and
// topics are those they have in common (or the need's).
func (s *Service) projectFromMatch(ctx context.Context, tx *db.Tx, e Engagement, n Need, o Offer) (Project, error) {
	now := s.now()
	var running string
	err := tx.QueryRowContext(ctx, `SELECT id FROM capacity_projects WHERE need_id = ? AND status = ? ORDER BY created_at, id LIMIT 1`, n.ID, ProjectRunning).Scan(&running)
	if err == nil {
		return s.joinProject(ctx, tx, running, e, o)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Project{}, err
	}
	p := Project{ID: id.New(), MatchID: e.ID, NeedID: n.ID, OfferID: o.ID, Title: n.Title, Summary: o.Title + " — " + o.Provider,
		Beneficiary: n.State, Region: n.Region, Beneficiaries: beneficiariesOf([]string{n.State}, "en"), ImplementerKind: o.ProviderKind, ImplementerISO3: o.State, ImplementerOrg: o.OrgID, Implementer: o.Provider,
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_projects (id, match_id, need_id, offer_id, title, summary, beneficiary_iso3, region, beneficiaries, regions, implementer_kind,
		implementer_state, implementer_org, implementer_name, norms, topics, starts_on, ends_on, status, review, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.MatchID, p.NeedID, p.OfferID, p.Title, p.Summary, p.Beneficiary, p.Region, joinList(p.beneficiaryStates()), joinList(p.beneficiaryRegions()), p.ImplementerKind,
		p.ImplementerISO3, p.ImplementerOrg, p.Implementer, joinList(p.Norms), joinList(p.Topics), p.StartsOn, p.EndsOn, p.Status, p.Review, now, now); err != nil {
		return p, fmt.Errorf("insert project: %w", err)
	}
	im := Implementer{Kind: o.ProviderKind, State: o.State, OrgID: o.OrgID, OfferID: o.ID, MatchID: e.ID, Name: o.Provider, Lead: true, JoinedAt: now}
	if err := insertImplementer(ctx, tx, p.ID, im); err != nil {
		return p, err
	}
	p.Implementers = []Implementer{im}
	return p, audit.Record(ctx, tx, "capacity.project.create", "capacity_project", p.ID, nil, map[string]any{"match": e.ID, "beneficiary": p.Beneficiary, "implementer": p.Implementer})
}

func insertImplementer(ctx context.Context, tx *db.Tx, projectID string, im Implementer) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO capacity_project_implementers (project_id, offer_id, match_id, kind, state_iso3, org_id, name, lead, joined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		projectID, im.OfferID, im.MatchID, im.Kind, im.State, im.OrgID, im.Name, im.Lead, im.JoinedAt)
	if db.IsUniqueViolation(err) {
		return conflict("this offer already implements the project")
	}
	return err
}

// joinProject adds the offerer of an accepted match to the need's running
// project as a further implementer: a need can have several implementers,
// each chosen by the requesting State, in one project.
func (s *Service) joinProject(ctx context.Context, tx *db.Tx, projectID string, e Engagement, o Offer) (Project, error) {
	p, err := s.loadProject(ctx, tx, projectID)
	if err != nil {
		return p, err
	}
	im := Implementer{Kind: o.ProviderKind, State: o.State, OrgID: o.OrgID, OfferID: o.ID, MatchID: e.ID, Name: o.Provider, JoinedAt: s.now()}
	if err := insertImplementer(ctx, tx, p.ID, im); err != nil {
		return p, err
	}
	p.Implementers = append(p.Implementers, im)
	names := make([]string, len(p.Implementers))
	for i, x := range p.Implementers {
		names[i] = x.Name
	}
	p.Implementer, p.UpdatedAt = strings.Join(names, "; "), im.JoinedAt
	if _, err := tx.ExecContext(ctx, `UPDATE capacity_projects SET implementer_name = ?, updated_at = ? WHERE id = ?`, p.Implementer, p.UpdatedAt, p.ID); err != nil {
		return p, err
	}
	if err := s.indexProject(ctx, tx, p); err != nil {
		return p, err
	}
	return p, audit.Record(ctx, tx, "capacity.project.implementer", "capacity_project", p.ID, nil, map[string]any{"match": e.ID, "offer": o.ID, "implementers": len(p.Implementers)})
}

// Milestone is a dated step of a project.
type Milestone struct {
	ID         string    `json:"id"`
	ProjectID  string    `json:"project_id"`
	Title      string    `json:"title"`
	DueOn      string    `json:"due_on"`
	Status     string    `json:"status"`
	DoneOn     string    `json:"done_on,omitempty"`
	RemindedOn string    `json:"reminded_on,omitempty"`
	Overdue    bool      `json:"overdue"`
	CreatedAt  time.Time `json:"created_at"`
}

// MilestoneStatuses are a milestone's statuses.
var MilestoneStatuses = []string{"planned", "in-progress", "done", "cancelled"}

// Update is a progress note a party posts.
type Update struct {
	ID         string    `json:"id"`
	AuthorName string    `json:"author"`
	Party      string    `json:"party"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

// ProjectInput is what the parties edit.
type ProjectInput struct {
	Title      string `json:"title"`
	Summary    string `json:"summary"`
	Funders    string `json:"funders"`
	StartsOn   string `json:"starts_on"`
	EndsOn     string `json:"ends_on"`
	Budget     string `json:"budget"`
	Status     string `json:"status"`
	Outcome    string `json:"outcome" text:"multiline"`
	Evaluation string `json:"evaluation" text:"multiline"`
	// Beneficiaries, when given, replaces the beneficiary States (ISO3):
	// the lead stays, first; only a beneficiary's staff may change them.
	Beneficiaries []string `json:"beneficiaries,omitempty" doc:"every beneficiary State (ISO3), the lead (the need's State) included; omitted: unchanged. Only a beneficiary State's staff may change it"`
}

// MaxBeneficiaries is how many States one project may serve.
const MaxBeneficiaries = 30

// checkBeneficiaries validates a new list of beneficiaries for p: known
// States, the lead kept (and put first), no more than MaxBeneficiaries.
func checkBeneficiaries(p Project, in []string) ([]string, error) {
	out := []string{p.Beneficiary}
	kept := false
	for _, v := range in {
		v = strings.ToUpper(strings.TrimSpace(v))
		switch {
		case v == "":
			continue
		case v == p.Beneficiary:
			kept = true
		case utf8.RuneCountInString(v) != 3 || regionOf(v) == "":
			if _, err := checkLine("beneficiaries", v, 0, 100); err != nil {
				return nil, err
			}
			return nil, invalid("beneficiaries", "%q is not the ISO 3166-1 alpha-3 code of a State", v)
		}
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	if !kept {
		return nil, invalid("beneficiaries", "must keep the requesting State (%s)", p.Beneficiary)
	}
	if len(out) > MaxBeneficiaries {
		return nil, invalid("beneficiaries", "at most %d States", MaxBeneficiaries)
	}
	return out, nil
}

// MilestoneInput adds a milestone or changes its status.
type MilestoneInput struct {
	Title  string `json:"title,omitempty"`
	DueOn  string `json:"due_on,omitempty"`
	Status string `json:"status,omitempty"`
}

// UpdateInput is a progress update.
type UpdateInput struct {
	Body string `json:"body"`
}

// ReviewInput is the secretariat's decision on a project's publication.
type ReviewInput struct {
	Publish bool `json:"publish"`
}

// ProjectView is a project with its milestones and updates.
type ProjectView struct {
	Project
	Milestones []Milestone `json:"milestones"`
	Updates    []Update    `json:"updates"`
	Party      bool        `json:"-"`
	Reviewer   bool        `json:"-"`
}

// party names the side the viewer acts for in a project, or "".
func (v viewer) party(p Project) string {
	for _, b := range p.Beneficiaries {
		if v.u.ActsFor(b.State) {
			return "beneficiary"
		}
	}
	for _, i := range p.Implementers {
		if v.actsForImplementer(i) {
			return "implementer"
		}
	}
	return ""
}

// canSeeProject: the parties and the secretariat always; everyone once the
// secretariat has published it.
func (v viewer) canSeeProject(p Project) bool {
	return p.Review == ReviewPublished || v.secretariat() || v.party(p) != ""
}

// ProjectByID reads a project the acting user may see, with its milestones
// and updates. The budget is the parties' and the secretariat's only.
func (s *Service) ProjectByID(ctx context.Context, projectID string) (ProjectView, error) {
	p, err := s.loadProject(ctx, s.P.DB, projectID)
	if err != nil {
		return ProjectView{}, err
	}
	v := s.viewer(ctx)
	if !v.canSeeProject(p) {
		return ProjectView{}, ErrNotFound
	}
	pv := ProjectView{Project: p, Party: v.party(p) != "", Reviewer: v.secretariat()}
	if !pv.Party && !pv.Reviewer {
		pv.Budget = ""
	}
	if pv.Milestones, err = s.milestones(ctx, s.P.DB, p.ID); err != nil {
		return pv, err
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT id, author_name, party, body, created_at FROM capacity_updates WHERE project_id = ? ORDER BY created_at DESC, id DESC`, p.ID)
	if err != nil {
		return pv, err
	}
	defer rows.Close()
	pv.Updates = []Update{}
	for rows.Next() {
		var u Update
		if err := rows.Scan(&u.ID, &u.AuthorName, &u.Party, &u.Body, &u.CreatedAt); err != nil {
			return pv, err
		}
		u.CreatedAt = u.CreatedAt.UTC()
		pv.Updates = append(pv.Updates, u)
	}
	return pv, rows.Err()
}

func (s *Service) milestones(ctx context.Context, q querier, projectID string) ([]Milestone, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, project_id, title, due_on, status, done_on, reminded_on, created_at FROM capacity_milestones WHERE project_id = ? ORDER BY due_on, id`, projectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Milestone{}
	today := s.today()
	for rows.Next() {
		var m Milestone
		if err := rows.Scan(&m.ID, &m.ProjectID, &m.Title, &m.DueOn, &m.Status, &m.DoneOn, &m.RemindedOn, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.CreatedAt = m.CreatedAt.UTC()
		m.Overdue = (m.Status == "planned" || m.Status == "in-progress") && m.DueOn < today
		out = append(out, m)
	}
	return out, rows.Err()
}

// partyTx loads a project for a write by one of its parties.
func (s *Service) partyTx(ctx context.Context, tx *db.Tx, projectID string) (Project, string, error) {
	p, err := s.loadProject(ctx, tx, projectID)
	if err != nil {
		return p, "", err
	}
	v := s.viewer(ctx)
	party := v.party(p)
	if party == "" {
		if v.canSeeProject(p) {
			return p, "", ErrForbidden
		}
		return p, "", ErrNotFound
	}
	return p, party, nil
}

// UpdateProject changes a project's details, status, outcome and
// evaluation (its parties).
func (s *Service) UpdateProject(ctx context.Context, projectID string, in ProjectInput) (Project, error) {
	var out Project
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, party, err := s.partyTx(ctx, tx, projectID)
		if err != nil {
			return err
		}
		before := map[string]any{"status": p.Status, "review": p.Review, "beneficiaries": p.beneficiaryStates()}
		var added []string
		if in.Beneficiaries != nil {
			list, err := checkBeneficiaries(p, in.Beneficiaries)
			if err != nil {
				return err
			}
			if !slices.Equal(list, p.beneficiaryStates()) {
				if party != "beneficiary" {
					return &api.Error{Status: http.StatusForbidden, Code: "forbidden", Field: "beneficiaries",
						Message: "only a beneficiary State changes the beneficiaries", Format: "only a beneficiary State changes the beneficiaries"}
				}
				for _, x := range list {
					if !contains(p.beneficiaryStates(), x) {
						added = append(added, x)
					}
				}
				p.Beneficiaries = beneficiariesOf(list, "en")
			}
		}
		if p.Title, err = checkLine("title", in.Title, 3, 200); err != nil {
			return err
		}
		if p.Summary, err = checkText("summary", in.Summary, 0, 20000); err != nil {
			return err
		}
		if p.Funders, err = checkLine("funders", in.Funders, 0, 300); err != nil {
			return err
		}
		if p.Budget, err = checkLine("budget", in.Budget, 0, 100); err != nil {
			return err
		}
		if p.StartsOn, p.EndsOn, err = checkPeriod("starts_on", in.StartsOn, "ends_on", in.EndsOn); err != nil {
			return err
		}
		if !contains([]string{ProjectRunning, ProjectFinished, ProjectCancelled}, in.Status) {
			return invalid("status", "must be running, finished or cancelled")
		}
		p.Status = in.Status
		if p.Outcome, err = checkText("outcome", in.Outcome, 0, 20000); err != nil {
			return err
		}
		if p.Evaluation, err = checkText("evaluation", in.Evaluation, 0, 20000); err != nil {
			return err
		}
		if p.Evaluation != "" && p.Status == ProjectRunning {
			return invalid("evaluation", "is written when the project is finished or cancelled")
		}
		p.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_projects SET title = ?, summary = ?, funders = ?, budget = ?, starts_on = ?, ends_on = ?, status = ?, outcome = ?, evaluation = ?,
			beneficiaries = ?, regions = ?, updated_at = ? WHERE id = ?`,
			p.Title, p.Summary, p.Funders, p.Budget, p.StartsOn, p.EndsOn, p.Status, p.Outcome, p.Evaluation, joinList(p.beneficiaryStates()), joinList(p.beneficiaryRegions()), p.UpdatedAt, p.ID); err != nil {
			return err
		}
		if err := s.indexProject(ctx, tx, p); err != nil {
			return err
		}
		if err := s.tellBeneficiaries(ctx, tx, p, added); err != nil {
			return err
		}
		out = p
		return audit.Record(ctx, tx, "capacity.project.update", "capacity_project", p.ID, before, map[string]any{"status": p.Status, "review": p.Review, "beneficiaries": p.beneficiaryStates()})
	})
	return out, err
}

// AddMilestone adds a milestone (its parties).
func (s *Service) AddMilestone(ctx context.Context, projectID string, in MilestoneInput) (Milestone, error) {
	var m Milestone
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, _, err := s.partyTx(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if m.Title, err = checkLine("title", in.Title, 3, 200); err != nil {
			return err
		}
		if m.DueOn, err = checkDate("due_on", in.DueOn); err != nil {
			return err
		}
		if m.DueOn == "" {
			return invalid("due_on", "is required")
		}
		if p.StartsOn != "" && m.DueOn < p.StartsOn {
			return invalid("due_on", "must not be before the project starts (%s)", p.StartsOn)
		}
		m.Status = "planned"
		if in.Status != "" {
			if !contains(MilestoneStatuses, in.Status) {
				return invalid("status", "must be planned, in-progress, done or cancelled")
			}
			m.Status = in.Status
		}
		if m.Status == "done" {
			m.DoneOn = s.today()
		}
		m.ID, m.ProjectID, m.CreatedAt = id.New(), p.ID, s.now()
		m.Overdue = (m.Status == "planned" || m.Status == "in-progress") && m.DueOn < s.today()
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_milestones (id, project_id, title, due_on, status, done_on, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			m.ID, m.ProjectID, m.Title, m.DueOn, m.Status, m.DoneOn, m.CreatedAt, m.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.milestone.create", "capacity_milestone", m.ID, nil, map[string]string{"project": p.ID, "due_on": m.DueOn, "status": m.Status})
	})
	return m, err
}

// SetMilestone changes a milestone's status (its project's parties).
func (s *Service) SetMilestone(ctx context.Context, projectID, milestoneID string, in MilestoneInput) (Milestone, error) {
	var out Milestone
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, _, err := s.partyTx(ctx, tx, projectID)
		if err != nil {
			return err
		}
		ms, err := s.milestones(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		var m *Milestone
		for i := range ms {
			if ms[i].ID == milestoneID {
				m = &ms[i]
			}
		}
		if m == nil {
			return ErrNotFound
		}
		if !contains(MilestoneStatuses, in.Status) {
			return invalid("status", "must be planned, in-progress, done or cancelled")
		}
		before := m.Status
		m.Status, m.DoneOn = in.Status, ""
		if m.Status == "done" {
			m.DoneOn = s.today()
		}
		m.Overdue = (m.Status == "planned" || m.Status == "in-progress") && m.DueOn < s.today()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_milestones SET status = ?, done_on = ?, updated_at = ? WHERE id = ?`, m.Status, m.DoneOn, s.now(), m.ID); err != nil {
			return err
		}
		out = *m
		return audit.Record(ctx, tx, "capacity.milestone.status", "capacity_milestone", m.ID, map[string]string{"status": before}, map[string]string{"status": m.Status})
	})
	return out, err
}

// PostUpdate records a progress update (the parties only).
func (s *Service) PostUpdate(ctx context.Context, projectID string, in UpdateInput) (Update, error) {
	var u Update
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, party, err := s.partyTx(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if u.Body, err = checkText("body", in.Body, 1, 20000); err != nil {
			return err
		}
		author := s.viewer(ctx).u
		u.ID, u.AuthorName, u.Party, u.CreatedAt = id.New(), author.Name, party, s.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_updates (id, project_id, author_id, author_name, party, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, p.ID, author.ID, u.AuthorName, u.Party, u.Body, u.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "capacity.project.update_posted", "capacity_project", p.ID, nil, map[string]string{"update": u.ID, "party": party})
	})
	return u, err
}

// RequestPublication asks the secretariat to publish the project in the
// directory (its parties).
func (s *Service) RequestPublication(ctx context.Context, projectID string) (Project, error) {
	var out Project
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, _, err := s.partyTx(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if p.Review == ReviewPending || p.Review == ReviewPublished {
			return conflict("the project is already %s", p.Review)
		}
		before := p.Review
		p.Review, p.UpdatedAt = ReviewPending, s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_projects SET review = ?, updated_at = ? WHERE id = ?`, p.Review, p.UpdatedAt, p.ID); err != nil {
			return err
		}
		out = p
		return audit.Record(ctx, tx, "capacity.project.request_publication", "capacity_project", p.ID, map[string]string{"review": before}, map[string]string{"review": p.Review})
	})
	return out, err
}

// ReviewProject publishes or rejects a project waiting for review (the
// secretariat).
func (s *Service) ReviewProject(ctx context.Context, projectID string, in ReviewInput) (Project, error) {
	var out Project
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := s.loadProject(ctx, tx, projectID)
		if err != nil {
			return err
		}
		if !s.viewer(ctx).secretariat() {
			return ErrForbidden
		}
		if p.Review != ReviewPending {
			return conflict("the project is not waiting for review (%s)", p.Review)
		}
		now := s.now()
		p.Review, p.UpdatedAt = ReviewRejected, now
		if in.Publish {
			p.Review, p.PublishedAt = ReviewPublished, &now
		}
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_projects SET review = ?, updated_at = ?, published_at = ? WHERE id = ?`, p.Review, now, p.PublishedAt, p.ID); err != nil {
			return err
		}
		if err := s.indexProject(ctx, tx, p); err != nil {
			return err
		}
		out = p
		return audit.Record(ctx, tx, "capacity.project.review", "capacity_project", p.ID, map[string]string{"review": ReviewPending}, map[string]string{"review": p.Review})
	})
	return out, err
}

func (s *Service) indexProject(ctx context.Context, tx *db.Tx, p Project) error {
	if p.Review != ReviewPublished {
		return search.Remove(ctx, tx, SearchProject, p.ID)
	}
	d := search.Document{Kind: SearchProject, Ref: p.ID, Lang: "en", Title: p.Title, Body: p.Implementer + "\n" + p.Summary + "\n" + p.Outcome,
		URL: "/capacity/projects/" + p.ID, Norms: p.Norms, Status: p.Status, Region: p.Region, State: p.Beneficiary}
	if p.PublishedAt != nil {
		d.Year = p.PublishedAt.Year()
	}
	return search.Index(ctx, tx, d)
}

// ProjectFilter narrows the directory.
type ProjectFilter struct {
	// Beneficiaries: projects serving any of these States (ISO3).
	Beneficiaries                                    []string
	Region, Norm, Topic, Funder, Implementer, Status string
	Own                                              bool // the viewer's own projects, whatever their review
	Pending                                          bool // the secretariat's review queue
	Limit                                            int
}

// Projects lists the directory: published projects, or with Own the
// viewer's, or with Pending (secretariat) those waiting for review.
func (s *Service) Projects(ctx context.Context, f ProjectFilter) ([]Project, error) {
	v := s.viewer(ctx)
	var conds []string
	var args []any
	switch {
	case f.Pending && v.secretariat():
		conds = append(conds, "p.review = 'pending'")
	case f.Own && v.u != nil:
		own := []string{}
		if st := v.state(); st != "" {
			own = append(own, "p.beneficiaries LIKE ?", "p.id IN (SELECT project_id FROM capacity_project_implementers WHERE kind = 'state' AND state_iso3 = ?)")
			args = append(args, "% "+st+" %", st)
		}
		if v.u.OrgID != "" {
			own = append(own, "p.id IN (SELECT project_id FROM capacity_project_implementers WHERE kind = 'organisation' AND org_id = ?)")
			args = append(args, v.u.OrgID)
		}
		if len(own) == 0 {
			return []Project{}, nil
		}
		conds = append(conds, "("+strings.Join(own, " OR ")+")")
	default:
		conds = append(conds, "p.review = 'published'")
	}
	if len(f.Beneficiaries) > 0 {
		anyOf := make([]string, len(f.Beneficiaries))
		for i, b := range f.Beneficiaries {
			anyOf[i] = "p.beneficiaries LIKE ?"
			args = append(args, "% "+b+" %")
		}
		conds = append(conds, "("+strings.Join(anyOf, " OR ")+")")
	}
	if f.Status != "" {
		conds = append(conds, "p.status = ?")
		args = append(args, f.Status)
	}
	for _, x := range []struct{ col, v string }{{"p.regions", " " + f.Region + " "}, {"p.norms", " " + f.Norm + " "}, {"p.topics", " " + f.Topic + " "}, {"p.funders", f.Funder}, {"p.implementer_name", f.Implementer}} {
		if strings.TrimSpace(x.v) != "" {
			conds = append(conds, "LOWER("+x.col+") LIKE ?")
			args = append(args, "%"+strings.ToLower(x.v)+"%")
		}
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 1000
	}
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+projectCols+` FROM capacity_projects p WHERE `+strings.Join(conds, " AND ")+` ORDER BY p.created_at DESC, p.id DESC LIMIT `+fmt.Sprint(f.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out := []Project{}
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := s.withImplementers(ctx, s.P.DB, out); err != nil {
		return nil, err
	}
	for i := range out {
		if !v.secretariat() && v.party(out[i]) == "" {
			out[i].Budget = ""
		}
	}
	return out, nil
}

// RemindOverdue e-mails the parties of every project whose milestones are
// overdue at the day of at (not done or cancelled, due before that day),
// once a week per milestone. It is the periodic job capacity.reminders.
func (s *Service) RemindOverdue(ctx context.Context, at time.Time) (int, error) {
	today := at.UTC().Format("2006-01-02")
	weekAgo := at.UTC().AddDate(0, 0, -7).Format("2006-01-02")
	rows, err := s.P.DB.QueryContext(ctx, `SELECT m.id, m.title, m.due_on, m.project_id FROM capacity_milestones m
		WHERE m.status IN ('planned', 'in-progress') AND m.due_on < ? AND (m.reminded_on = '' OR m.reminded_on <= ?) ORDER BY m.due_on LIMIT 500`, today, weekAgo)
	if err != nil {
		return 0, err
	}
	type due struct{ id, title, dueOn, project string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.title, &d.dueOn, &d.project); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range list {
		err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE capacity_milestones SET reminded_on = ? WHERE id = ? AND (reminded_on = '' OR reminded_on <= ?)`, today, d.id, weekAgo)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // another instance reminded it
			}
			p, err := s.loadProject(ctx, tx, d.project)
			if err != nil {
				return err
			}
			link := s.P.Link("/capacity/projects/" + p.ID)
			remind := func(lang string, t tr) (string, string) {
				return t("capacity.mail.overdue.subject", d.title), t("capacity.mail.overdue.body", d.title, p.Title, web.LongDate(lang, d.dueOn), link)
			}
			for _, b := range p.Beneficiaries {
				if err := s.mailState(ctx, tx, b.State, remind); err != nil {
					return err
				}
			}
			for _, im := range p.Implementers {
				if im.Kind == "state" {
					err = s.mailState(ctx, tx, im.State, remind)
				} else {
					err = s.mailOrg(ctx, tx, im.OrgID, remind)
				}
				if err != nil {
					return err
				}
			}
			n++
			return audit.Record(ctx, tx, "capacity.milestone.reminded", "capacity_milestone", d.id, nil, map[string]string{"project": p.ID, "due_on": d.dueOn})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// tellBeneficiaries e-mails the staff of each State just named a
// beneficiary of the project, in their languages.
func (s *Service) tellBeneficiaries(ctx context.Context, tx *db.Tx, p Project, added []string) error {
	link := s.P.Link("/capacity/projects/" + p.ID)
	for _, iso := range added {
		err := s.mailState(ctx, tx, iso, func(lang string, t tr) (string, string) {
			return t("capacity.mail.beneficiary.subject", p.Title), t("capacity.mail.beneficiary.body", p.Title, stateName(p.Beneficiary, lang), stateName(iso, lang), link)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
