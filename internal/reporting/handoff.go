package reporting

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
)

// The hand-off between a State's editors and its approvers: an editor sends
// the draft for approval (the approvers are e-mailed), an approver returns
// it to the editors with comments (the editors are e-mailed) or submits it;
// both write in a comment thread on the report and on each section that
// only the State's own users read. E-mail says what happened and links to
// the report; it never carries a comment's text.

// MaxComment is the longest comment accepted, in characters.
const MaxComment = 5000

// Comment kinds.
const (
	CommentPlain    = "comment"
	CommentSent     = "sent"     // written when sending the draft for approval
	CommentReturned = "returned" // the approver's comments when returning it
)

// Comment is one message of a report's thread.
type Comment struct {
	ID       string `json:"id"`
	ReportID string `json:"report_id"`
	// Section is "" for the report as a whole, else a reportable norm's id
	// or "international-law".
	Section string `json:"section"`
	// Version is the version the comment was written on: the one the draft
	// was to become, or the submitted version commented on.
	Version    int       `json:"version"`
	Kind       string    `json:"kind"`
	Body       string    `json:"body"`
	AuthorName string    `json:"author_name"`
	CreatedAt  time.Time `json:"created_at"`
}

// CommentInput is a new comment.
type CommentInput struct {
	// Section is "" (the report as a whole), a reportable norm's id, or
	// "international-law".
	Section string `json:"section,omitempty"`
	Body    string `json:"body" api:"required" text:"multiline"`
}

// SendInput sends a draft for approval, with an optional comment.
type SendInput struct {
	Comment string `json:"comment,omitempty" text:"multiline"`
}

// ReturnInput returns a draft to its editors; the comment is required.
type ReturnInput struct {
	Section string `json:"section,omitempty"`
	Comment string `json:"comment" api:"required" text:"multiline"`
}

// ownReport loads a report for the State's own users (editors and
// approvers); everyone else, the secretariat included, gets ErrNotFound:
// the hand-off and the comments are the State's alone.
func (s *Service) ownReport(ctx context.Context, q db.Querier, reportID string) (Report, *auth.User, error) {
	u := user(ctx)
	r, err := s.loadReport(ctx, q, reportID)
	if err != nil {
		return Report{}, nil, err
	}
	if !u.ActsFor(r.StateISO3) {
		return Report{}, nil, ErrNotFound
	}
	return r, u, nil
}

// commentVersion is the version a comment written now belongs to.
func commentVersion(r Report) int {
	if r.Status == StatusDraft {
		return r.CurrentVersion + 1
	}
	return r.CurrentVersion
}

// checkComment validates a comment's section and text, naming field.
func (s *Service) checkComment(ctx context.Context, field, section, body string, required bool) (string, string, error) {
	section = strings.TrimSpace(section)
	if section != "" {
		if err := s.loadNorms(ctx); err != nil {
			return "", "", err
		}
		if !s.isSection(section) {
			return "", "", &Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_field", Field: "section", Key: "reporting.err.comment_section",
				Message: "must be empty (the report as a whole), a reportable norm's id or international-law"}
		}
	}
	body = strings.TrimSpace(api.NormalizeNewlines(body))
	var ps problems
	switch {
	case body == "" && required:
		ps.keyed(field, "reporting.err.comment_empty", nil, "write a comment")
	case body != "":
		ps.text(field, body, MaxComment)
	}
	return section, body, ps.err()
}

func (s *Service) insertComment(ctx context.Context, tx *db.Tx, r Report, u *auth.User, section, kind, body string) (Comment, error) {
	c := Comment{ID: id.New(), ReportID: r.ID, Section: section, Version: commentVersion(r), Kind: kind, Body: body, AuthorName: u.Name, CreatedAt: s.now(ctx)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_comments (id, report_id, section, version, kind, body, author_id, author_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ReportID, c.Section, c.Version, c.Kind, c.Body, u.ID, c.AuthorName, c.CreatedAt); err != nil {
		return Comment{}, fmt.Errorf("insert comment: %w", err)
	}
	// The audit log records that a comment was written, never its text.
	return c, audit.Record(ctx, tx, "report_comment.create", "report", r.ID, nil, map[string]any{"comment": c.ID, "section": c.Section, "version": c.Version, "kind": c.Kind, "characters": len([]rune(body))})
}

// AddComment writes a comment on the report or one of its sections (the
// State's own editors and approvers; the report may be a draft or
// submitted).
func (s *Service) AddComment(ctx context.Context, reportID string, in CommentInput) (Comment, error) {
	var c Comment
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		r, u, err := s.ownReport(ctx, tx, reportID)
		if err != nil {
			return err
		}
		section, body, err := s.checkComment(ctx, "body", in.Section, in.Body, true)
		if err != nil {
			return err
		}
		c, err = s.insertComment(ctx, tx, r, u, section, CommentPlain, body)
		return err
	})
	return c, err
}

// Comments lists a report's comments, oldest first, for the State's own
// users; section "*" means every section, else only that one ("" the
// report as a whole).
func (s *Service) Comments(ctx context.Context, reportID, section string) ([]Comment, error) {
	r, _, err := s.ownReport(ctx, s.P.DB, reportID)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, report_id, section, version, kind, body, author_name, created_at FROM report_comments WHERE report_id = ?`
	args := []any{r.ID}
	if section != "*" {
		q += ` AND section = ?`
		args = append(args, section)
	}
	rows, err := s.P.DB.QueryContext(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("comments: %w", err)
	}
	defer rows.Close()
	out := []Comment{}
	for rows.Next() {
		var c Comment
		if err := rows.Scan(&c.ID, &c.ReportID, &c.Section, &c.Version, &c.Kind, &c.Body, &c.AuthorName, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// setHandoff moves the draft to state, refusing a submitted report.
func (s *Service) setHandoff(ctx context.Context, tx *db.Tx, r *Report, u *auth.User, state string) error {
	now := s.now(ctx)
	if _, err := tx.ExecContext(ctx, `UPDATE reports SET handoff = ?, handoff_at = ?, handoff_by_name = ? WHERE id = ? AND status = 'draft'`, state, now, u.Name, r.ID); err != nil {
		return fmt.Errorf("hand-off: %w", err)
	}
	r.Handoff, r.HandoffAt, r.HandoffByName = state, &now, u.Name
	return nil
}

var errNotDraftHandoff = &Problem{Status: http.StatusConflict, Code: "not_draft", Key: "reporting.err.handoff_not_draft", Message: "this report has been submitted; there is no draft to hand over"}

// SendForApproval marks the draft as waiting for approval and e-mails the
// State's approvers a link to it (the State's editors and approvers; an
// optional comment goes into the thread, not into the e-mail).
func (s *Service) SendForApproval(ctx context.Context, reportID string, in SendInput) (Report, error) {
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var u *auth.User
		var err error
		if r, u, err = s.ownReport(ctx, tx, reportID); err != nil {
			return err
		}
		if r.Status != StatusDraft {
			return errNotDraftHandoff
		}
		if r.Handoff == HandoffAwaiting {
			return &Problem{Status: http.StatusConflict, Code: "awaiting_approval", Key: "reporting.err.already_sent", Args: []any{r.HandoffByName},
				Message: "this draft is already waiting for approval (sent by " + r.HandoffByName + ")"}
		}
		_, body, err := s.checkComment(ctx, "comment", "", in.Comment, false)
		if err != nil {
			return err
		}
		before := r.Handoff
		if err := s.setHandoff(ctx, tx, &r, u, HandoffAwaiting); err != nil {
			return err
		}
		after := map[string]any{"handoff": r.Handoff, "version": commentVersion(r)}
		if body != "" {
			c, err := s.insertComment(ctx, tx, r, u, "", CommentSent, body)
			if err != nil {
				return err
			}
			after["comment"] = c.ID
		}
		if err := audit.Record(ctx, tx, "report.send_for_approval", "report", r.ID, map[string]any{"handoff": before}, after); err != nil {
			return err
		}
		return s.notifyState(ctx, tx, r, u, []auth.Role{auth.RoleStateApprover}, "sent", body != "")
	})
	return r, err
}

// ReturnToEditors returns a draft waiting for approval to the State's
// editors with the approver's comment (approvers only); the editors are
// e-mailed a link to it, without the comment's text.
func (s *Service) ReturnToEditors(ctx context.Context, reportID string, in ReturnInput) (Report, error) {
	var r Report
	err := s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		var u *auth.User
		var err error
		if r, u, err = s.ownReport(ctx, tx, reportID); err != nil {
			return err
		}
		if u.Role != auth.RoleStateApprover {
			return &Problem{Status: http.StatusForbidden, Code: "forbidden", Key: "reporting.err.approver_only", Message: "only an approver of this State may return its report to the editors"}
		}
		if r.Status != StatusDraft {
			return errNotDraftHandoff
		}
		if r.Handoff != HandoffAwaiting {
			return &Problem{Status: http.StatusConflict, Code: "not_awaiting_approval", Key: "reporting.err.not_awaiting", Message: "this draft is not waiting for approval"}
		}
		section, body, err := s.checkComment(ctx, "comment", in.Section, in.Comment, true)
		if err != nil {
			return err
		}
		if err := s.setHandoff(ctx, tx, &r, u, HandoffReturned); err != nil {
			return err
		}
		c, err := s.insertComment(ctx, tx, r, u, section, CommentReturned, body)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "report.return_to_editors", "report", r.ID, map[string]any{"handoff": HandoffAwaiting}, map[string]any{"handoff": r.Handoff, "comment": c.ID, "section": section}); err != nil {
			return err
		}
		return s.notifyState(ctx, tx, r, u, []auth.Role{auth.RoleStateEditor}, "returned", true)
	})
	return r, err
}

// notifySubmitted tells the State's other editors and approvers that the
// report was submitted.
func (s *Service) notifySubmitted(ctx context.Context, tx *db.Tx, v Version) error {
	r, err := s.loadReport(ctx, tx, v.ReportID)
	if err != nil {
		return err
	}
	return s.notifyState(ctx, tx, r, user(ctx), []auth.Role{auth.RoleStateEditor, auth.RoleStateApprover}, "submitted", false)
}

// notifyReopened tells the State's other editors and approvers that the
// report was reopened for a correction.
func (s *Service) notifyReopened(ctx context.Context, tx *db.Tx, r Report) error {
	return s.notifyState(ctx, tx, r, user(ctx), []auth.Role{auth.RoleStateEditor, auth.RoleStateApprover}, "reopened", false)
}

// notifyState queues, in tx, the e-mail of event ("sent", "returned",
// "submitted", "reopened") to the enabled accounts of the report's State
// with one of roles, except the actor, each in the account's language.
// commented says a comment was left: the e-mail says so and links to the
// report, never quoting it (comments stay on the platform).
func (s *Service) notifyState(ctx context.Context, tx *db.Tx, r Report, actor *auth.User, roles []auth.Role, event string, commented bool) error {
	all, err := s.P.Auth.List(ctx)
	if err != nil {
		return err
	}
	link := s.P.Link("/reports/" + r.ID)
	if event == "returned" {
		link = s.P.Link("/reports/" + r.ID + "/edit")
	}
	var version int
	if event == "submitted" {
		version = r.CurrentVersion
	}
	for _, u := range all {
		if u.Disabled || !strings.EqualFold(u.StateISO3, r.StateISO3) || (actor != nil && u.ID == actor.ID) || !hasRole(u.Role, roles) {
			continue
		}
		lang := u.Lang
		if lang == "" {
			lang = "en"
		}
		T := func(key string, args ...any) string { return s.P.Site.Catalog.T(lang, key, args...) }
		name, by := stateName(r.StateISO3, lang), ""
		if actor != nil {
			by = actor.Name
		}
		text := T("reporting.mail.greeting", u.Name) + "\n\n" + T("reporting.mail."+event+".body", by, name, r.CycleName, version) + "\n\n"
		if commented {
			text += T("reporting.mail.commented", by) + "\n\n"
		}
		text += T("reporting.mail.open") + " " + link + "\n"
		if err := s.P.QueueMail(ctx, tx, mail.Message{To: u.Email, Subject: T("reporting.mail."+event+".subject", name, r.CycleName), Text: text}); err != nil {
			return err
		}
	}
	return nil
}

func hasRole(r auth.Role, roles []auth.Role) bool {
	for _, x := range roles {
		if r == x {
			return true
		}
	}
	return false
}

// awaitingFor reports whether the draft waits for u: an approver's
// approval, or an editor's fixes after a return.
func awaitingFor(r Report, u *auth.User) bool {
	if u == nil || !u.ActsFor(r.StateISO3) || r.Status != StatusDraft {
		return false
	}
	switch r.Handoff {
	case HandoffAwaiting:
		return u.Role == auth.RoleStateApprover
	case HandoffReturned:
		return u.Role == auth.RoleStateEditor
	}
	return false
}
