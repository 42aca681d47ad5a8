package incidents

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Release is a dated release of the dataset, kept for citation.
type Release struct {
	Version      string    `json:"version" doc:"the release date, YYYY-MM-DD, with .2, .3 … for later releases the same day"`
	ReleasedAt   time.Time `json:"released_at"`
	Incidents    int       `json:"incidents"`
	Attributions int       `json:"attributions"`
	Responses    int       `json:"responses"`
	Notes        string    `json:"notes" doc:"the changelog: what changed since the previous release"`
	SHA256       string    `json:"sha256" doc:"of the uncompressed JSON document"`
}

// ReleaseInput is the changelog of a new release.
type ReleaseInput struct {
	Notes string `json:"notes"`
}

// CreateRelease freezes the published dataset as a dated release
// (secretariat): the JSON document, gzipped, with its SHA-256 and the
// changelog.
func (s *Service) CreateRelease(ctx context.Context, u *auth.User, in ReleaseInput) (*Release, error) {
	if !isSecretariat(u) {
		return nil, ErrForbidden
	}
	notes, err := text("notes", in.Notes, 1, 10000)
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	if err := s.WriteJSON(ctx, &raw); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	r := &Release{ReleasedAt: now, Notes: notes, SHA256: hex.EncodeToString(sum[:])}
	err = s.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, c := range []struct {
			q   string
			dst *int
		}{{`SELECT COUNT(*) FROM incidents WHERE status = 'published'`, &r.Incidents},
			{`SELECT COUNT(*) FROM incident_attributions a JOIN incidents i ON i.id = a.incident_id WHERE a.status = 'published' AND i.status = 'published'`, &r.Attributions},
			{`SELECT COUNT(*) FROM incident_responses r JOIN incidents i ON i.id = r.incident_id WHERE i.status = 'published'`, &r.Responses}} {
			if err := tx.QueryRowContext(ctx, c.q).Scan(c.dst); err != nil {
				return err
			}
		}
		day := now.Format("2006-01-02")
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_releases WHERE version = ? OR version LIKE ?`, day, day+".%").Scan(&n); err != nil {
			return err
		}
		r.Version = day
		if n > 0 {
			r.Version = fmt.Sprintf("%s.%d", day, n+1)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_releases (version, released_at, incidents, attributions, responses, notes, sha256, json_gzip)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Version, now, r.Incidents, r.Attributions, r.Responses, r.Notes, r.SHA256, gz.Bytes()); err != nil {
			return fmt.Errorf("insert release: %w", err)
		}
		return audit.Record(ctx, tx, "incidents.release.create", "incident_release", r.Version, nil, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Releases lists the releases, newest first.
func (s *Service) Releases(ctx context.Context) ([]Release, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT version, released_at, incidents, attributions, responses, notes, sha256 FROM incident_releases ORDER BY released_at DESC, version DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Release{}
	for rows.Next() {
		var r Release
		if err := rows.Scan(&r.Version, &r.ReleasedAt, &r.Incidents, &r.Attributions, &r.Responses, &r.Notes, &r.SHA256); err != nil {
			return nil, err
		}
		r.ReleasedAt = r.ReleasedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

func (m *Module) releaseFile(w http.ResponseWriter, r *http.Request) {
	var data []byte
	version := r.PathValue("version")
	err := m.svc.DB.QueryRowContext(r.Context(), `SELECT json_gzip FROM incident_releases WHERE version = ?`, version).Scan(&data)
	if err != nil {
		m.site.Error(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Content-Disposition", `attachment; filename="cybernorms-incidents-`+version+`.json.gz"`)
	_, _ = io.Copy(w, bytes.NewReader(data))
}

func (m *Module) releaseForm(w http.ResponseWriter, r *http.Request) {
	_, err := m.svc.CreateRelease(r.Context(), user(r), ReleaseInput{Notes: r.PostFormValue("notes")})
	var fe *FieldError
	if errors.As(err, &fe) {
		m.site.Error(w, r, http.StatusUnprocessableEntity, "incidents.error.invalid")
		return
	}
	if err != nil {
		m.pageFail(w, r, err)
		return
	}
	m.site.Redirect(w, r, "/incidents/dataset#releases", "incidents.flash.released")
}

func (m *Module) apiReleases(w http.ResponseWriter, r *http.Request) {
	rs, err := m.svc.Releases(r.Context())
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusOK, api.List[Release]{Items: rs})
}

func (m *Module) apiCreateRelease(w http.ResponseWriter, r *http.Request) {
	var in ReleaseInput
	if err := api.Decode(w, r, &in, 0); err != nil {
		api.WriteError(w, err)
		return
	}
	rel, err := m.svc.CreateRelease(r.Context(), user(r), in)
	if err != nil {
		m.apiFail(w, r, err)
		return
	}
	api.WriteJSON(w, http.StatusCreated, rel)
}
