package incidents

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

const proposalCols = `p.id, COALESCE(p.incident_id, ''), COALESCE(i.name, ''), p.org_id, COALESCE(o.name, ''), p.proposer_id, p.status, p.payload,
	p.note, p.reason, p.created_at, p.decided_at`

const proposalFrom = ` FROM incident_proposals p LEFT JOIN incidents i ON i.id = p.incident_id LEFT JOIN organisations o ON o.id = p.org_id`

func scanProposal(row interface{ Scan(...any) error }) (*Proposal, error) {
	var p Proposal
	var payload string
	var dec sql.NullTime
	if err := row.Scan(&p.ID, &p.IncidentID, &p.IncidentName, &p.OrgID, &p.OrgName, &p.ProposerID, &p.Status, &payload, &p.Note, &p.Reason, &p.CreatedAt, &dec); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if dec.Valid {
		t := dec.Time.UTC()
		p.DecidedAt = &t
	}
	return &p, json.Unmarshal([]byte(payload), &p.Input)
}

// canSeeProposal: the proposing organisation and the secretariat.
func canSeeProposal(u *auth.User, p *Proposal) bool {
	return isSecretariat(u) || u != nil && u.OrgID != "" && u.OrgID == p.OrgID
}

// Propose submits a new incident or a correction of a published one for
// review, for a member of a stakeholder organisation.
func (s *Service) Propose(ctx context.Context, u *auth.User, in ProposalInput) (*Proposal, error) {
	if u == nil || u.OrgID == "" {
		return nil, ErrForbidden
	}
	x, err := in.Incident.validate()
	if err != nil {
		return nil, err
	}
	note, err := text("note", in.Note, 0, 4000)
	if err != nil {
		return nil, err
	}
	var p *Proposal
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		p, err = s.propose(ctx, tx, u, in.IncidentID, x.input(), note, time.Now().UTC())
		return err
	})
	return p, err
}

func (s *Service) propose(ctx context.Context, tx *db.Tx, u *auth.User, incidentID string, in IncidentInput, note string, now time.Time) (*Proposal, error) {
	p := &Proposal{ID: id.New(), IncidentID: incidentID, OrgID: u.OrgID, ProposerID: u.ID, Status: ProposalSubmitted, Input: in, Note: note, CreatedAt: now}
	var target any
	histID := p.ID
	if incidentID != "" {
		x, err := loadIncident(ctx, tx, incidentID)
		if err != nil || x.Status != StatusPublished {
			return nil, invalid("incident_id", "%q is not a published incident", incidentID)
		}
		target, histID, p.IncidentName = incidentID, incidentID, x.Name
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO incident_proposals (id, incident_id, org_id, proposer_id, status, payload, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, target, p.OrgID, p.ProposerID, p.Status, mustJSON(p.Input), p.Note, now); err != nil {
		return nil, fmt.Errorf("insert proposal: %w", err)
	}
	if incidentID != "" {
		if err := s.history(ctx, tx, u, histID, "proposal", p.ID, "propose-correction", nil, now); err != nil {
			return nil, err
		}
	}
	return p, audit.Record(ctx, tx, "incidents.proposal.create", "incident_proposal", p.ID, nil, p)
}

// Proposal returns a proposal its organisation or the secretariat may see.
func (s *Service) Proposal(ctx context.Context, u *auth.User, proposalID string) (*Proposal, error) {
	p, err := scanProposal(s.DB.QueryRowContext(ctx, `SELECT `+proposalCols+proposalFrom+` WHERE p.id = ?`, proposalID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !canSeeProposal(u, p) {
		return nil, ErrNotFound
	}
	return p, nil
}

// Proposals lists a page of at most limit proposals u may see, newest
// first, after the proposal after ("": from the newest): the secretariat's
// queue (status "submitted") or everything of u's organisation. next is
// the page's last proposal when more follow ("" on the last page); a
// cursor naming no proposal of the list is errBadCursor.
func (s *Service) Proposals(ctx context.Context, u *auth.User, status, after string, limit int) (ps []*Proposal, next string, err error) {
	where, args, err := s.proposalsPage(ctx, u, status, after)
	if err != nil {
		return nil, "", err
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT `+proposalCols+proposalFrom+where+proposalsOrder, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	ps = []*Proposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, "", err
		}
		ps = append(ps, p)
	}
	if len(ps) > limit {
		ps, next = ps[:limit], ps[limit-1].ID
	}
	return ps, next, rows.Err()
}

// ProposalItem is a proposal as the list of proposals shows it: the
// proposed incident's name, not the rest of its record.
type ProposalItem struct {
	ID           string
	Name         string // the proposed incident's name
	IncidentName string // the incident corrected; empty for a new incident
	OrgName      string
	Status       string
	CreatedAt    time.Time
}

// ProposalItems lists what Proposals lists, the same rows in the same
// order, with only the columns the list of proposals shows: the name is
// read out of each stored record by the database, so the records are
// neither sent nor decoded.
func (s *Service) ProposalItems(ctx context.Context, u *auth.User, status, after string, limit int) (items []ProposalItem, next string, err error) {
	where, args, err := s.proposalsPage(ctx, u, status, after)
	if err != nil {
		return nil, "", err
	}
	name := `json_extract(p.payload, '$.name')`
	if s.DB.Dialect == db.Postgres {
		name = `p.payload::json ->> 'name'`
	}
	rows, err := s.DB.QueryContext(ctx, `SELECT p.id, COALESCE(`+name+`, ''), COALESCE(i.name, ''), COALESCE(o.name, ''), p.status, p.created_at`+
		proposalFrom+where+proposalsOrder, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	items = []ProposalItem{}
	for rows.Next() {
		var p ProposalItem
		if err := rows.Scan(&p.ID, &p.Name, &p.IncidentName, &p.OrgName, &p.Status, &p.CreatedAt); err != nil {
			return nil, "", err
		}
		p.CreatedAt = p.CreatedAt.UTC()
		items = append(items, p)
	}
	if len(items) > limit {
		items, next = items[:limit], items[limit-1].ID
	}
	return items, next, rows.Err()
}

// proposalsOrder is the lists' order, newest first, and their bound (the
// page's size and one more, to tell whether another page follows), read
// in the order of the indexes incident_proposals_time, _org and _status.
const proposalsOrder = ` ORDER BY p.created_at DESC, p.id DESC LIMIT ?`

// errBadCursor is a cursor that names no proposal of the list.
var errBadCursor = errors.New("names no proposal of this list")

// proposalsPage is the condition of a page of the proposals u may see, of
// status when given, after the proposal after in the lists' order.
func (s *Service) proposalsPage(ctx context.Context, u *auth.User, status, after string) (string, []any, error) {
	where, args, err := proposalsWhere(u, status)
	if err != nil || after == "" {
		return where, args, err
	}
	var n int
	if err := s.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_proposals p`+where+` AND p.id = ?`, append(args[:len(args):len(args)], after)...).Scan(&n); err != nil {
		return "", nil, err
	}
	if n == 0 {
		return "", nil, errBadCursor
	}
	return where + ` AND (p.created_at, p.id) < (SELECT x.created_at, x.id FROM incident_proposals x WHERE x.id = ?)`, append(args, after), nil
}

// proposalsWhere is the condition of the proposals u may see, of status
// when given.
func proposalsWhere(u *auth.User, status string) (string, []any, error) {
	q := ` WHERE 1 = 1`
	var args []any
	switch {
	case isSecretariat(u):
	case u != nil && u.OrgID != "":
		q += ` AND p.org_id = ?`
		args = append(args, u.OrgID)
	default:
		return "", nil, ErrForbidden
	}
	if status != "" {
		q += ` AND p.status = ?`
		args = append(args, status)
	}
	return q, args, nil
}

// ReviewProposal is the secretariat's decision. Accepting a new incident
// publishes it; accepting a correction applies it to the incident. The
// secretariat may edit the proposed text before accepting (in.Incident).
// Rejecting needs a reason, which the organisation sees.
func (s *Service) ReviewProposal(ctx context.Context, u *auth.User, proposalID string, in ReviewInput) (*Proposal, *Incident, error) {
	if !isSecretariat(u) {
		return nil, nil, ErrForbidden
	}
	var p *Proposal
	var x *Incident
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		p, err = scanProposal(tx.QueryRowContext(ctx, `SELECT `+proposalCols+proposalFrom+` WHERE p.id = ?`, proposalID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if p.Status != ProposalSubmitted {
			return &StateError{"this proposal has already been decided"}
		}
		now := time.Now().UTC()
		created := p.IncidentID == "" // a new incident, not a correction
		switch in.Decision {
		case "reject":
			if p.Reason, err = text("reason", in.Reason, 1, 2000); err != nil {
				return err
			}
			p.Status = ProposalRejected
		case "accept":
			input := p.Input
			edited := false
			if in.Incident != nil {
				input, edited = *in.Incident, true
			}
			nx, err := input.validate()
			if err != nil {
				return err
			}
			if edited {
				p.Input = nx.input()
			}
			if p.IncidentID == "" {
				nx.Origin = "proposal"
				if err := s.createIncident(ctx, tx, u, &nx, StatusPublished, "proposal", now); err != nil {
					return err
				}
				p.IncidentID, x = nx.ID, &nx
				if err := s.historyAs(ctx, tx, "organisation:"+p.OrgName, nx.ID, "proposal", p.ID, "propose", nil, p.CreatedAt); err != nil {
					return err
				}
				if err := s.history(ctx, tx, u, nx.ID, "proposal", p.ID, "accept", nil, now); err != nil {
					return err
				}
			} else {
				if x, err = s.applyUpdate(ctx, tx, u, p.IncidentID, nx, "correct"); err != nil {
					return err
				}
				if err := s.history(ctx, tx, u, p.IncidentID, "proposal", p.ID, "accept", nil, now); err != nil {
					return err
				}
			}
			p.Status, p.Reason = ProposalAccepted, ""
		default:
			return invalid("decision", "must be accept or reject")
		}
		p.DecidedAt = &now
		res, err := tx.ExecContext(ctx, `UPDATE incident_proposals SET status = ?, reason = ?, decided_at = ?, incident_id = ?, payload = ? WHERE id = ? AND status = ?`,
			p.Status, p.Reason, now, nullable(p.IncidentID), mustJSON(p.Input), p.ID, ProposalSubmitted)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &StateError{"this proposal has already been decided"}
		}
		if err := s.notifyProposer(ctx, tx, p, x, created); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "incidents.proposal."+in.Decision, "incident_proposal", p.ID, nil, map[string]string{"status": p.Status, "reason": p.Reason})
	})
	if err != nil {
		return nil, nil, err
	}
	return p, x, nil
}

// notifyProposer e-mails the member who made the proposal, in their
// language, that the secretariat accepted it (x is the incident published,
// when created, or corrected) or refused it (with the reason); queued in
// tx, so it goes if and only if the decision is committed. A proposer
// whose account is gone or disabled is not written to.
func (s *Service) notifyProposer(ctx context.Context, tx *db.Tx, p *Proposal, x *Incident, created bool) error {
	to, err := platform.Accounts(ctx, tx, `id = ?`, p.ProposerID)
	if err != nil {
		return fmt.Errorf("proposer of %s: %w", p.ID, err)
	}
	return s.QueueLetter(ctx, tx, to, func(_ string, T platform.Tr) (string, string) {
		name := p.Input.Name
		if p.IncidentName != "" {
			name = p.IncidentName
		}
		var subject, body string
		switch {
		case p.Status == ProposalAccepted && created:
			name = x.Name
			subject, body = T("incidents.mail.accepted_subject", name), T("incidents.mail.accepted_new", name)+"\n\n"+s.Link("/incidents/"+x.ID)
		case p.Status == ProposalAccepted:
			if x != nil {
				name = x.Name
			}
			subject, body = T("incidents.mail.accepted_subject", name), T("incidents.mail.accepted_correction", name)+"\n\n"+s.Link("/incidents/"+p.IncidentID)
		default:
			subject, body = T("incidents.mail.rejected_subject", name), T("incidents.mail.rejected", name)+"\n\n"+T("incidents.mail.reason")+"\n\n"+p.Reason
		}
		return subject, body + "\n\n" + T("incidents.mail.proposal") + "\n" + s.Link("/incidents/proposals/"+p.ID) + "\n"
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
