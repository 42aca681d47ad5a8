package vep

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// MaxDocument is the largest policy document accepted: 10 MiB.
const MaxDocument = 10 << 20

// Document is a policy's uploaded PDF.
type Document struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Size     int    `json:"size"`
	SHA256   string `json:"sha256"`
}

// URL is where the document is served.
func (d Document) URL() string { return "/vep/documents/" + d.ID }

// UploadDocument stores a PDF for the caller's draft of a State's policy
// and makes the draft name it (the draft is created from the policy in
// force if there is none).
func (s *Service) UploadDocument(ctx context.Context, iso3, filename string, pdf []byte) (Document, error) {
	st, err := knownState(iso3)
	if err != nil {
		return Document{}, err
	}
	u := auth.UserFrom(ctx)
	src := sourceFor(u)
	if !canEdit(u, st.ISO3, src) {
		return Document{}, ErrNotFound
	}
	if len(pdf) == 0 {
		return Document{}, api.Invalid("document", "choose a PDF file to upload")
	}
	if len(pdf) > MaxDocument {
		return Document{}, api.Invalidf("document", "is larger than %d bytes", MaxDocument)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return Document{}, api.Invalid("document", "is not a PDF document (it must begin with %PDF-)")
	}
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if name == "." || name == "/" || line("document", name, 200) != nil {
		name = "policy.pdf"
	}
	sum := sha256.Sum256(pdf)
	doc := Document{ID: id.New(), Filename: name, Size: len(pdf), SHA256: hex.EncodeToString(sum[:])}
	draft, err := s.Draft(ctx, st.ISO3)
	if err != nil {
		return Document{}, err
	}
	draft.Policy.DocumentID = doc.ID
	raw, err := json.Marshal(draft.Policy)
	if err != nil {
		return Document{}, err
	}
	at := now()
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vep_documents (id, state_iso3, source, filename, size, sha256, content, uploaded_at, uploaded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			doc.ID, st.ISO3, src, doc.Filename, doc.Size, doc.SHA256, pdf, at, u.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO vep_policy_drafts (state_iso3, source, body, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (state_iso3, source) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			st.ISO3, src, string(raw), at, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "vep.policy.document", "vep_document", doc.ID, nil, map[string]any{"state": st.ISO3, "source": src, "sha256": doc.SHA256, "size": doc.Size})
	})
	return doc, err
}

// checkDocument accepts a draft's document id: empty, or a document
// uploaded for the same State by the same side.
func (s *Service) checkDocument(ctx context.Context, q db.Querier, iso3, src, docID string) error {
	if docID == "" {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM vep_documents WHERE id = ? AND state_iso3 = ? AND source = ?`, docID, iso3, src).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return api.Invalid("document_id", "is not a document uploaded for this policy")
	}
	return nil
}

// DocumentInfo describes a document the caller may read.
func (s *Service) DocumentInfo(ctx context.Context, docID string) (Document, error) {
	d, _, err := s.document(ctx, docID, false)
	return d, err
}

// document loads a document the caller may read: a published one, or one
// of the caller's own drafts.
func (s *Service) document(ctx context.Context, docID string, content bool) (Document, []byte, error) {
	if docID == "" || len(docID) > 64 {
		return Document{}, nil, ErrNotFound
	}
	var d Document
	var iso3, src string
	var pub sql.NullTime
	var body []byte
	cols := `id, filename, size, sha256, state_iso3, source, published_at`
	if content {
		cols += `, content`
	}
	row := s.DB.QueryRowContext(ctx, `SELECT `+cols+` FROM vep_documents WHERE id = ?`, docID)
	dest := []any{&d.ID, &d.Filename, &d.Size, &d.SHA256, &iso3, &src, &pub}
	if content {
		dest = append(dest, &body)
	}
	if err := row.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return d, nil, ErrNotFound
	} else if err != nil {
		return d, nil, err
	}
	if !pub.Valid && !canEdit(auth.UserFrom(ctx), iso3, src) {
		return Document{}, nil, ErrNotFound
	}
	return d, body, nil
}

// publishDocument makes the document a published policy names public.
func publishDocument(ctx context.Context, tx *db.Tx, docID string, at time.Time) error {
	if docID == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE vep_documents SET published_at = ? WHERE id = ? AND published_at IS NULL`, at, docID)
	return err
}

func (m *Module) uploadForm(w http.ResponseWriter, r *http.Request) {
	iso3 := r.PathValue("iso3")
	back := "/vep/states/" + strings.ToUpper(iso3) + "#document"
	r.Body = http.MaxBytesReader(w, r.Body, MaxDocument+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			m.fail(w, r, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: "document", Message: "is larger than " + strconv.Itoa(MaxDocument) + " bytes", Format: "is larger than %d bytes", Args: []any{MaxDocument}}, back)
			return
		}
		m.fail(w, r, api.Invalid("document", "send the file as a multipart form"), back)
		return
	}
	if r.MultipartForm == nil {
		r.MultipartForm = &multipart.Form{}
	}
	if e := web.CheckForm(r); e != nil {
		m.fail(w, r, e, back)
		return
	}
	var pdf []byte
	name := ""
	if f, h, err := r.FormFile("document"); err == nil {
		defer f.Close()
		name = h.Filename
		if pdf, err = io.ReadAll(io.LimitReader(f, MaxDocument+1)); err != nil {
			m.fail(w, r, api.Invalid("document", "the upload could not be read"), back)
			return
		}
	}
	if _, err := m.svc.UploadDocument(r.Context(), iso3, name, pdf); err != nil {
		m.fail(w, r, err, back)
		return
	}
	m.site.Redirect(w, r, back, "vep.flash.document")
}

func (m *Module) documentFile(w http.ResponseWriter, r *http.Request) {
	d, body, err := m.svc.document(r.Context(), r.PathValue("id"), true)
	if err != nil {
		m.fail(w, r, err, "/vep")
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(d.Filename)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	_, _ = w.Write(body)
}
