package capacity

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Match statuses. The requesting State invites an offer (invited) or an
// offerer expresses interest in a need (interested); the other side then
// accepts or declines. Nothing is agreed without the requesting State: an
// invitation is its choice, an expression of interest needs its approver's
// acceptance.
const (
	MatchInvited    = "invited"
	MatchInterested = "interested"
	MatchAccepted   = "accepted"
	MatchDeclined   = "declined"
)

// Engagement is a recorded pairing of a need and an offer.
type Engagement struct {
	ID          string `json:"id"`
	NeedID      string `json:"need_id"`
	OfferID     string `json:"offer_id"`
	Status      string `json:"status"`
	InitiatedBy string `json:"initiated_by"` // state | offerer
	Score       int    `json:"score"`
	Reasons     string `json:"reasons" doc:"the reasons in English, for a sentence: norm (c), French, training"`
	// ReasonList are the reasons as codes with their values, which pages
	// say in the reader's language; empty for a match recorded before the
	// codes whose text could not be read back.
	ReasonList  []Reason `json:"reason_list" doc:"the reasons, machine-readable: code (norm, topic, kind, language, region, timing), value and English label"`
	reasonCodes string
	reasonsRead bool
	Message     string    `json:"message,omitempty"`
	ProjectID   string    `json:"project_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MatchView is an engagement with what a page shows of it.
type MatchView struct {
	Engagement
	NeedTitle  string `json:"need_title"`
	NeedState  string `json:"need_state"`
	OfferTitle string `json:"offer_title"`
	Provider   string `json:"provider"`
	CanRespond bool   `json:"can_respond"`
	// providerState is the providing State, named on pages in the
	// reader's language.
	providerState string
}

// EngageInput is the optional message of an invitation or interest.
type EngageInput struct {
	Offer   string `json:"offer,omitempty"`
	Need    string `json:"need,omitempty"`
	Message string `json:"message"`
}

// RespondInput accepts or declines.
type RespondInput struct {
	Accept bool `json:"accept"`
}

const matchCols = `m.id, m.need_id, m.offer_id, m.status, m.initiated_by, m.score, m.reasons, m.reason_codes, m.message, m.created_at, m.updated_at,
	COALESCE((SELECT i.project_id FROM capacity_project_implementers i WHERE i.match_id = m.id), '')`

func scanEngagement(row interface{ Scan(...any) error }) (Engagement, error) {
	var e Engagement
	err := row.Scan(&e.ID, &e.NeedID, &e.OfferID, &e.Status, &e.InitiatedBy, &e.Score, &e.Reasons, &e.reasonCodes, &e.Message, &e.CreatedAt, &e.UpdatedAt, &e.ProjectID)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

func (s *Service) loadEngagement(ctx context.Context, q querier, matchID string) (Engagement, error) {
	e, err := scanEngagement(q.QueryRowContext(ctx, `SELECT `+matchCols+` FROM capacity_matches m WHERE m.id = ?`, matchID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	return e, err
}

// scoreOne scores one offer for one need (0 and no reasons when it is no
// candidate, which does not stop a State inviting it).
func (s *Service) scoreOne(ctx context.Context, n Need, o Offer) (int, []Reason) {
	p := offerProfile(o)
	if p.free < 1 {
		p.free = 1
	}
	sc, reasons, _ := Score(needProfile(n), p, s.labelFunc(ctx))
	if reasons == nil {
		reasons = []Reason{}
	}
	return sc, reasons
}

// Invite records the requesting State's invitation of an offer for its
// need, and tells the offerer.
func (s *Service) Invite(ctx context.Context, needID string, in EngageInput) (Engagement, error) {
	u := auth.UserFrom(ctx)
	msg, err := checkText("message", in.Message, 0, 4000)
	if err != nil {
		return Engagement{}, err
	}
	var out Engagement
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.loadNeed(ctx, tx, needID)
		if err != nil {
			return err
		}
		if !u.ActsFor(n.State) {
			return ErrNotFound
		}
		if n.Status != NeedPublished {
			return conflict("only a published need can invite offers (this one is %s)", n.Status)
		}
		o, err := s.loadOffer(ctx, tx, strings.TrimSpace(in.Offer))
		if errors.Is(err, ErrNotFound) || err == nil && o.Status != OfferPublished {
			return invalid("offer", "no published offer with that id")
		}
		if err != nil {
			return err
		}
		if o.Free() < 1 {
			return conflict("the offer has no free capacity")
		}
		e, err := s.engage(ctx, tx, n, o, MatchInvited, "state", msg)
		if err != nil {
			return err
		}
		out = e
		link := s.P.Link("/capacity/offers/" + o.ID)
		return s.mailOfferer(ctx, tx, o, func(lang string, t tr) (string, string) {
			return t("capacity.mail.invite.subject", n.Title), t("capacity.mail.invite.body", stateName(n.State, lang), o.Title, n.Title, msg, link)
		})
	})
	return out, err
}

// ExpressInterest records an offerer's interest in a need it may see, and
// tells the requesting State, whose approver accepts or declines.
func (s *Service) ExpressInterest(ctx context.Context, needID string, in EngageInput) (Engagement, error) {
	msg, err := checkText("message", in.Message, 0, 4000)
	if err != nil {
		return Engagement{}, err
	}
	n, err := s.Need(ctx, needID)
	if err != nil {
		return Engagement{}, err
	}
	v := s.viewer(ctx)
	var out Engagement
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if n.Status != NeedPublished {
			return conflict("the need is %s", n.Status)
		}
		o, err := s.loadOffer(ctx, tx, strings.TrimSpace(in.Offer))
		if errors.Is(err, ErrNotFound) || err == nil && !v.ownsOffer(o) {
			return invalid("offer", "not an offer of yours")
		}
		if err != nil {
			return err
		}
		if o.Status != OfferPublished {
			return conflict("publish the offer first")
		}
		if v.u.ActsFor(n.State) {
			return conflict("a State does not answer its own need")
		}
		e, err := s.engage(ctx, tx, n, o, MatchInterested, "offerer", msg)
		if err != nil {
			return err
		}
		out = e
		link := s.P.Link("/capacity/needs/" + n.ID)
		return s.mailState(ctx, tx, n.State, func(lang string, t tr) (string, string) {
			return t("capacity.mail.interest.subject", n.Title), t("capacity.mail.interest.body", providerName(o, lang), n.Title, o.Title, msg, link)
		})
	})
	return out, err
}

func (s *Service) engage(ctx context.Context, tx *db.Tx, n Need, o Offer, status, by, msg string) (Engagement, error) {
	sc, reasons := s.scoreOne(ctx, n, o)
	now := s.now()
	e := Engagement{ID: id.New(), NeedID: n.ID, OfferID: o.ID, Status: status, InitiatedBy: by, Score: sc, Reasons: ReasonLabels(reasons), ReasonList: reasons,
		reasonCodes: reasonCodes(reasons), reasonsRead: true, Message: msg, CreatedAt: now, UpdatedAt: now}
	var existing string
	err := tx.QueryRowContext(ctx, `SELECT status FROM capacity_matches WHERE need_id = ? AND offer_id = ?`, n.ID, o.ID).Scan(&existing)
	if err == nil {
		return e, conflict("this need and offer are already %s", existing)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return e, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO capacity_matches (id, need_id, offer_id, status, initiated_by, score, reasons, reason_codes, message, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, e.NeedID, e.OfferID, e.Status, e.InitiatedBy, e.Score, e.Reasons, e.reasonCodes, e.Message, now, now); err != nil {
		if db.IsUniqueViolation(err) {
			return e, conflict("this need and offer are already paired")
		}
		return e, err
	}
	return e, audit.Record(ctx, tx, "capacity.match."+status, "capacity_match", e.ID, nil, map[string]any{"need": n.ID, "offer": o.ID, "score": sc})
}

// canRespond: an invitation is answered by the offerer, an expression of
// interest by the requesting State's approver.
func canRespond(v viewer, e Engagement, n Need, o Offer) bool {
	switch e.Status {
	case MatchInvited:
		return v.ownsOffer(o)
	case MatchInterested:
		return v.u.ActsFor(n.State) && v.u.Role == auth.RoleStateApprover
	}
	return false
}

// Respond accepts or declines an invitation or an expression of interest.
// An accepted match takes one of the offer's engagements and becomes a
// project, in the same transaction.
func (s *Service) Respond(ctx context.Context, matchID string, in RespondInput) (Engagement, error) {
	v := s.viewer(ctx)
	var out Engagement
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		e, err := s.loadEngagement(ctx, tx, matchID)
		if err != nil {
			return err
		}
		n, err := s.loadNeed(ctx, tx, e.NeedID)
		if err != nil {
			return err
		}
		o, err := s.loadOffer(ctx, tx, e.OfferID)
		if err != nil {
			return err
		}
		if !v.secretariat() && !v.u.ActsFor(n.State) && !v.ownsOffer(o) {
			return ErrNotFound
		}
		if e.Status != MatchInvited && e.Status != MatchInterested {
			return conflict("the match is already %s", e.Status)
		}
		if !canRespond(v, e, n, o) {
			return ErrForbidden
		}
		before := e.Status
		e.Status, e.UpdatedAt = MatchDeclined, s.now()
		if in.Accept {
			e.Status = MatchAccepted
			res, err := tx.ExecContext(ctx, `UPDATE capacity_offers SET engaged = engaged + 1 WHERE id = ? AND engaged < capacity`, o.ID)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return conflict("the offer has no free capacity left")
			}
			if err := syncProfile(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE capacity_matches SET status = ?, updated_at = ? WHERE id = ?`, e.Status, e.UpdatedAt, e.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "capacity.match."+e.Status, "capacity_match", e.ID, map[string]string{"status": before}, map[string]string{"status": e.Status}); err != nil {
			return err
		}
		if in.Accept {
			p, err := s.projectFromMatch(ctx, tx, e, n, o)
			if err != nil {
				return err
			}
			e.ProjectID = p.ID
		}
		s.withReasons(ctx, &e)
		out = e
		verb := "declined"
		if in.Accept {
			verb = "accepted"
		}
		link := s.P.Link("/capacity/needs/" + n.ID)
		body := func(lang string, t tr) string {
			return t("capacity.mail.match_"+verb+".body", n.Title, o.Title, providerName(o, lang), link)
		}
		if e.InitiatedBy == "state" {
			// The State invited the offer; the offerer answered.
			return s.mailState(ctx, tx, n.State, func(lang string, t tr) (string, string) {
				return t("capacity.mail.offer_"+verb+".subject", o.Title), body(lang, t)
			})
		}
		return s.mailOfferer(ctx, tx, o, func(lang string, t tr) (string, string) {
			return t("capacity.mail.interest_"+verb+".subject", n.Title), body(lang, t)
		})
	})
	return out, err
}

// matchesWhere lists engagements with their titles, for the acting viewer:
// the need's State and the secretariat see every match of a need, an
// offerer those of its own offers.
func (s *Service) matchesWhere(ctx context.Context, cond string, args ...any) ([]MatchView, error) {
	rows, err := s.P.DB.QueryContext(ctx, `SELECT `+matchCols+` FROM capacity_matches m WHERE `+cond+` ORDER BY m.id DESC LIMIT 200`, args...)
	if err != nil {
		return nil, err
	}
	var es []Engagement
	for rows.Next() {
		e, err := scanEngagement(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		es = append(es, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	v := s.viewer(ctx)
	out := []MatchView{}
	for _, e := range es {
		n, err := s.loadNeed(ctx, s.P.DB, e.NeedID)
		if err != nil {
			return nil, err
		}
		o, err := s.loadOffer(ctx, s.P.DB, e.OfferID)
		if err != nil {
			return nil, err
		}
		if !v.secretariat() && !v.u.ActsFor(n.State) && !v.ownsOffer(o) {
			continue
		}
		s.withReasons(ctx, &e)
		mv := MatchView{Engagement: e, NeedTitle: n.Title, NeedState: n.State, OfferTitle: o.Title, Provider: o.Provider, CanRespond: canRespond(v, e, n, o)}
		if o.ProviderKind == "state" {
			mv.providerState = o.State
		}
		out = append(out, mv)
	}
	return out, nil
}

// MatchesForNeed lists a need's matches the acting user may see.
func (s *Service) MatchesForNeed(ctx context.Context, needID string) ([]MatchView, error) {
	return s.matchesWhere(ctx, `m.need_id = ?`, needID)
}

// MatchesForOffer lists an offer's matches the acting user may see.
func (s *Service) MatchesForOffer(ctx context.Context, offerID string) ([]MatchView, error) {
	return s.matchesWhere(ctx, `m.offer_id = ?`, offerID)
}

func (m *Module) matchRoutes(r *web.Router) {
	r.Handle("POST /capacity/needs/{id}/invite", web.StateStaff, m.inviteForm)
	r.Handle("POST /capacity/needs/{id}/interest", stateOrOrg, m.interestForm)
	r.Handle("POST /capacity/matches/{id}/respond", stateOrOrg, m.respondForm)
}

func (m *Module) inviteForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := m.svc.Invite(r.Context(), id, EngageInput{Offer: r.PostFormValue("offer"), Message: r.PostFormValue("message")}); err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+id, "capacity.invited")
}

func (m *Module) interestForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := m.svc.ExpressInterest(r.Context(), id, EngageInput{Offer: r.PostFormValue("offer"), Message: r.PostFormValue("message")}); err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+id, "capacity.interest_sent")
}

func (m *Module) respondForm(w http.ResponseWriter, r *http.Request) {
	e, err := m.svc.Respond(r.Context(), r.PathValue("id"), RespondInput{Accept: r.PostFormValue("accept") == "yes"})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if e.ProjectID != "" {
		m.site.Redirect(w, r, "/capacity/projects/"+e.ProjectID, "capacity.accepted")
		return
	}
	m.site.Redirect(w, r, "/capacity/needs/"+e.NeedID, "capacity.saved")
}
