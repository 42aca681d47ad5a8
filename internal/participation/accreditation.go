package participation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Application statuses, in the order an application moves through them.
const (
	StatusDraft      = "draft"
	StatusSubmitted  = "submitted"        // waiting for the secretariat to circulate it
	StatusObjection  = "objection-period" // circulated to the Member States
	StatusVoting     = "voting"           // objected to, put to a vote
	StatusAccredited = "accredited"
	StatusRefused    = "refused"
)

// Vote choices.
const (
	VoteYes     = "yes"
	VoteNo      = "no"
	VoteAbstain = "abstain"
)

// VoteChoices lists the choices in the order a recorded vote shows them.
var VoteChoices = []string{VoteYes, VoteNo, VoteAbstain}

// Application is a request for accreditation to one session, or standing
// accreditation to a body (SessionID empty).
type Application struct {
	ID              string     `json:"id"`
	OrgID           string     `json:"organisation_id"`
	OrgSlug         string     `json:"organisation"`
	OrgName         string     `json:"organisation_name"`
	BodyID          string     `json:"body_id"`
	BodySlug        string     `json:"body"`
	BodyName        string     `json:"body_name"`
	SessionID       string     `json:"session_id,omitempty"`
	SessionSlug     string     `json:"session,omitempty"`
	SessionTitle    string     `json:"session_title,omitempty"`
	SessionStarts   *time.Time `json:"session_starts_at,omitempty"`
	Standing        bool       `json:"standing"`
	Justification   string     `json:"justification"`
	Status          string     `json:"status"`
	Modality        Modality   `json:"modality"`
	Reason          string     `json:"reason,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	SubmittedAt     *time.Time `json:"submitted_at,omitempty"`
	CirculatedAt    *time.Time `json:"circulated_at,omitempty"`
	ObjectionEndsAt *time.Time `json:"objection_ends_at,omitempty"`
	VotingEndsAt    *time.Time `json:"voting_ends_at,omitempty"`
	DecidedAt       *time.Time `json:"decided_at,omitempty"`
	// Tally is the vote's result: published once the vote has closed, and
	// absent while it is open (votes stay sealed until then) and when no
	// vote was held.
	Tally *Tally `json:"tally,omitempty"`
	// VotesCast counts the votes cast, once the application is put to a
	// vote: while it is open, this is all that is published.
	VotesCast *int `json:"votes_cast,omitempty"`
	// RecordedVote is true when the application was put to a recorded
	// vote: each State's vote is published when voting closes.
	RecordedVote bool `json:"recorded_vote,omitempty"`
	// Votes are the States' votes, published once a recorded vote closed.
	Votes []StateVote `json:"votes,omitempty"`
	// counts is the recorded tally, whatever is published.
	counts     Tally
	Objections int `json:"objections"`
	// Objectors names the objecting States where the body names them.
	Objectors []Objection `json:"objectors,omitempty"`
}

// StateVote is how one State voted in a recorded vote.
type StateVote struct {
	StateISO3 string `json:"state"`
	Choice    string `json:"choice"`
}

// VotesOf lists the States that voted choice in a published recorded vote.
func (a Application) VotesOf(choice string) []string {
	var out []string
	for _, v := range a.Votes {
		if v.Choice == choice {
			out = append(out, v.StateISO3)
		}
	}
	return out
}

// Objection is one State's objection.
type Objection struct {
	StateISO3   string     `json:"state"`
	Reason      string     `json:"reason,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
}

// ApplicationInput is an organisation's request. Give Session (a session's
// slug) or Body (a body's slug, for standing accreditation).
type ApplicationInput struct {
	Session       string `json:"session,omitempty"`
	Body          string `json:"body,omitempty"`
	Justification string `json:"justification"`
	// Draft keeps the application unsubmitted and visible to the
	// organisation alone.
	Draft bool `json:"draft,omitempty"`
}

const appCols = `a.id, a.org_id, o.slug, o.name, a.body_id, b.slug, b.name, a.session_id, COALESCE(s.slug, ''), COALESCE(s.title, ''), s.starts_at, a.justification, a.status, a.modality, a.reason,
	a.created_at, a.submitted_at, a.circulated_at, a.objection_ends_at, a.voting_ends_at, a.decided_at, a.yes_votes, a.no_votes, a.abstentions,
	(SELECT COUNT(*) FROM participation_objections x WHERE x.application_id = a.id AND x.withdrawn_at IS NULL),
	(SELECT COUNT(*) FROM participation_votes v WHERE v.application_id = a.id), a.votes_recorded`
const appFrom = ` FROM participation_applications a JOIN organisations o ON o.id = a.org_id JOIN participation_bodies b ON b.id = a.body_id LEFT JOIN participation_sessions s ON s.id = a.session_id`

func scanApp(row interface{ Scan(...any) error }) (Application, error) {
	var a Application
	var starts, sub, circ, oe, ve, dec sql.NullTime
	var cast int
	err := row.Scan(&a.ID, &a.OrgID, &a.OrgSlug, &a.OrgName, &a.BodyID, &a.BodySlug, &a.BodyName, &a.SessionID, &a.SessionSlug, &a.SessionTitle, &starts, &a.Justification, &a.Status, &a.Modality, &a.Reason,
		&a.CreatedAt, &sub, &circ, &oe, &ve, &dec, &a.counts.Yes, &a.counts.No, &a.counts.Abstain, &a.Objections, &cast, &a.RecordedVote)
	a.Standing = a.SessionID == ""
	a.SessionStarts, a.SubmittedAt, a.CirculatedAt, a.ObjectionEndsAt, a.VotingEndsAt, a.DecidedAt = tp(starts), tp(sub), tp(circ), tp(oe), tp(ve), tp(dec)
	if a.VotingEndsAt != nil {
		a.VotesCast = &cast
	}
	a.publishTally()
	return a, err
}

// publishTally shows the tally once a vote has closed, never before.
func (a *Application) publishTally() {
	a.Tally = nil
	if a.VoteClosed() {
		t := a.counts
		a.Tally = &t
	}
}

// VoteOpen reports whether the application is put to a vote that is still
// open: its votes are sealed, only their number is published.
func (a Application) VoteOpen() bool { return a.Status == StatusVoting }

// VoteClosed reports whether a vote was held and closed, so its tally is
// published.
func (a Application) VoteClosed() bool { return a.VotingEndsAt != nil && a.DecidedAt != nil }

// Cast is the number of votes cast (0 when no vote was held).
func (a Application) Cast() int {
	if a.VotesCast == nil {
		return 0
	}
	return *a.VotesCast
}

func tp(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// Apply records an organisation's application (stakeholder users of that
// organisation). It is refused after the session's deadline and when the
// organisation already applied for the same session or standing
// accreditation. Unless Draft, it is submitted at once.
func (s *Service) Apply(ctx context.Context, in ApplicationInput) (Application, error) {
	u := auth.UserFrom(ctx)
	if !u.Has(auth.RoleStakeholder) || u.OrgID == "" {
		return Application{}, ErrForbidden
	}
	var out Application
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.applyTx(ctx, tx, u.OrgID, in, s.now())
		return err
	})
	return out, err
}

// validate checks an application's fields before any database work.
func (in *ApplicationInput) validate() error {
	in.Justification = strings.TrimSpace(in.Justification)
	switch {
	case (in.Session == "") == (in.Body == ""):
		return invalid("session", "give either a session (for that session) or a body (for standing accreditation), not both")
	case len(in.Session) > 80 || len(in.Body) > 80:
		return invalid("session", "is not a session or body name")
	case len(in.Justification) < 20 || len(in.Justification) > 5000:
		return invalid("justification", "explain the organisation's relevance in 20 to 5000 characters")
	}
	return nil
}

func (s *Service) applyTx(ctx context.Context, tx *db.Tx, orgID string, in ApplicationInput, at time.Time) (Application, error) {
	if err := in.validate(); err != nil {
		return Application{}, err
	}
	var bodyID, sessionID string
	if in.Session != "" {
		var applyBy time.Time
		err := tx.QueryRowContext(ctx, `SELECT id, body_id, apply_by FROM participation_sessions WHERE slug = ?`, in.Session).Scan(&sessionID, &bodyID, &applyBy)
		if errors.Is(err, sql.ErrNoRows) {
			return Application{}, invalid("session", "no such session")
		}
		if err != nil {
			return Application{}, err
		}
		if at.After(applyBy) {
			return Application{}, conflict("session", "the deadline for applications to this session was %s", api.Day(applyBy))
		}
	} else {
		err := tx.QueryRowContext(ctx, `SELECT id FROM participation_bodies WHERE slug = ?`, in.Body).Scan(&bodyID)
		if errors.Is(err, sql.ErrNoRows) {
			return Application{}, invalid("body", "no such body")
		}
		if err != nil {
			return Application{}, err
		}
	}
	body, err := s.bodyByID(ctx, tx, bodyID)
	if err != nil {
		return Application{}, err
	}
	appID := id.New()
	_, err = tx.ExecContext(ctx, `INSERT INTO participation_applications (id, org_id, body_id, session_id, justification, status, modality, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		appID, orgID, bodyID, sessionID, in.Justification, StatusDraft, body.Modality, at)
	if db.IsUniqueViolation(err) {
		field := "session"
		if sessionID == "" {
			field = "body"
		}
		return Application{}, conflict(field, "the organisation has already applied for this; an organisation applies once per session (or once for standing accreditation)")
	}
	if err != nil {
		return Application{}, fmt.Errorf("insert application: %w", err)
	}
	a, err := s.appTx(ctx, tx, appID)
	if err != nil {
		return a, err
	}
	if err := audit.Record(ctx, tx, "application.create", "application", a.ID, nil, a); err != nil {
		return a, err
	}
	if in.Draft {
		return a, nil
	}
	return s.submitTx(ctx, tx, a, body, at)
}

func (s *Service) appTx(ctx context.Context, q db.Querier, appID string) (Application, error) {
	a, err := scanApp(q.QueryRowContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.id = ?`, appID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// Application returns one application. A draft is visible to its own
// organisation alone; to anyone else it does not exist.
func (s *Service) Application(ctx context.Context, appID string) (Application, error) {
	a, err := s.appTx(ctx, s.DB, appID)
	if err != nil {
		return a, err
	}
	if a.Status == StatusDraft {
		u := auth.UserFrom(ctx)
		if u == nil || u.OrgID != a.OrgID {
			return Application{}, ErrNotFound
		}
	}
	return s.withDisclosed(ctx, a)
}

// withDisclosed adds what the body publishes about the States: the
// objecting States where it names them, and each State's vote once a
// recorded vote has closed.
func (s *Service) withDisclosed(ctx context.Context, a Application) (Application, error) {
	body, err := s.bodyByID(ctx, s.DB, a.BodyID)
	if err != nil {
		return a, err
	}
	if body.NameObjectors {
		if a.Objectors, err = s.objections(ctx, s.DB, a.ID); err != nil {
			return a, err
		}
	}
	if a.RecordedVote && a.VoteClosed() {
		a.Votes, err = s.recordedVotes(ctx, s.DB, a.ID)
	}
	return a, err
}

// recordedVotes lists the votes cast on an application, by State.
func (s *Service) recordedVotes(ctx context.Context, q db.Querier, appID string) ([]StateVote, error) {
	rows, err := q.QueryContext(ctx, `SELECT state_iso3, choice FROM participation_votes WHERE application_id = ? ORDER BY state_iso3`, appID)
	if err != nil {
		return nil, fmt.Errorf("recorded votes: %w", err)
	}
	defer rows.Close()
	var out []StateVote
	for rows.Next() {
		var v StateVote
		if err := rows.Scan(&v.StateISO3, &v.Choice); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Service) objections(ctx context.Context, q db.Querier, appID string) ([]Objection, error) {
	rows, err := q.QueryContext(ctx, `SELECT state_iso3, reason, created_at, withdrawn_at FROM participation_objections WHERE application_id = ? ORDER BY state_iso3`, appID)
	if err != nil {
		return nil, fmt.Errorf("objections: %w", err)
	}
	defer rows.Close()
	var out []Objection
	for rows.Next() {
		var o Objection
		var w sql.NullTime
		if err := rows.Scan(&o.StateISO3, &o.Reason, &o.CreatedAt, &w); err != nil {
			return nil, err
		}
		o.WithdrawnAt = tp(w)
		out = append(out, o)
	}
	return out, rows.Err()
}

// Submit submits a draft application (its organisation's users).
func (s *Service) Submit(ctx context.Context, appID string) (Application, error) {
	u := auth.UserFrom(ctx)
	var out Application
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		a, err := s.appTx(ctx, tx, appID)
		if err != nil {
			return err
		}
		if u == nil || u.OrgID != a.OrgID {
			return ErrNotFound
		}
		if a.Status != StatusDraft {
			return conflict("status", "the application was already submitted")
		}
		at := s.now()
		if a.SessionID != "" {
			var applyBy time.Time
			if err := tx.QueryRowContext(ctx, `SELECT apply_by FROM participation_sessions WHERE id = ?`, a.SessionID).Scan(&applyBy); err != nil {
				return err
			}
			if at.After(applyBy) {
				return conflict("session", "the deadline for applications to this session was %s", api.Day(applyBy))
			}
		}
		body, err := s.bodyByID(ctx, tx, a.BodyID)
		if err != nil {
			return err
		}
		out, err = s.submitTx(ctx, tx, a, body, at)
		return err
	})
	return out, err
}

// submitTx moves a draft to submitted; under ecosoc and open modalities it
// is decided at once.
func (s *Service) submitTx(ctx context.Context, tx *db.Tx, a Application, body Body, at time.Time) (Application, error) {
	before := a
	a.Status, a.SubmittedAt, a.Modality = StatusSubmitted, &at, body.Modality
	if !body.Modality.Circulated() {
		org, err := s.orgByID(ctx, tx, a.OrgID)
		if err != nil {
			return a, err
		}
		outcome, reason := Decide(body.Modality, body.Majority, Record{ECOSOC: org.InConsultativeStatus()})
		a.Status, a.Reason, a.DecidedAt = string(outcome), reason, &at
	}
	if _, err := tx.ExecContext(ctx, `UPDATE participation_applications SET status = ?, modality = ?, reason = ?, submitted_at = ?, decided_at = ? WHERE id = ?`,
		a.Status, a.Modality, a.Reason, at, a.DecidedAt, a.ID); err != nil {
		return a, fmt.Errorf("submit application: %w", err)
	}
	if err := audit.Record(ctx, tx, "application.submit", "application", a.ID, before, a); err != nil {
		return a, err
	}
	return a, s.notify(ctx, tx, recipients{orgID: a.OrgID, secretariat: true}, "/participation/applications/"+a.ID, func(lang string, t platform.Tr) (string, string) {
		what := a.mailTarget(t)
		text := t("participation.mail.received_text", a.OrgName, what, t("participation.modality."+string(body.Modality)))
		if a.Status == StatusSubmitted {
			return t("participation.mail.received_subject", a.OrgName, what), text + "\n" + t("participation.mail.will_circulate")
		}
		return t("participation.mail.decided_subject", a.OrgName, what), text + "\n" + t("participation.mail.outcome", t("participation.status."+a.Status), s.Svc.Site.Catalog.ErrorText(lang, a.ReasonMessage()))
	})
}

// Circulate sends every submitted application of a body (for its sessions
// and standing) to the Member States and starts the objection period
// (secretariat). It returns how many were circulated.
func (s *Service) Circulate(ctx context.Context, bodySlug string) (int, error) {
	var n int
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		n, err = s.circulateTx(ctx, tx, bodySlug, s.now())
		return err
	})
	return n, err
}

func (s *Service) circulateTx(ctx context.Context, tx *db.Tx, bodySlug string, at time.Time) (int, error) {
	body, err := scanBody(tx.QueryRowContext(ctx, `SELECT `+bodyCols+` FROM participation_bodies WHERE slug = ?`, bodySlug))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if !body.Modality.Circulated() {
		return 0, conflict("modality", "applications to this body are decided on application; there is nothing to circulate")
	}
	ends := AddWorkingDays(at, body.ObjectionDays)
	rows, err := tx.QueryContext(ctx, `SELECT `+appCols+appFrom+` WHERE a.body_id = ? AND a.status = ? ORDER BY o.name`, body.ID, StatusSubmitted)
	if err != nil {
		return 0, fmt.Errorf("circulate: %w", err)
	}
	var list []Application
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(list) == 0 {
		return 0, conflict("body", "no submitted application is waiting to be circulated")
	}
	for _, a := range list {
		before := a
		a.Status, a.CirculatedAt, a.ObjectionEndsAt, a.Modality = StatusObjection, &at, &ends, body.Modality
		if _, err := tx.ExecContext(ctx, `UPDATE participation_applications SET status = ?, modality = ?, circulated_at = ?, objection_ends_at = ? WHERE id = ?`, a.Status, a.Modality, at, ends, a.ID); err != nil {
			return 0, fmt.Errorf("circulate %s: %w", a.ID, err)
		}
		if err := audit.Record(ctx, tx, "application.circulate", "application", a.ID, before, a); err != nil {
			return 0, err
		}
		if err := s.notify(ctx, tx, recipients{orgID: a.OrgID}, "/participation/applications/"+a.ID, func(lang string, t platform.Tr) (string, string) {
			return t("participation.mail.circulated_subject", a.mailTarget(t)), t("participation.mail.circulated_text", a.mailTarget(t), mailTime(lang, ends))
		}); err != nil {
			return 0, err
		}
	}
	return len(list), s.notify(ctx, tx, recipients{approvers: true, secretariat: true}, "/participation/bodies/"+body.Slug, func(lang string, t platform.Tr) (string, string) {
		names := make([]string, len(list))
		for i, a := range list {
			names[i] = "- " + a.OrgName + " (" + a.mailTarget(t) + ")"
		}
		return t("participation.mail.circulated_all_subject", body.Name),
			t("participation.mail.circulated_all_text", body.Name, t("participation.modality."+string(body.Modality)), mailTime(lang, ends)) + "\n\n" + strings.Join(names, "\n")
	})
}

// approverFor checks that the caller is a State approver and returns the
// State they act for.
func approverFor(ctx context.Context) (*auth.User, error) {
	u := auth.UserFrom(ctx)
	if !u.Has(auth.RoleStateApprover) || u.StateISO3 == "" {
		return nil, ErrForbidden
	}
	return u, nil
}

func (s *Service) lockApp(ctx context.Context, tx *db.Tx, appID string) (Application, Body, error) {
	a, err := s.appTx(ctx, tx, appID)
	if err != nil {
		return a, Body{}, err
	}
	if a.Status == StatusDraft {
		return a, Body{}, ErrNotFound
	}
	b, err := s.bodyByID(ctx, tx, a.BodyID)
	return a, b, err
}

// Object lodges the caller's State's objection (State approvers), once per
// application, within the objection period.
func (s *Service) Object(ctx context.Context, appID, reason string) error {
	u, err := approverFor(ctx)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 2000 {
		return invalid("reason", "is at most 2000 characters")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		a, body, err := s.lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		at := s.now()
		if err := openPeriod(a.Status, StatusObjection, a.ObjectionEndsAt, at, "objection"); err != nil {
			return err
		}
		return s.lodgeObjectionTx(ctx, tx, a, body, u.StateISO3, u.ID, reason, at)
	})
}

// lodgeObjectionTx records one State's objection inside tx, audited and
// notified; the caller has checked the period.
func (s *Service) lodgeObjectionTx(ctx context.Context, tx *db.Tx, a Application, body Body, iso3, userID, reason string, at time.Time) error {
	if body.ReasonRequired && reason == "" {
		return invalid("reason", "this body requires a reason for every objection")
	}
	if err := objectedBefore(ctx, tx, a.ID, iso3); err != nil {
		return err
	}
	o := Objection{StateISO3: iso3, Reason: reason, CreatedAt: at}
	_, err := tx.ExecContext(ctx, `INSERT INTO participation_objections (application_id, state_iso3, reason, user_id, created_at) VALUES (?, ?, ?, ?, ?)`, a.ID, o.StateISO3, o.Reason, userID, at)
	if db.IsUniqueViolation(err) {
		return conflict("state", "your State has objected to this application already; a State objects at most once per application")
	}
	if err != nil {
		return fmt.Errorf("insert objection: %w", err)
	}
	// Kept with the objection, for the per-State statistics
	// (ObjectionCounts); objections are never deleted and a withdrawal
	// still counts, so this is the only write that changes them.
	if _, err := tx.ExecContext(ctx, `INSERT INTO participation_objection_counts (body_id, state_iso3, n) VALUES (?, ?, 1)
		ON CONFLICT (body_id, state_iso3) DO UPDATE SET n = participation_objection_counts.n + 1`, a.BodyID, o.StateISO3); err != nil {
		return fmt.Errorf("objection counts: %w", err)
	}
	if err := audit.Record(ctx, tx, "application.object", "application", a.ID, nil, o); err != nil {
		return err
	}
	return s.notify(ctx, tx, recipients{orgID: a.OrgID, secretariat: true, stateISO3: iso3}, "/participation/applications/"+a.ID, func(lang string, t platform.Tr) (string, string) {
		text := t("participation.mail.objection_text", a.OrgName, a.mailTarget(t))
		if body.NameObjectors {
			text = t("participation.mail.objection_by_text", mailState(iso3, lang), a.OrgName, a.mailTarget(t))
		}
		if reason != "" {
			text += "\n\n" + t("participation.mail.reason_given") + " " + reason
		}
		return t("participation.mail.objection_subject", a.OrgName), text
	})
}

// objectedBefore explains why a State may not object: it has an objection
// standing, or it withdrew one. The rule is one objection per State per
// application, and a withdrawn objection still counts as that one.
// It is asked before the insert: PostgreSQL ends a transaction at a unique
// violation, so nothing could be read after it.
func objectedBefore(ctx context.Context, tx *db.Tx, appID, iso3 string) error {
	var w nullTime
	err := tx.QueryRowContext(ctx, `SELECT withdrawn_at FROM participation_objections WHERE application_id = ? AND state_iso3 = ?`, appID, iso3).Scan(&w)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("earlier objection: %w", err)
	}
	if w.Valid {
		return conflict("state", "your State withdrew its objection to this application on %s; a State objects at most once per application, and a withdrawn objection cannot be lodged again", api.Moment(w.Time))
	}
	return conflict("state", "your State's objection to this application stands already; a State objects at most once per application")
}

// noVote refuses a vote on an application that is not put to one because
// of its modality, or because nobody objected; nil when a vote may be due.
func noVote(a Application) error {
	switch {
	case a.Modality == ModalityVeto:
		return conflict("status", "applications to this body are decided under non-objection with veto: an objection refuses, and there is no vote")
	case !a.Modality.Circulated():
		return conflict("status", "applications to this body are decided on application: there is no vote")
	case a.VotingEndsAt == nil && a.Status == StatusAccredited:
		return conflict("status", "the application was decided (accredited) without a vote: no objection stood at the end of the objection period")
	case a.VotingEndsAt == nil && a.Status == StatusRefused:
		return conflict("status", "the application was decided (refused) without a vote: no objection stood at the end of the objection period")
	case a.Status == StatusObjection:
		return conflict("status", "the application is in its objection period; it is put to a vote only if an objection stands when the period ends")
	}
	return nil
}

// openPeriod refuses an act outside its period, with the reason. what is
// "objection" or "voting"; each reason is written out whole for each, so
// that it is one message in every language.
func openPeriod(status, want string, ends *time.Time, at time.Time, what string) error {
	texts := periodReasons[what]
	if status != want {
		switch status {
		case StatusSubmitted:
			return refusedBecause("status", texts.notBegun)
		case StatusAccredited:
			return refusedBecause("status", texts.decidedAccredited)
		case StatusRefused:
			return refusedBecause("status", texts.decidedRefused)
		case StatusVoting:
			return conflict("status", "the objection period has closed; the application is now put to a vote")
		}
		return refusedBecause("status", texts.notIn)
	}
	if ends == nil {
		return refusedBecause("status", texts.notIn)
	}
	if !at.Before(*ends) {
		return conflict("status", texts.closedOn, api.Moment(*ends))
	}
	return nil
}

// periodReasons are openPeriod's reasons for the objection and the voting
// period.
var periodReasons = map[string]struct{ notBegun, decidedAccredited, decidedRefused, notIn, closedOn string }{
	"objection": {
		"the application has not been circulated yet; the objection period has not begun",
		"the objection period has closed: the application was decided (accredited)",
		"the objection period has closed: the application was decided (refused)",
		"the application is not in its objection period",
		"the objection period closed on %s",
	},
	"voting": {
		"the application has not been circulated yet; the voting period has not begun",
		"the voting period has closed: the application was decided (accredited)",
		"the voting period has closed: the application was decided (refused)",
		"the application is not in its voting period",
		"the voting period closed on %s",
	},
}

// WithdrawObjection withdraws the caller's State's objection before the
// objection period ends (State approvers). The State cannot object again:
// one objection per State per application, withdrawn or not.
func (s *Service) WithdrawObjection(ctx context.Context, appID string) error {
	u, err := approverFor(ctx)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		a, _, err := s.lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		at := s.now()
		if err := openPeriod(a.Status, StatusObjection, a.ObjectionEndsAt, at, "objection"); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE participation_objections SET withdrawn_at = ? WHERE application_id = ? AND state_iso3 = ? AND withdrawn_at IS NULL`, at, a.ID, u.StateISO3)
		if err != nil {
			return fmt.Errorf("withdraw objection: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return conflict("state", "your State has no standing objection to this application")
		}
		if err := audit.Record(ctx, tx, "application.withdraw_objection", "application", a.ID, map[string]string{"state": u.StateISO3}, map[string]any{"state": u.StateISO3, "withdrawn_at": at}); err != nil {
			return err
		}
		return s.notify(ctx, tx, recipients{orgID: a.OrgID, secretariat: true}, "/participation/applications/"+a.ID, func(lang string, t platform.Tr) (string, string) {
			return t("participation.mail.withdrawn_subject", a.OrgName), t("participation.mail.withdrawn_text", a.OrgName, a.mailTarget(t))
		})
	})
}

// Vote records the caller's State's vote (State approvers): once per
// application, within the voting period; a vote cannot be changed.
func (s *Service) Vote(ctx context.Context, appID, choice string) error {
	u, err := approverFor(ctx)
	if err != nil {
		return err
	}
	if choice != VoteYes && choice != VoteNo && choice != VoteAbstain {
		return invalid("choice", "must be yes, no or abstain")
	}
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		a, _, err := s.lockApp(ctx, tx, appID)
		if err != nil {
			return err
		}
		if err := noVote(a); err != nil {
			return err
		}
		at := s.now()
		if err := openPeriod(a.Status, StatusVoting, a.VotingEndsAt, at, "voting"); err != nil {
			return err
		}
		return s.castVoteTx(ctx, tx, a.ID, u.StateISO3, u.ID, choice, at)
	})
}

// castVoteTx records one State's vote inside tx, audited; the caller has
// checked the period.
func (s *Service) castVoteTx(ctx context.Context, tx *db.Tx, appID, iso3, userID, choice string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO participation_votes (application_id, state_iso3, choice, user_id, created_at) VALUES (?, ?, ?, ?, ?)`, appID, iso3, choice, userID, at)
	if db.IsUniqueViolation(err) {
		return conflict("state", "your State has already voted on this application; a vote cannot be changed")
	}
	if err != nil {
		return fmt.Errorf("insert vote: %w", err)
	}
	return audit.Record(ctx, tx, "application.vote", "application", appID, nil, map[string]string{"state": iso3, "choice": choice})
}

// CloseDue ends every objection and voting period that ended by at,
// deciding or moving on each application. The periodic job calls it; each
// application is closed in its own transaction.
func (s *Service) CloseDue(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id FROM participation_applications WHERE (status = ? AND objection_ends_at <= ?) OR (status = ? AND voting_ends_at <= ?)`,
		StatusObjection, at, StatusVoting, at)
	if err != nil {
		return 0, fmt.Errorf("due applications: %w", err)
	}
	var ids []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, appID := range ids {
		if err := s.DB.InTx(ctx, func(tx *db.Tx) error { return s.closeTx(ctx, tx, appID, at) }); err != nil {
			return 0, fmt.Errorf("close application %s: %w", appID, err)
		}
	}
	return len(ids), nil
}

func (s *Service) closeTx(ctx context.Context, tx *db.Tx, appID string, at time.Time) error {
	a, body, err := s.lockApp(ctx, tx, appID)
	if err != nil {
		return err
	}
	before := a
	path := "/participation/applications/" + a.ID
	switch {
	case a.Status == StatusObjection && a.ObjectionEndsAt != nil && !a.ObjectionEndsAt.After(at):
		if a.Modality == ModalityDecision && a.Objections > 0 {
			ends := AddWorkingDays(at, body.VotingDays)
			a.Status, a.VotingEndsAt, a.RecordedVote = StatusVoting, &ends, body.Votes == VotesRecorded
			cast := 0
			a.VotesCast = &cast
			if _, err := tx.ExecContext(ctx, `UPDATE participation_applications SET status = ?, voting_ends_at = ?, votes_recorded = ? WHERE id = ?`, a.Status, ends, a.RecordedVote, a.ID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, "application.to_vote", "application", a.ID, before, a); err != nil {
				return err
			}
			return s.notify(ctx, tx, recipients{orgID: a.OrgID, secretariat: true, approvers: true}, path, func(lang string, t platform.Tr) (string, string) {
				kind := t("participation.mail.vote_secret")
				if a.RecordedVote {
					kind = t("participation.mail.vote_recorded")
				}
				return t("participation.mail.vote_subject", a.OrgName), t("participation.mail.vote_text", a.OrgName, a.mailTarget(t), body.Name, kind, mailTime(lang, ends), t("participation.majority."+string(body.Majority)))
			})
		}
		outcome, reason := Decide(a.Modality, body.Majority, Record{Objections: a.Objections})
		return s.decideTx(ctx, tx, before, a, outcome, reason, at)
	case a.Status == StatusVoting && a.VotingEndsAt != nil && !a.VotingEndsAt.After(at):
		var t Tally
		if err := tx.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN choice = 'yes' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN choice = 'no' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN choice = 'abstain' THEN 1 ELSE 0 END), 0)
			FROM participation_votes WHERE application_id = ?`, a.ID).Scan(&t.Yes, &t.No, &t.Abstain); err != nil {
			return fmt.Errorf("tally: %w", err)
		}
		a.counts = t
		outcome, reason := Decide(ModalityDecision, body.Majority, Record{Objections: max(a.Objections, 1), Voted: true, Tally: t})
		return s.decideTx(ctx, tx, before, a, outcome, reason, at)
	}
	return nil
}

func (s *Service) decideTx(ctx context.Context, tx *db.Tx, before, a Application, outcome Outcome, reason string, at time.Time) error {
	a.Status, a.Reason, a.DecidedAt = string(outcome), reason, &at
	a.publishTally()
	if _, err := tx.ExecContext(ctx, `UPDATE participation_applications SET status = ?, reason = ?, decided_at = ?, yes_votes = ?, no_votes = ?, abstentions = ? WHERE id = ?`,
		a.Status, a.Reason, at, a.counts.Yes, a.counts.No, a.counts.Abstain, a.ID); err != nil {
		return fmt.Errorf("decide: %w", err)
	}
	// A recorded vote's votes are published with the decision: the States'
	// pages list them from then on (StateVotesPage).
	if a.RecordedVote {
		if _, err := tx.ExecContext(ctx, `UPDATE participation_votes SET published = ? WHERE application_id = ?`, true, a.ID); err != nil {
			return fmt.Errorf("publish the votes: %w", err)
		}
	}
	if err := audit.Record(ctx, tx, "application.decide", "application", a.ID, before, a); err != nil {
		return err
	}
	return s.notify(ctx, tx, recipients{orgID: a.OrgID, secretariat: true, approvers: before.Status == StatusVoting}, "/participation/applications/"+a.ID, func(lang string, t platform.Tr) (string, string) {
		return t("participation.mail.decision_subject", a.OrgName), t("participation.mail.decision_text", a.OrgName, a.mailTarget(t), t("participation.status."+a.Status), s.Svc.Site.Catalog.ErrorText(lang, a.ReasonMessage()))
	})
}
