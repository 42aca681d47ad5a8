package participation

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Statement statuses.
const (
	StatementSubmitted = "submitted" // waiting for the secretariat's check
	StatementPublished = "published"
	StatementRejected  = "rejected"
)

// Statement is a statement or written input to a session, by an accredited
// organisation or a State.
type Statement struct {
	ID          string     `json:"id"`
	SessionID   string     `json:"session_id"`
	SessionSlug string     `json:"session"`
	OrgID       string     `json:"-"`
	OrgSlug     string     `json:"organisation,omitempty"`
	OrgName     string     `json:"organisation_name,omitempty"`
	StateISO3   string     `json:"state,omitempty"`
	Title       string     `json:"title"`
	Lang        string     `json:"lang"`
	Delivery    string     `json:"delivery"`
	Body        string     `json:"body,omitempty"`
	HasFile     bool       `json:"has_file"`
	FileSize    int64      `json:"file_size,omitempty"`
	Status      string     `json:"status"`
	SubmittedAt time.Time  `json:"submitted_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// StatementInput is a statement submitted as markdown text (Body) and/or a
// PDF (given separately).
type StatementInput struct {
	Title    string `json:"title"`
	Lang     string `json:"lang"`
	Delivery string `json:"delivery"` // delivered or written
	Body     string `json:"body"`
}

// ErrNotPDF and ErrTooLarge refuse uploads.
var (
	ErrNotPDF   = invalid("file", "is not a PDF document (it must begin with %PDF-)")
	ErrTooLarge = invalid("file", "is larger than the limit")
)

// CheckPDF checks an upload by its content: the %PDF- magic, and the size.
func CheckPDF(b []byte, limit int64) error {
	if int64(len(b)) > limit {
		return api.Invalidf("file", "is larger than %d bytes", limit)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return ErrNotPDF
	}
	return nil
}

const stmtCols = `t.id, t.session_id, s.slug, t.org_id, COALESCE(o.slug, ''), COALESCE(o.name, ''), t.state_iso3, t.title, t.lang, t.delivery, t.body, t.file_name, t.file_size, t.status, t.submitted_at, t.published_at`
const stmtFrom = ` FROM participation_statements t JOIN participation_sessions s ON s.id = t.session_id LEFT JOIN organisations o ON o.id = t.org_id`

func scanStatement(row interface{ Scan(...any) error }) (Statement, error) {
	var x Statement
	var file string
	var pub sql.NullTime
	err := row.Scan(&x.ID, &x.SessionID, &x.SessionSlug, &x.OrgID, &x.OrgSlug, &x.OrgName, &x.StateISO3, &x.Title, &x.Lang, &x.Delivery, &x.Body, &file, &x.FileSize, &x.Status, &x.SubmittedAt, &pub)
	x.HasFile, x.PublishedAt = file != "", tp(pub)
	return x, err
}

// accredited reports whether the organisation is accredited to the session
// (for it, or standing to its body).
func (s *Service) accredited(ctx context.Context, q db.Querier, orgID string, x Session) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM participation_applications WHERE org_id = ? AND status = ? AND (session_id = ? OR (session_id = '' AND body_id = ?))`,
		orgID, StatusAccredited, x.ID, x.BodyID).Scan(&n)
	return n > 0, err
}

// SubmitStatement records a statement to a session, from an accredited
// organisation's user or a State's staff, with an optional PDF already read
// into memory (checked by content and size). It waits for the secretariat's
// check before it is published.
func (s *Service) SubmitStatement(ctx context.Context, sessionSlug string, in StatementInput, pdf []byte) (Statement, error) {
	u := auth.UserFrom(ctx)
	x, err := s.SessionBySlug(ctx, sessionSlug)
	if err != nil {
		return Statement{}, err
	}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	switch {
	case in.Title == "" || len(in.Title) > 300:
		return Statement{}, invalid("title", "is required and at most 300 characters")
	case !web.KnownLanguage(in.Lang) && !oneOf(in.Lang, []string{"de", "pt", "ja", "ko", "it", "nl"}):
		return Statement{}, invalid("lang", "must be a language code such as en, fr, es, ar, zh or ru")
	case in.Delivery != "delivered" && in.Delivery != "written":
		return Statement{}, invalid("delivery", "must be delivered or written")
	case len(in.Body) > 200_000:
		return Statement{}, invalid("body", "is at most 200000 characters")
	case in.Body == "" && len(pdf) == 0:
		return Statement{}, invalid("body", "give the statement's text or upload a PDF")
	}
	if len(pdf) > 0 {
		if err := CheckPDF(pdf, s.MaxUpload); err != nil {
			return Statement{}, err
		}
	}
	st := Statement{ID: id.New(), SessionID: x.ID, SessionSlug: x.Slug, Title: in.Title, Lang: in.Lang, Delivery: in.Delivery, Body: in.Body, Status: StatementSubmitted, SubmittedAt: s.now()}
	switch {
	case u.Has(auth.RoleStakeholder) && u.OrgID != "":
		ok, err := s.accredited(ctx, s.DB, u.OrgID, x)
		if err != nil {
			return st, err
		}
		if !ok {
			return st, conflict("session", "only organisations accredited to this session may submit statements to it")
		}
		st.OrgID = u.OrgID
	case u != nil && u.Role.IsState():
		st.StateISO3 = u.StateISO3
	default:
		return st, ErrForbidden
	}
	var fileName string
	if len(pdf) > 0 {
		fileName = st.ID + ".pdf"
		dir := filepath.Join(s.DataDir, "participation", "statements")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return st, fmt.Errorf("statement folder: %w", err)
		}
		// Written before the row commits: a crash leaves an orphan file, never
		// a row without its file.
		tmp := filepath.Join(dir, fileName+".tmp")
		if err := os.WriteFile(tmp, pdf, 0o640); err != nil {
			return st, fmt.Errorf("store statement file: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, fileName)); err != nil {
			return st, fmt.Errorf("store statement file: %w", err)
		}
		st.HasFile, st.FileSize = true, int64(len(pdf))
	}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO participation_statements (id, session_id, org_id, state_iso3, title, lang, delivery, body, file_name, file_size, status, submitted_by, submitted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.ID, st.SessionID, st.OrgID, st.StateISO3, st.Title, st.Lang, st.Delivery, st.Body, fileName, st.FileSize, st.Status, u.ID, st.SubmittedAt); err != nil {
			return fmt.Errorf("insert statement: %w", err)
		}
		if err := audit.Record(ctx, tx, "statement.submit", "statement", st.ID, nil, st); err != nil {
			return err
		}
		return s.notify(ctx, tx, recipients{secretariat: true}, "/participation/sessions/"+x.Slug+"/statements", func(_ string, t platform.Tr) (string, string) {
			return t("participation.mail.statement_check_subject", st.Title), t("participation.mail.statement_check_text", x.Title, st.Title)
		})
	})
	return st, err
}

// Statement returns one statement. Until published it is visible only to
// its author's organisation or State and to the secretariat.
func (s *Service) Statement(ctx context.Context, stmtID string) (Statement, error) {
	st, err := scanStatement(s.DB.QueryRowContext(ctx, `SELECT `+stmtCols+stmtFrom+` WHERE t.id = ?`, stmtID))
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrNotFound
	}
	if err != nil {
		return st, err
	}
	if st.Status != StatementPublished && !canSeeStatement(auth.UserFrom(ctx), st) {
		return Statement{}, ErrNotFound
	}
	return st, nil
}

func canSeeStatement(u *auth.User, st Statement) bool {
	switch {
	case u == nil:
		return false
	case u.Has(auth.RoleSecretariat):
		return true
	case st.OrgID != "":
		return u.OrgID == st.OrgID
	default:
		return u.ActsFor(st.StateISO3)
	}
}

// StatementFile opens a statement's PDF, under the same visibility rule.
func (s *Service) StatementFile(ctx context.Context, stmtID string) (*os.File, Statement, error) {
	st, err := s.Statement(ctx, stmtID)
	if err != nil {
		return nil, st, err
	}
	if !st.HasFile {
		return nil, st, ErrNotFound
	}
	f, err := os.Open(filepath.Join(s.DataDir, "participation", "statements", st.ID+".pdf"))
	if err != nil {
		return nil, st, fmt.Errorf("open statement file: %w", err)
	}
	return f, st, nil
}

// Statements lists a session's statements: the published ones, plus those
// waiting for a check when the caller is the secretariat.
func (s *Service) Statements(ctx context.Context, sessionID string, withPending bool) ([]Statement, error) {
	q := `SELECT ` + stmtCols + stmtFrom + ` WHERE t.session_id = ? AND (t.status = ?`
	args := []any{sessionID, StatementPublished}
	if withPending {
		q += ` OR t.status = ?`
		args = append(args, StatementSubmitted)
	}
	rows, err := s.DB.QueryContext(ctx, q+`) ORDER BY t.submitted_at`, args...)
	if err != nil {
		return nil, fmt.Errorf("list statements: %w", err)
	}
	defer rows.Close()
	out := []Statement{}
	for rows.Next() {
		st, err := scanStatement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// ReviewStatement publishes or rejects a submitted statement (secretariat).
func (s *Service) ReviewStatement(ctx context.Context, stmtID string, publish bool) (Statement, error) {
	var st Statement
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		st, err = scanStatement(tx.QueryRowContext(ctx, `SELECT `+stmtCols+stmtFrom+` WHERE t.id = ?`, stmtID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		switch st.Status {
		case StatementPublished:
			return conflict("status", "the statement was already published")
		case StatementRejected:
			return conflict("status", "the statement was already rejected")
		}
		before := st
		at := s.now()
		st.Status = StatementRejected
		if publish {
			st.Status, st.PublishedAt = StatementPublished, &at
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participation_statements SET status = ?, published_at = ? WHERE id = ?`, st.Status, st.PublishedAt, st.ID); err != nil {
			return fmt.Errorf("review statement: %w", err)
		}
		if err := audit.Record(ctx, tx, "statement.review", "statement", st.ID, before, st); err != nil {
			return err
		}
		r := recipients{orgID: st.OrgID}
		if st.StateISO3 != "" {
			r = recipients{stateISO3: st.StateISO3}
		}
		return s.notify(ctx, tx, r, "/participation/sessions/"+st.SessionSlug, func(_ string, t platform.Tr) (string, string) {
			return t("participation.mail.statement_"+st.Status+"_subject", st.Title), t("participation.mail.statement_"+st.Status+"_text", st.Title)
		})
	})
	return st, err
}
