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

// maxAnswer is the longest answer to one question, in bytes.
const maxAnswer = 50000

// Consultation statuses and submission statuses.
const (
	ConsultationOpen   = "open"
	ConsultationClosed = "closed"
	SubmissionDraft    = "draft"
	SubmissionDone     = "submitted"
)

// Consultation is a public consultation opened by a State or the
// secretariat: questions, an audience and a closing date.
type Consultation struct {
	ID               string     `json:"id"`
	Slug             string     `json:"slug"`
	Title            string     `json:"title"`
	Description      string     `json:"description"`
	OpenedBy         string     `json:"opened_by"` // "secretariat" or a State's ISO3 code
	AudienceBodyID   string     `json:"audience_body_id,omitempty"`
	AllowUnpublished bool       `json:"allow_unpublished"`
	Status           string     `json:"status"`
	OpensAt          time.Time  `json:"opens_at"`
	ClosesAt         time.Time  `json:"closes_at"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	Questions        []string   `json:"questions"`
}

// ConsultationInput opens a consultation. Audience is empty (every
// stakeholder organisation) or a body's slug (organisations accredited to
// it). ClosesOn is YYYY-MM-DD; the consultation closes at the end of that
// day (UTC).
type ConsultationInput struct {
	Slug             string   `json:"slug"`
	Title            string   `json:"title"`
	Description      string   `json:"description"`
	Audience         string   `json:"audience,omitempty"`
	AllowUnpublished bool     `json:"allow_unpublished"`
	ClosesOn         string   `json:"closes_on"`
	Questions        []string `json:"questions"`
}

// OpenConsultation opens a consultation (secretariat or State staff).
func (s *Service) OpenConsultation(ctx context.Context, in ConsultationInput) (Consultation, error) {
	u := auth.UserFrom(ctx)
	var by string
	switch {
	case u.Has(auth.RoleSecretariat):
		by = "secretariat"
	case u != nil && u.Role.IsState():
		by = u.StateISO3
	default:
		return Consultation{}, ErrForbidden
	}
	var c Consultation
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		c, err = s.openConsultationTx(ctx, tx, by, in, s.now())
		return err
	})
	return c, err
}

func (s *Service) openConsultationTx(ctx context.Context, tx *db.Tx, by string, in ConsultationInput, at time.Time) (Consultation, error) {
	in.Slug, in.Title = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Title)
	var qs []string
	for _, q := range in.Questions {
		if q = strings.TrimSpace(q); q != "" {
			qs = append(qs, q)
		}
	}
	switch {
	case !slugRE.MatchString(in.Slug):
		return Consultation{}, invalid("slug", "must be 2–80 lower-case letters, digits or hyphens")
	case in.Title == "" || len(in.Title) > 300:
		return Consultation{}, invalid("title", "is required and at most 300 characters")
	case len(in.Description) > 20000:
		return Consultation{}, invalid("description", "is at most 20000 characters")
	case len(qs) == 0 || len(qs) > 100:
		return Consultation{}, invalid("questions", "ask from 1 to 100 questions")
	}
	for _, q := range qs {
		if len(q) > 5000 {
			return Consultation{}, invalid("questions", "each question is at most 5000 characters")
		}
	}
	day, err := parseDay("closes_on", in.ClosesOn)
	if err != nil {
		return Consultation{}, err
	}
	closes := day.Add(24*time.Hour - time.Second)
	if !closes.After(at) {
		return Consultation{}, invalid("closes_on", "must be today or later")
	}
	var audience string
	if in.Audience != "" {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM participation_bodies WHERE slug = ?`, in.Audience).Scan(&audience); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return Consultation{}, invalid("audience", "no such body")
			}
			return Consultation{}, err
		}
	}
	c := Consultation{ID: id.New(), Slug: in.Slug, Title: in.Title, Description: in.Description, OpenedBy: by, AudienceBodyID: audience,
		AllowUnpublished: in.AllowUnpublished, Status: ConsultationOpen, OpensAt: at, ClosesAt: closes, Questions: qs}
	state := ""
	if by != "secretariat" {
		state = by
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO participation_consultations (id, slug, title, description, opened_by, state_iso3, audience_body_id, allow_unpublished, status, opens_at, closes_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Slug, c.Title, c.Description, by, state, audience, c.AllowUnpublished, c.Status, c.OpensAt, c.ClosesAt)
	if db.IsUniqueViolation(err) {
		return c, invalid("slug", "is already used by another consultation")
	}
	if err != nil {
		return c, fmt.Errorf("insert consultation: %w", err)
	}
	for i, q := range qs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO participation_questions (consultation_id, n, text) VALUES (?, ?, ?)`, c.ID, i+1, q); err != nil {
			return c, fmt.Errorf("insert question: %w", err)
		}
	}
	return c, audit.Record(ctx, tx, "consultation.open", "consultation", c.ID, nil, c)
}

const consCols = `id, slug, title, description, opened_by, audience_body_id, allow_unpublished, status, opens_at, closes_at, closed_at`

func (s *Service) scanConsultation(ctx context.Context, q db.Querier, row interface{ Scan(...any) error }) (Consultation, error) {
	var c Consultation
	var closed sql.NullTime
	if err := row.Scan(&c.ID, &c.Slug, &c.Title, &c.Description, &c.OpenedBy, &c.AudienceBodyID, &c.AllowUnpublished, &c.Status, &c.OpensAt, &c.ClosesAt, &closed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, ErrNotFound
		}
		return c, err
	}
	c.ClosedAt = tp(closed)
	rows, err := q.QueryContext(ctx, `SELECT text FROM participation_questions WHERE consultation_id = ? ORDER BY n`, c.ID)
	if err != nil {
		return c, fmt.Errorf("questions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return c, err
		}
		c.Questions = append(c.Questions, t)
	}
	return c, rows.Err()
}

// ConsultationBySlug returns one consultation with its questions.
func (s *Service) ConsultationBySlug(ctx context.Context, slug string) (Consultation, error) {
	return s.scanConsultation(ctx, s.DB, s.DB.QueryRowContext(ctx, `SELECT `+consCols+` FROM participation_consultations WHERE slug = ?`, slug))
}

// Consultations lists every consultation, newest first.
func (s *Service) Consultations(ctx context.Context) ([]Consultation, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT slug FROM participation_consultations ORDER BY opens_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("list consultations: %w", err)
	}
	var slugs []string
	for rows.Next() {
		var x string
		if err := rows.Scan(&x); err != nil {
			rows.Close()
			return nil, err
		}
		slugs = append(slugs, x)
	}
	rows.Close()
	out := []Consultation{}
	for _, sl := range slugs {
		c, err := s.ConsultationBySlug(ctx, sl)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Submission is an organisation's answers to a consultation.
type Submission struct {
	ID          string     `json:"id"`
	OrgSlug     string     `json:"organisation"`
	OrgName     string     `json:"organisation_name"`
	Status      string     `json:"status"`
	Publish     bool       `json:"publish"`
	Published   bool       `json:"published"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	// Answers are by question number, from 1; an unanswered question is "".
	Answers []string `json:"answers"`
}

// AnswerInput saves answers. Answers maps a question number (from 1) to the
// answer; questions not given keep their saved answer. Submit ends the
// draft. Publish false asks that the submission stay unpublished, which
// only a consultation that allows it honours.
type AnswerInput struct {
	Answers map[int]string `json:"answers"`
	Submit  bool           `json:"submit"`
	Publish *bool          `json:"publish,omitempty"`
}

// SaveAnswers saves the caller's organisation's draft answers, and submits
// them when asked (stakeholders in the audience, while open).
func (s *Service) SaveAnswers(ctx context.Context, slug string, in AnswerInput) (Submission, error) {
	u := auth.UserFrom(ctx)
	if !u.Has(auth.RoleStakeholder) || u.OrgID == "" {
		return Submission{}, ErrForbidden
	}
	c, err := s.ConsultationBySlug(ctx, slug)
	if err != nil {
		return Submission{}, err
	}
	var sub Submission
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		sub, err = s.saveAnswersTx(ctx, tx, c, u.OrgID, in, s.now())
		return err
	})
	return sub, err
}

func (s *Service) saveAnswersTx(ctx context.Context, tx *db.Tx, c Consultation, orgID string, in AnswerInput, at time.Time) (Submission, error) {
	if c.Status != ConsultationOpen || !at.Before(c.ClosesAt) {
		return Submission{}, conflict("consultation", "the consultation closed on %s", api.Day(c.ClosesAt))
	}
	if c.AudienceBodyID != "" {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM participation_applications WHERE org_id = ? AND body_id = ? AND status = ?`, orgID, c.AudienceBodyID, StatusAccredited).Scan(&n); err != nil {
			return Submission{}, err
		}
		if n == 0 {
			return Submission{}, conflict("consultation", "this consultation is open to organisations accredited to its body")
		}
	}
	for n, text := range in.Answers {
		if n < 1 || n > len(c.Questions) {
			return Submission{}, api.Invalidf("answers", "question %d does not exist; this consultation has %d", n, len(c.Questions))
		}
		if len(text) > maxAnswer {
			return Submission{}, api.Invalidf("answers", "the answer to question %d is longer than %d characters", n, 50000)
		}
	}
	publish := true
	if in.Publish != nil {
		publish = *in.Publish
	}
	if !publish && !c.AllowUnpublished {
		return Submission{}, invalid("publish", "this consultation publishes every submission")
	}
	before, err := s.submissionTx(ctx, tx, c, orgID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Submission{}, err
	}
	subID := before.ID
	if errors.Is(err, ErrNotFound) {
		subID = id.New()
		if _, err := tx.ExecContext(ctx, `INSERT INTO participation_submissions (id, consultation_id, org_id, status, publish, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			subID, c.ID, orgID, SubmissionDraft, publish, at); err != nil {
			return Submission{}, fmt.Errorf("insert submission: %w", err)
		}
	} else if before.Status == SubmissionDone {
		return Submission{}, conflict("status", "the organisation has already submitted its answers")
	}
	for n, text := range in.Answers {
		text = strings.TrimSpace(text)
		if _, err := tx.ExecContext(ctx, `DELETE FROM participation_answers WHERE submission_id = ? AND n = ?`, subID, n); err != nil {
			return Submission{}, err
		}
		if text == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO participation_answers (submission_id, n, text) VALUES (?, ?, ?)`, subID, n, text); err != nil {
			return Submission{}, fmt.Errorf("save answer: %w", err)
		}
	}
	status := SubmissionDraft
	var submitted any
	if in.Submit {
		var answered int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM participation_answers WHERE submission_id = ?`, subID).Scan(&answered); err != nil {
			return Submission{}, err
		}
		if answered == 0 {
			return Submission{}, invalid("answers", "answer at least one question before submitting")
		}
		status, submitted = SubmissionDone, at
	}
	if _, err := tx.ExecContext(ctx, `UPDATE participation_submissions SET status = ?, publish = ?, updated_at = ?, submitted_at = ? WHERE id = ?`, status, publish, at, submitted, subID); err != nil {
		return Submission{}, fmt.Errorf("update submission: %w", err)
	}
	after, err := s.submissionTx(ctx, tx, c, orgID)
	if err != nil {
		return after, err
	}
	action := "submission.save"
	if in.Submit {
		action = "submission.submit"
	}
	return after, audit.Record(ctx, tx, action, "submission", subID, before, after)
}

func (s *Service) submissionTx(ctx context.Context, q db.Querier, c Consultation, orgID string) (Submission, error) {
	var sub Submission
	var submitted sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT x.id, o.slug, o.name, x.status, x.publish, x.published, x.submitted_at FROM participation_submissions x JOIN organisations o ON o.id = x.org_id
		WHERE x.consultation_id = ? AND x.org_id = ?`, c.ID, orgID).Scan(&sub.ID, &sub.OrgSlug, &sub.OrgName, &sub.Status, &sub.Publish, &sub.Published, &submitted)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, ErrNotFound
	}
	if err != nil {
		return sub, err
	}
	sub.SubmittedAt = tp(submitted)
	sub.Answers = make([]string, len(c.Questions))
	rows, err := q.QueryContext(ctx, `SELECT n, text FROM participation_answers WHERE submission_id = ? ORDER BY n`, sub.ID)
	if err != nil {
		return sub, err
	}
	defer rows.Close()
	for rows.Next() {
		var n int
		var t string
		if err := rows.Scan(&n, &t); err != nil {
			return sub, err
		}
		if n >= 1 && n <= len(sub.Answers) {
			sub.Answers[n-1] = t
		}
	}
	return sub, rows.Err()
}

// MySubmission returns the caller's organisation's submission (draft or
// not); another organisation's draft is never visible.
func (s *Service) MySubmission(ctx context.Context, c Consultation) (Submission, error) {
	u := auth.UserFrom(ctx)
	if u == nil || u.OrgID == "" {
		return Submission{}, ErrNotFound
	}
	return s.submissionTx(ctx, s.DB, c, u.OrgID)
}

// PublishedSubmissions lists a consultation's published submissions,
// filtered by a case-insensitive search in the answers when query is set.
func (s *Service) PublishedSubmissions(ctx context.Context, c Consultation, query string) ([]Submission, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT org_id FROM participation_submissions x JOIN organisations o ON o.id = x.org_id WHERE x.consultation_id = ? AND x.published = ? ORDER BY o.name`, c.ID, true)
	if err != nil {
		return nil, fmt.Errorf("published submissions: %w", err)
	}
	var orgs []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			rows.Close()
			return nil, err
		}
		orgs = append(orgs, o)
	}
	rows.Close()
	out := []Submission{}
	query = strings.ToLower(strings.TrimSpace(query))
	for _, o := range orgs {
		sub, err := s.submissionTx(ctx, s.DB, c, o)
		if err != nil {
			return nil, err
		}
		if query != "" && !strings.Contains(strings.ToLower(strings.Join(sub.Answers, "\n")+"\n"+sub.OrgName), query) {
			continue
		}
		out = append(out, sub)
	}
	return out, nil
}

// CloseDueConsultations closes consultations whose closing time has passed
// and publishes their submitted answers (unless the submitter asked
// otherwise and the consultation allows it). Drafts are never published.
func (s *Service) CloseDueConsultations(ctx context.Context, at time.Time) (int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, slug, title FROM participation_consultations WHERE status = ? AND closes_at <= ?`, ConsultationOpen, at)
	if err != nil {
		return 0, fmt.Errorf("due consultations: %w", err)
	}
	type due struct{ id, slug, title string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.slug, &d.title); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	for _, d := range list {
		err := s.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE participation_consultations SET status = ?, closed_at = ? WHERE id = ?`, ConsultationClosed, at, d.id); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE participation_submissions SET published = ? WHERE consultation_id = ? AND status = ? AND (publish = ? OR consultation_id IN (SELECT id FROM participation_consultations WHERE id = ? AND allow_unpublished = ?))`,
				true, d.id, SubmissionDone, true, d.id, false); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, "consultation.close", "consultation", d.id, map[string]string{"status": ConsultationOpen}, map[string]any{"status": ConsultationClosed, "closed_at": at}); err != nil {
				return err
			}
			orgs, err := tx.QueryContext(ctx, `SELECT DISTINCT org_id FROM participation_submissions WHERE consultation_id = ?`, d.id)
			if err != nil {
				return err
			}
			var ids []string
			for orgs.Next() {
				var o string
				if err := orgs.Scan(&o); err != nil {
					orgs.Close()
					return err
				}
				ids = append(ids, o)
			}
			orgs.Close()
			for _, o := range ids {
				if err := s.notify(ctx, tx, recipients{orgID: o}, "/participation/consultations/"+d.slug, func(_ string, t platform.Tr) (string, string) {
					return t("participation.mail.consultation_closed_subject", d.title), t("participation.mail.consultation_published_text")
				}); err != nil {
					return err
				}
			}
			return s.notify(ctx, tx, recipients{secretariat: true}, "/participation/consultations/"+d.slug, func(_ string, t platform.Tr) (string, string) {
				return t("participation.mail.consultation_closed_subject", d.title), t("participation.mail.consultation_closed_text")
			})
		})
		if err != nil {
			return 0, fmt.Errorf("close consultation %s: %w", d.slug, err)
		}
	}
	return len(list), nil
}
