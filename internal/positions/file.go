package positions

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/upload"
)

// DocumentFile is the PDF of a position document.
type DocumentFile struct {
	Filename   string    `json:"filename"`
	Size       int       `json:"size"`
	SHA256     string    `json:"sha256"`
	URL        string    `json:"url"`
	UploadedAt time.Time `json:"uploaded_at"`
}

// mayAttach: the State's own staff while the document is a draft; the
// secretariat for a document it entered (a State's position from its
// public source, or a joint position) that is not superseded.
func mayAttach(u *auth.User, p Position) bool {
	switch {
	case u == nil:
		return false
	case u.Role.IsState():
		return u.StateISO3 == p.State && p.Kind == KindNational && p.Status == StatusDraft
	case u.Has(auth.RoleSecretariat):
		return (p.BySecretariat || p.Kind == KindJoint) && p.Status == StatusPublished
	}
	return false
}

// AttachFile stores (or replaces) the PDF of a position document, checked
// by its content and size. Text is not extracted from it: the passages
// quote the document, as before.
func (s *Service) AttachFile(ctx context.Context, docID string, f upload.File) (DocumentFile, error) {
	u := auth.UserFrom(ctx)
	p, err := s.Get(ctx, docID, "en")
	if err != nil {
		return DocumentFile{}, err
	}
	if !mayAttach(u, p) {
		if p.Status == StatusSuperseded || (u.Role.IsState() && u.StateISO3 == p.State && p.Status != StatusDraft) {
			return DocumentFile{}, api.Errorf(http.StatusConflict, "not_editable", "", "this position is %s: its document cannot be changed; write a new position to supersede it", p.Status)
		}
		return DocumentFile{}, api.Errorf(http.StatusForbidden, "forbidden", "", "only the State's own staff (or the secretariat for its entries) attach the document")
	}
	if err := upload.CheckPDF("file", f.Data, upload.MaxPDF); err != nil {
		return DocumentFile{}, err
	}
	name := f.Name
	if name == "" {
		name = "position.pdf"
	}
	sum := sha256.Sum256(f.Data)
	df := DocumentFile{Filename: name, Size: len(f.Data), SHA256: hex.EncodeToString(sum[:]), URL: "/positions/documents/" + p.ID + "/file", UploadedAt: now()}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM positions_document_files WHERE document_id = ?`, p.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO positions_document_files (document_id, filename, size, sha256, content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, df.Filename, df.Size, df.SHA256, f.Data, u.ID, df.UploadedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "position.file", "position", p.ID, nil, map[string]any{"sha256": df.SHA256, "size": df.Size})
	})
	return df, err
}

// fileOf reads a document's PDF metadata (nil when it has none).
func fileOf(ctx context.Context, q db.Querier, docID string) (*DocumentFile, error) {
	var f DocumentFile
	err := q.QueryRowContext(ctx, `SELECT filename, size, sha256, uploaded_at FROM positions_document_files WHERE document_id = ?`, docID).Scan(&f.Filename, &f.Size, &f.SHA256, &f.UploadedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f.UploadedAt, f.URL = f.UploadedAt.UTC(), "/positions/documents/"+docID+"/file"
	return &f, nil
}

// File reads the PDF of a document the caller may read.
func (s *Service) File(ctx context.Context, docID string) (DocumentFile, []byte, error) {
	if _, err := s.Get(ctx, docID, "en"); err != nil {
		return DocumentFile{}, nil, err
	}
	var f DocumentFile
	var body []byte
	err := s.DB.QueryRowContext(ctx, `SELECT filename, size, sha256, content FROM positions_document_files WHERE document_id = ?`, docID).Scan(&f.Filename, &f.Size, &f.SHA256, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, ErrNotFound
	}
	return f, body, err
}

func (m *Module) attachFileForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f, err := upload.Read(w, r, "file", upload.MaxPDF)
	if err == nil {
		_, err = m.svc.AttachFile(r.Context(), id, f)
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/positions/documents/"+id, "positions.file_attached")
}

func (m *Module) fileDownload(w http.ResponseWriter, r *http.Request) {
	f, body, err := m.svc.File(r.Context(), r.PathValue("id"))
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if auth.UserFrom(r.Context()) != nil {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	upload.Serve(w, f.Filename, "application/pdf", body)
}
