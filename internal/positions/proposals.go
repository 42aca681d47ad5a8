package positions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Proposal statuses.
var ProposalStatuses = []string{"proposed", "under-discussion", "agreed", "withdrawn"}

// Stances on a proposal, in the order they are shown.
var ProposalStances = []string{"supports", "supports-with-amendments", "opposes", "undecided", "not-stated"}

// Sources of a State's position on a proposal.
var SourceKinds = []string{"statement", "document", "vote", "public-statement"}

// Proposal is a proposed norm under discussion.
type Proposal struct {
	ID             string          `json:"id"`
	NormID         string          `json:"norm_id,omitempty" doc:"the framework norm it proposes, e.g. proposed-supply-chain"`
	Title          string          `json:"title"`
	Text           string          `json:"text"`
	Rationale      string          `json:"rationale"`
	ProposedBy     string          `json:"proposed_by"`
	ProposerStates []string        `json:"proposer_states"`
	SourceURL      string          `json:"source_url"`
	Body           string          `json:"body"`
	Session        string          `json:"session"`
	Status         string          `json:"status"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	Events         []ProposalEvent `json:"events"`
}

// ProposalEvent is a dated change of a proposal's status.
type ProposalEvent struct {
	Status string `json:"status"`
	OnDate string `json:"on_date"`
	Note   string `json:"note,omitempty"`
}

// ProposalStance is a State's position on a proposal at one time; the
// newest per State is current, the others are its history.
type ProposalStance struct {
	ID            string    `json:"id"`
	Proposal      string    `json:"proposal"`
	State         string    `json:"state"`
	StateName     string    `json:"state_name"`
	Stance        string    `json:"stance"`
	Amendment     string    `json:"amendment,omitempty"`
	Reason        string    `json:"reason,omitempty"`
	StatedOn      string    `json:"stated_on"`
	SourceKind    string    `json:"source_kind"`
	SourceRef     string    `json:"source_ref,omitempty"`
	BySecretariat bool      `json:"by_secretariat"`
	Current       bool      `json:"current"`
	CreatedAt     time.Time `json:"created_at"`
}

// ProposalEndorsement is a stakeholder organisation's endorsement, shown
// apart from States' positions and never counted as one.
type ProposalEndorsement struct {
	OrgSlug    string `json:"organisation"`
	OrgName    string `json:"organisation_name"`
	EndorsedOn string `json:"endorsed_on"`
	Note       string `json:"note,omitempty"`
}

// ProposalInput creates a proposal (secretariat).
type ProposalInput struct {
	ID             string   `json:"id" doc:"stable identifier (lower case, digits, '-')"`
	NormID         string   `json:"norm_id,omitempty"`
	Title          string   `json:"title"`
	Text           string   `json:"text"`
	Rationale      string   `json:"rationale,omitempty"`
	ProposedBy     string   `json:"proposed_by" doc:"a State, several States, a body or an organisation, as it signs"`
	ProposerStates []string `json:"proposer_states,omitempty" doc:"ISO3 codes of proposing States"`
	SourceURL      string   `json:"source_url,omitempty"`
	Body           string   `json:"body,omitempty" doc:"where it is discussed"`
	Session        string   `json:"session,omitempty"`
	ProposedOn     string   `json:"proposed_on" doc:"YYYY-MM-DD"`
}

// StatusInput changes a proposal's status (secretariat).
type StatusInput struct {
	Status string `json:"status" doc:"proposed, under-discussion, agreed or withdrawn"`
	OnDate string `json:"on_date" doc:"YYYY-MM-DD, not in the future"`
	Note   string `json:"note,omitempty"`
}

// StanceOnProposalInput records a State's position on a proposal.
type StanceOnProposalInput struct {
	State      string `json:"state,omitempty" doc:"ISO3; the secretariat names it, an approver's own State otherwise"`
	Stance     string `json:"stance" doc:"supports, supports-with-amendments, opposes, undecided or not-stated"`
	Amendment  string `json:"amendment,omitempty" text:"multiline" doc:"required with supports-with-amendments"`
	Reason     string `json:"reason,omitempty"`
	StatedOn   string `json:"stated_on" doc:"YYYY-MM-DD, not in the future"`
	SourceKind string `json:"source_kind" doc:"statement, document, vote or public-statement"`
	SourceRef  string `json:"source_ref,omitempty" doc:"the statement, document or vote: an address or a reference; required from the secretariat"`
}

// EndorseInput is a stakeholder organisation's endorsement.
type EndorseInput struct {
	Note string `json:"note,omitempty"`
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

const proposalColumns = `id, norm_id, title, text, rationale, proposed_by, proposer_states, source_url, body, session, status, created_at, updated_at`

func scanProposal(row interface{ Scan(...any) error }) (Proposal, error) {
	var p Proposal
	var ps string
	err := row.Scan(&p.ID, &p.NormID, &p.Title, &p.Text, &p.Rationale, &p.ProposedBy, &ps, &p.SourceURL, &p.Body, &p.Session, &p.Status, &p.CreatedAt, &p.UpdatedAt)
	p.ProposerStates = splitList(ps)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.Events = []ProposalEvent{}
	return p, err
}

// Proposals lists the proposals.
func Proposals(ctx context.Context, q db.Querier) ([]Proposal, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+proposalColumns+` FROM positions_proposals ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Proposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProposalByID returns a proposal with its status history.
func ProposalByID(ctx context.Context, q db.Querier, pid string) (Proposal, error) {
	p, err := scanProposal(q.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM positions_proposals WHERE id = ?`, pid))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	rows, err := q.QueryContext(ctx, `SELECT status, on_date, note FROM positions_proposal_events WHERE proposal_id = ? ORDER BY on_date, created_at`, pid)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var e ProposalEvent
		if err := rows.Scan(&e.Status, &e.OnDate, &e.Note); err != nil {
			return p, err
		}
		p.Events = append(p.Events, e)
	}
	return p, rows.Err()
}

// ProposalForNorm returns the proposal record of a framework norm, if any
// (ErrNotFound otherwise): the framework's norm pages can link to it.
func ProposalForNorm(ctx context.Context, q db.Querier, normID string) (Proposal, error) {
	var pid string
	err := q.QueryRowContext(ctx, `SELECT id FROM positions_proposals WHERE norm_id = ? ORDER BY created_at LIMIT 1`, normID).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return Proposal{}, ErrNotFound
	}
	if err != nil {
		return Proposal{}, err
	}
	return ProposalByID(ctx, q, pid)
}

// proposalStances returns the stances on a proposal: the current ones, or
// the whole history in the order they were stated.
func proposalStances(ctx context.Context, q db.Querier, pid string, currentOnly bool, lang string) ([]ProposalStance, error) {
	query := `SELECT id, proposal_id, state_iso3, stance, amendment, reason, stated_on, source_kind, source_ref, by_secretariat, current, created_at FROM positions_proposal_stances WHERE proposal_id = ?`
	args := []any{pid}
	if currentOnly {
		query += ` AND current = ?`
		args = append(args, true)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY stated_on, created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ProposalStance{}
	for rows.Next() {
		var s ProposalStance
		if err := rows.Scan(&s.ID, &s.Proposal, &s.State, &s.Stance, &s.Amendment, &s.Reason, &s.StatedOn, &s.SourceKind, &s.SourceRef, &s.BySecretariat, &s.Current, &s.CreatedAt); err != nil {
			return nil, err
		}
		s.CreatedAt = s.CreatedAt.UTC()
		s.StateName = stateName(s.State, lang)
		out = append(out, s)
	}
	return out, rows.Err()
}

func proposalEndorsements(ctx context.Context, q db.Querier, pid string) ([]ProposalEndorsement, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.slug, o.name, e.endorsed_on, e.note FROM positions_proposal_endorsements e JOIN organisations o ON o.id = e.org_id WHERE e.proposal_id = ? ORDER BY e.endorsed_on, o.name`, pid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ProposalEndorsement{}
	for rows.Next() {
		var e ProposalEndorsement
		if err := rows.Scan(&e.OrgSlug, &e.OrgName, &e.EndorsedOn, &e.Note); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateProposal records a proposal (secretariat).
func (s *Service) CreateProposal(ctx context.Context, in ProposalInput) (Proposal, error) {
	if _, err := actor(ctx); err != nil {
		return Proposal{}, err
	}
	in.ID = strings.TrimSpace(in.ID)
	if !slugRE.MatchString(in.ID) {
		return Proposal{}, api.Invalid("id", "must be lower-case letters, digits and '-' (at most 63)")
	}
	var err error
	if in.Title, err = line("title", in.Title, true, 300); err != nil {
		return Proposal{}, err
	}
	if in.Text, err = text("text", in.Text, true, 20000); err != nil {
		return Proposal{}, err
	}
	if in.Rationale, err = text("rationale", in.Rationale, false, 20000); err != nil {
		return Proposal{}, err
	}
	if in.ProposedBy, err = line("proposed_by", in.ProposedBy, true, 300); err != nil {
		return Proposal{}, err
	}
	if in.SourceURL, err = sourceURL("source_url", in.SourceURL, false); err != nil {
		return Proposal{}, err
	}
	if in.Body, err = line("body", in.Body, false, 300); err != nil {
		return Proposal{}, err
	}
	if in.Session, err = line("session", in.Session, false, 300); err != nil {
		return Proposal{}, err
	}
	if in.NormID, err = line("norm_id", in.NormID, false, 100); err != nil {
		return Proposal{}, err
	}
	if in.NormID != "" {
		var n int
		if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM norms WHERE id = ?`, in.NormID).Scan(&n); err != nil {
			return Proposal{}, err
		}
		if n == 0 {
			return Proposal{}, api.Invalid("norm_id", fmt.Sprintf("%q is not a norm of the framework", in.NormID))
		}
	}
	var codes []string
	for _, c := range in.ProposerStates {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !states.Known(c) {
			return Proposal{}, api.Invalid("proposer_states", fmt.Sprintf("%q is not the ISO3 code of a State", c))
		}
		codes = append(codes, c)
	}
	on, _, err := date("proposed_on", in.ProposedOn)
	if err != nil {
		return Proposal{}, err
	}
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_proposals (`+proposalColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.ID, in.NormID, in.Title, in.Text, in.Rationale, in.ProposedBy, joinList(codes), in.SourceURL, in.Body, in.Session, "proposed", at, at); err != nil {
			if db.IsUniqueViolation(err) {
				return api.Errorf(http.StatusConflict, "exists", "id", "there is already a proposal %q", in.ID)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_proposal_events (id, proposal_id, status, on_date, note, created_at) VALUES (?, ?, ?, ?, ?, ?)`, id.New(), in.ID, "proposed", on, "", at); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "proposal.create", "proposal", in.ID, nil, map[string]any{"title": in.Title, "proposed_by": in.ProposedBy, "norm_id": in.NormID})
	})
	if err != nil {
		return Proposal{}, err
	}
	return ProposalByID(ctx, s.DB, in.ID)
}

// ChangeStatus records a dated change of a proposal's status (secretariat)
// and tells the proposal's followers.
func (s *Service) ChangeStatus(ctx context.Context, pid string, in StatusInput) (Proposal, error) {
	if _, err := actor(ctx); err != nil {
		return Proposal{}, err
	}
	if !oneOf(in.Status, ProposalStatuses) {
		return Proposal{}, api.Invalid("status", "must be one of "+strings.Join(ProposalStatuses, ", "))
	}
	on, _, err := date("on_date", in.OnDate)
	if err != nil {
		return Proposal{}, err
	}
	if in.Note, err = line("note", in.Note, false, 500); err != nil {
		return Proposal{}, err
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err := ProposalByID(ctx, tx, pid)
		if err != nil {
			return err
		}
		if p.Status == in.Status {
			return api.Errorf(http.StatusConflict, "unchanged", "status", "the proposal is already %s", in.Status)
		}
		if n := len(p.Events); n > 0 && on < p.Events[n-1].OnDate {
			return api.Invalid("on_date", "cannot be before the last change of status ("+p.Events[n-1].OnDate+")")
		}
		at := now()
		if _, err := tx.ExecContext(ctx, `UPDATE positions_proposals SET status = ?, updated_at = ? WHERE id = ?`, in.Status, at, pid); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_proposal_events (id, proposal_id, status, on_date, note, created_at) VALUES (?, ?, ?, ?, ?, ?)`, id.New(), pid, in.Status, on, in.Note, at); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "proposal.status", "proposal", pid, map[string]string{"status": p.Status}, map[string]string{"status": in.Status, "on_date": on}); err != nil {
			return err
		}
		return s.notifyStatus(ctx, tx, p, in.Status, on)
	})
	if err != nil {
		return Proposal{}, err
	}
	return ProposalByID(ctx, s.DB, pid)
}

// RecordStance records a State's position on a proposal: its approver for
// its own State, or the secretariat from a public statement (marked as
// such). The earlier position stays in the history.
func (s *Service) RecordStance(ctx context.Context, pid string, in StanceOnProposalInput) (ProposalStance, error) {
	u, err := actor(ctx)
	if err != nil {
		return ProposalStance{}, err
	}
	in.State = strings.ToUpper(strings.TrimSpace(in.State))
	bySecretariat := false
	switch {
	case u.Role == auth.RoleStateApprover:
		if in.State == "" {
			in.State = u.StateISO3
		}
		if in.State != u.StateISO3 {
			return ProposalStance{}, api.Errorf(http.StatusForbidden, "forbidden", "state", "you may record only your own State's position")
		}
	case u.Role == auth.RoleSecretariat:
		bySecretariat = true
		if in.State == "" {
			return ProposalStance{}, api.Invalid("state", "is required: the State whose public statement you record")
		}
		if !states.Known(in.State) {
			return ProposalStance{}, api.Invalid("state", fmt.Sprintf("%q is not the ISO3 code of a State", in.State))
		}
	default:
		return ProposalStance{}, ErrForbidden
	}
	if !oneOf(in.Stance, ProposalStances) {
		return ProposalStance{}, api.Invalid("stance", "must be one of "+strings.Join(ProposalStances, ", "))
	}
	if in.Amendment, err = text("amendment", in.Amendment, in.Stance == "supports-with-amendments", 5000); err != nil {
		return ProposalStance{}, err
	}
	if in.Stance != "supports-with-amendments" && in.Amendment != "" {
		return ProposalStance{}, api.Invalid("amendment", "only a position supporting with amendments carries an amendment")
	}
	if in.Reason, err = text("reason", in.Reason, false, 5000); err != nil {
		return ProposalStance{}, err
	}
	on, _, err := date("stated_on", in.StatedOn)
	if err != nil {
		return ProposalStance{}, err
	}
	if !oneOf(in.SourceKind, SourceKinds) {
		return ProposalStance{}, api.Invalid("source_kind", "must be one of "+strings.Join(SourceKinds, ", "))
	}
	if in.SourceRef, err = line("source_ref", in.SourceRef, bySecretariat, 500); err != nil {
		return ProposalStance{}, err
	}
	if strings.Contains(in.SourceRef, "://") {
		if _, err := sourceURL("source_ref", in.SourceRef, false); err != nil {
			return ProposalStance{}, err
		}
	}
	st := ProposalStance{ID: id.New(), Proposal: pid, State: in.State, StateName: stateName(in.State, "en"), Stance: in.Stance, Amendment: in.Amendment, Reason: in.Reason,
		StatedOn: on, SourceKind: in.SourceKind, SourceRef: in.SourceRef, BySecretariat: bySecretariat, Current: true, CreatedAt: now()}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := ProposalByID(ctx, tx, pid); err != nil {
			return err
		}
		var before *ProposalStance
		var prevOn string
		var prev ProposalStance
		err := tx.QueryRowContext(ctx, `SELECT id, stance, stated_on FROM positions_proposal_stances WHERE proposal_id = ? AND state_iso3 = ? AND current = ?`, pid, in.State, true).Scan(&prev.ID, &prev.Stance, &prevOn)
		switch {
		case err == nil:
			if on < prevOn {
				return api.Invalid("stated_on", "cannot be before the State's current position ("+prevOn+")")
			}
			prev.StatedOn = prevOn
			before = &prev
			if _, err := tx.ExecContext(ctx, `UPDATE positions_proposal_stances SET current = ? WHERE id = ?`, false, prev.ID); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_proposal_stances (id, proposal_id, state_iso3, stance, amendment, reason, stated_on, source_kind, source_ref, by_secretariat, current, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			st.ID, pid, st.State, st.Stance, st.Amendment, st.Reason, st.StatedOn, st.SourceKind, st.SourceRef, st.BySecretariat, true, st.CreatedAt); err != nil {
			return err
		}
		var b any
		if before != nil {
			b = map[string]string{"stance": before.Stance, "stated_on": before.StatedOn}
		}
		return audit.Record(ctx, tx, "proposal.stance", "proposal", pid, b, map[string]any{"state": st.State, "stance": st.Stance, "stated_on": st.StatedOn, "by_secretariat": st.BySecretariat})
	})
	if err != nil {
		return ProposalStance{}, err
	}
	return st, nil
}

// Endorse records a stakeholder organisation's endorsement of a proposal.
func (s *Service) Endorse(ctx context.Context, pid string, in EndorseInput) (ProposalEndorsement, error) {
	u, err := actor(ctx)
	if err != nil {
		return ProposalEndorsement{}, err
	}
	if u.Role != auth.RoleStakeholder || u.OrgID == "" {
		return ProposalEndorsement{}, ErrForbidden
	}
	if in.Note, err = line("note", in.Note, false, 500); err != nil {
		return ProposalEndorsement{}, err
	}
	e := ProposalEndorsement{EndorsedOn: now().Format("2006-01-02"), Note: in.Note}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := ProposalByID(ctx, tx, pid); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT slug, name FROM organisations WHERE id = ?`, u.OrgID).Scan(&e.OrgSlug, &e.OrgName); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_proposal_endorsements (proposal_id, org_id, endorsed_on, note, created_at) VALUES (?, ?, ?, ?, ?)`, pid, u.OrgID, e.EndorsedOn, e.Note, now()); err != nil {
			if db.IsUniqueViolation(err) {
				return api.Errorf(http.StatusConflict, "exists", "", "your organisation already endorses this proposal")
			}
			return err
		}
		return audit.Record(ctx, tx, "proposal.endorse", "proposal", pid, nil, map[string]string{"organisation": e.OrgSlug})
	})
	return e, err
}

// ---- the consensus view ----

// Consensus is where States stand on a proposal.
type Consensus struct {
	Proposal     Proposal              `json:"proposal"`
	Counts       map[string]int        `json:"counts" doc:"current positions by stance; not-stated counts every State without one"`
	Positions    []ProposalStance      `json:"positions" doc:"every State's current position"`
	Amendments   []ProposalStance      `json:"amendments" doc:"the amendments States ask for"`
	Obstacles    []ProposalStance      `json:"obstacles" doc:"what stands between the proposal and consensus: States opposing or asking amendments, with their reasons"`
	Timeline     []TimelinePoint       `json:"timeline" doc:"counts by stance after each date on which a position changed"`
	History      []ProposalStance      `json:"history" doc:"every position recorded, in order"`
	Endorsements []ProposalEndorsement `json:"endorsements" doc:"stakeholder organisations; never counted as States' positions"`
}

// TimelinePoint is the count of States by stance at a date.
type TimelinePoint struct {
	Date   string         `json:"date"`
	Counts map[string]int `json:"counts"`
}

// ProposalCounts counts the States' current positions by stance, as
// ConsensusView's Counts ("not-stated": every State without a stated
// position), for every proposal or for the proposal pid, with one grouped
// read of the current positions instead of each proposal's whole history:
// the list of proposals and a proposed norm's page show only the counts.
func ProposalCounts(ctx context.Context, q db.Querier, pid string) (map[string]map[string]int, error) {
	query, args := `SELECT proposal_id, stance, COUNT(*) FROM positions_proposal_stances WHERE current = ?`, []any{true}
	if pid != "" {
		query += ` AND proposal_id = ?`
		args = append(args, pid)
	}
	rows, err := q.QueryContext(ctx, query+` GROUP BY proposal_id, stance`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var p, stance string
		var n int
		if err := rows.Scan(&p, &stance, &n); err != nil {
			return nil, err
		}
		if out[p] == nil {
			out[p] = countsOf(nil, p)
		}
		if stance != "not-stated" {
			out[p][stance] += n
			out[p]["not-stated"] -= n
		}
	}
	return out, rows.Err()
}

// countsOf is a proposal's entry of ProposalCounts, every State not
// stated when it has no position.
func countsOf(all map[string]map[string]int, pid string) map[string]int {
	if c := all[pid]; c != nil {
		return c
	}
	c := map[string]int{}
	for _, k := range ProposalStances {
		c[k] = 0
	}
	c["not-stated"] = numStates()
	return c
}

// ConsensusView builds a proposal's consensus view.
func (s *Service) ConsensusView(ctx context.Context, pid, lang string) (Consensus, error) {
	p, err := ProposalByID(ctx, s.DB, pid)
	if err != nil {
		return Consensus{}, err
	}
	c := Consensus{Proposal: p, Counts: map[string]int{}, Amendments: []ProposalStance{}, Obstacles: []ProposalStance{}, Timeline: []TimelinePoint{}}
	if c.History, err = proposalStances(ctx, s.DB, pid, false, lang); err != nil {
		return c, err
	}
	if c.Endorsements, err = proposalEndorsements(ctx, s.DB, pid); err != nil {
		return c, err
	}
	for _, k := range ProposalStances {
		c.Counts[k] = 0
	}
	c.Positions = []ProposalStance{}
	for _, h := range c.History {
		if h.Current {
			c.Positions = append(c.Positions, h)
		}
	}
	sort.Slice(c.Positions, func(i, j int) bool { return c.Positions[i].StateName < c.Positions[j].StateName })
	stated := 0
	for _, st := range c.Positions {
		if st.Stance == "not-stated" {
			continue
		}
		stated++
		c.Counts[st.Stance]++
		if st.Stance == "supports-with-amendments" {
			c.Amendments = append(c.Amendments, st)
		}
		if st.Stance == "opposes" || st.Stance == "supports-with-amendments" {
			c.Obstacles = append(c.Obstacles, st)
		}
	}
	sort.SliceStable(c.Obstacles, func(i, j int) bool { return c.Obstacles[i].Stance == "opposes" && c.Obstacles[j].Stance != "opposes" })
	c.Counts["not-stated"] = numStates() - stated
	// The timeline: walk the history in order, one point per date.
	cur := map[string]string{}
	for i, h := range c.History {
		cur[h.State] = h.Stance
		if i+1 < len(c.History) && c.History[i+1].StatedOn == h.StatedOn {
			continue
		}
		pt := TimelinePoint{Date: h.StatedOn, Counts: map[string]int{}}
		n := 0
		for _, k := range ProposalStances {
			pt.Counts[k] = 0
		}
		for _, v := range cur {
			if v != "not-stated" {
				pt.Counts[v]++
				n++
			}
		}
		pt.Counts["not-stated"] = numStates() - n
		c.Timeline = append(c.Timeline, pt)
	}
	return c, nil
}
