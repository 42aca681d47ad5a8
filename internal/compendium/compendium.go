// Package compendium is the compendium of good practice: for each norm,
// curated recommendations attributed to their source (the Cybersecurity
// Tech Accord's table is imported first) and good practices — published
// measures from national reports that the secretariat or the reporting
// State has marked — with one full-text search across recommendations,
// measures and practices. See docs/modules/compendium.md.
package compendium

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/framework/seed"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/states"
)

// Search document kinds this module indexes.
const (
	KindRecommendation = "recommendation"
	KindMeasure        = "measure"
	KindPractice       = "practice"
)

// Source is where recommendations come from, shown as their attribution.
type Source struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Author   string `json:"author"`
	Document string `json:"document,omitempty"`
	Year     int    `json:"year,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Attribution is the line shown under every recommendation.
func (s Source) Attribution() string {
	parts := []string{s.Author}
	if s.Document != "" && s.Document != s.Title {
		parts = append(parts, s.Document)
	}
	if s.Title != "" {
		parts = append(parts, "“"+s.Title+"”")
	}
	if s.Year != 0 {
		parts = append(parts, fmt.Sprint(s.Year))
	}
	return strings.Join(parts, ", ")
}

// Recommendation is a curated recommendation for implementing a norm.
type Recommendation struct {
	ID          string    `json:"id"`
	NormID      string    `json:"norm_id"`
	Position    int       `json:"position"`
	Text        string    `json:"text"`
	Source      Source    `json:"source"`
	Attribution string    `json:"attribution"`
	CreatedAt   time.Time `json:"created_at"`
}

// Lead is the recommendation's text before its sub-items.
func (r Recommendation) Lead() string { return strings.Split(r.Text, "\n- ")[0] }

// Items are the recommendation's sub-items, if any.
func (r Recommendation) Items() []string { return strings.Split(r.Text, "\n- ")[1:] }

// RecommendationInput is what the secretariat sends to add a
// recommendation from another source.
type RecommendationInput struct {
	NormID         string `json:"norm_id"`
	Text           string `json:"text"`
	SourceAuthor   string `json:"source_author"`
	SourceTitle    string `json:"source_title"`
	SourceDocument string `json:"source_document,omitempty"`
	SourceYear     int    `json:"source_year,omitempty"`
	SourceURL      string `json:"source_url,omitempty"`
}

// Practice is a good practice: a published measure, marked as such.
type Practice struct {
	MeasureKey string    `json:"measure_key"`
	MeasureID  string    `json:"measure_id"`
	ReportID   string    `json:"report_id"`
	State      string    `json:"state"`
	StateName  string    `json:"state_name"`
	CycleYear  int       `json:"cycle_year"`
	NormID     string    `json:"norm_id"`
	Norms      []string  `json:"norms"`
	Title      string    `json:"title"`
	Desc       string    `json:"description"`
	Type       string    `json:"type"`
	Status     string    `json:"status"`
	Note       string    `json:"note,omitempty"`
	MarkedRole string    `json:"marked_by_role"`
	MarkedAt   time.Time `json:"marked_at"`
	// NormRefs name Norms for pages.
	NormRefs []NormRef `json:"-"`
}

// PracticeInput marks a published measure (by id) as a good practice.
type PracticeInput struct {
	MeasureID string `json:"measure_id"`
	Note      string `json:"note,omitempty"`
}

// FieldError names an input field and why it was refused.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// MessageKey is the reason's catalog key ("reason:" and the English
// reason, as api.Error's), by which pages say it in the reader's language
// (web.Catalog.ErrorText).
func (e *FieldError) MessageKey() (string, []any) { return "reason:" + e.Reason, nil }

// Errors of the service functions.
var (
	ErrNotFound  = errors.New("compendium: not found")
	ErrForbidden = errors.New("compendium: not allowed")
)

// Service holds the compendium's rules and storage.
type Service struct {
	P  *platform.Services
	FW *framework.Store
}

// Norms returns the reportable norms (the eleven GGE norms), in order.
func (s *Service) Norms(ctx context.Context, lang string) ([]framework.Norm, error) {
	return s.FW.Norms(ctx, framework.GGE2015, lang)
}

// ImportResult says what an import run did.
type ImportResult struct {
	Source  string `json:"source"`
	Rows    int    `json:"rows"`
	Added   int    `json:"added"`
	Norms   int    `json:"norms"`
	Indexed int    `json:"indexed"`
}

// ImportTechAccord imports the Tech Accord's recommendations table from
// the seed documents. It is idempotent: rows are keyed by source, norm and
// position, so a second run adds nothing and curated rows are left alone.
func (s *Service) ImportTechAccord(ctx context.Context) (ImportResult, error) {
	rows, err := seed.Norms()
	if err != nil {
		return ImportResult{}, fmt.Errorf("compendium: parse the Tech Accord table: %w", err)
	}
	src := seed.NormsSource()
	res := ImportResult{Source: src.ID}
	now := time.Now().UTC()
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO compendium_sources (id, title, author, document, year, url, created_at) VALUES (?, ?, ?, ?, ?, '', ?) ON CONFLICT (id) DO NOTHING`,
			src.ID, src.Title, src.Author, src.Document, src.Year, now); err != nil {
			return fmt.Errorf("compendium: add source: %w", err)
		}
		source := Source{ID: src.ID, Title: src.Title, Author: src.Author, Document: src.Document, Year: src.Year}
		var added []string
		for _, row := range rows {
			normID := framework.GGE2015 + "-" + row.Letter
			res.Norms++
			for i, text := range row.Recommendations {
				res.Rows++
				key := fmt.Sprintf("%s/%s/%d", src.ID, normID, i+1)
				rid := id.New()
				r, err := tx.ExecContext(ctx, `INSERT INTO compendium_recommendations (id, norm_id, position, text, source_id, import_key, created_at, created_by)
					VALUES (?, ?, ?, ?, ?, ?, ?, 'import') ON CONFLICT (import_key) DO NOTHING`, rid, normID, i+1, text, src.ID, key, now)
				if err != nil {
					return fmt.Errorf("compendium: import %s: %w", key, err)
				}
				if n, _ := r.RowsAffected(); n == 0 {
					continue
				}
				added = append(added, rid)
				rec := Recommendation{ID: rid, NormID: normID, Position: i + 1, Text: text, Source: source}
				if err := search.Index(ctx, tx, recommendationDoc(rec)); err != nil {
					return err
				}
			}
		}
		res.Added, res.Indexed = len(added), len(added)
		if len(added) == 0 {
			return nil
		}
		return audit.Record(ctx, tx, "compendium.import", "compendium_source", src.ID, nil, map[string]any{"added": len(added), "rows": res.Rows})
	})
	return res, err
}

func recommendationDoc(r Recommendation) search.Document {
	title := r.Lead()
	if rs := []rune(title); len(rs) > 120 {
		title = string(rs[:119]) + "…"
	}
	return search.Document{Kind: KindRecommendation, Ref: r.ID, Title: title, Body: r.Text + "\n" + r.Source.Attribution(),
		URL: "/compendium/norms/" + r.NormID + "#rec-" + r.ID, Norms: []string{r.NormID}, Year: r.Source.Year, Parent: r.Source.ID}
}

const recCols = `r.id, r.norm_id, r.position, r.text, r.created_at, s.id, s.title, s.author, s.document, s.year, s.url`

func scanRec(row interface{ Scan(...any) error }) (Recommendation, error) {
	var r Recommendation
	err := row.Scan(&r.ID, &r.NormID, &r.Position, &r.Text, &r.CreatedAt, &r.Source.ID, &r.Source.Title, &r.Source.Author, &r.Source.Document, &r.Source.Year, &r.Source.URL)
	r.Attribution = r.Source.Attribution()
	return r, err
}

// Recommendations lists the recommendations, of one norm when normID is
// set, in norm and position order.
func (s *Service) Recommendations(ctx context.Context, normID string) ([]Recommendation, error) {
	q := `SELECT ` + recCols + ` FROM compendium_recommendations r JOIN compendium_sources s ON s.id = r.source_id`
	var args []any
	if normID != "" {
		q += ` WHERE r.norm_id = ?`
		args = append(args, normID)
	}
	rows, err := s.P.DB.QueryContext(ctx, q+` ORDER BY r.norm_id, r.position, r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("compendium: list recommendations: %w", err)
	}
	defer rows.Close()
	out := []Recommendation{}
	for rows.Next() {
		r, err := scanRec(rows)
		if err != nil {
			return nil, fmt.Errorf("compendium: list recommendations: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecommendationCounts returns the number of recommendations per norm.
func (s *Service) RecommendationCounts(ctx context.Context) (map[string]int, error) {
	out, err := db.Counts(ctx, s.P.DB, `SELECT norm_id, COUNT(*) FROM compendium_recommendations GROUP BY norm_id`)
	if err != nil {
		return nil, fmt.Errorf("compendium: count recommendations: %w", err)
	}
	return out, nil
}

// validateRecommendation checks input and returns it trimmed.
func (s *Service) validateRecommendation(ctx context.Context, in RecommendationInput) (RecommendationInput, error) {
	in.NormID = strings.TrimSpace(in.NormID)
	in.Text = strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	in.SourceAuthor = strings.TrimSpace(in.SourceAuthor)
	in.SourceTitle = strings.TrimSpace(in.SourceTitle)
	in.SourceDocument = strings.TrimSpace(in.SourceDocument)
	in.SourceURL = strings.TrimSpace(in.SourceURL)
	if _, err := s.FW.Norm(ctx, in.NormID, "en"); err != nil {
		if errors.Is(err, framework.ErrNotFound) {
			return in, &FieldError{"norm_id", "is not a known norm"}
		}
		return in, err
	}
	switch {
	case len([]rune(in.Text)) < 10 || len(in.Text) > 4000:
		return in, &FieldError{"text", "is required, from 10 to 4000 characters"}
	case in.SourceAuthor == "" || len(in.SourceAuthor) > 200:
		return in, &FieldError{"source_author", "is required (who published it), at most 200 characters"}
	case in.SourceTitle == "" || len(in.SourceTitle) > 300:
		return in, &FieldError{"source_title", "is required, at most 300 characters"}
	case len(in.SourceDocument) > 300:
		return in, &FieldError{"source_document", "is at most 300 characters"}
	case in.SourceYear != 0 && (in.SourceYear < 1990 || in.SourceYear > time.Now().UTC().Year()+1):
		return in, &FieldError{"source_year", "must be a year from 1990 to next year"}
	}
	if in.SourceURL != "" {
		u, err := url.Parse(in.SourceURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(in.SourceURL) > 500 {
			return in, &FieldError{"source_url", "must be an http or https address of at most 500 characters"}
		}
	}
	return in, nil
}

// AddRecommendation adds a recommendation from another source (the
// secretariat), audited and indexed.
func (s *Service) AddRecommendation(ctx context.Context, in RecommendationInput) (Recommendation, error) {
	u := auth.UserFrom(ctx)
	if u == nil || u.Role != auth.RoleSecretariat {
		return Recommendation{}, ErrForbidden
	}
	in, err := s.validateRecommendation(ctx, in)
	if err != nil {
		return Recommendation{}, err
	}
	now := time.Now().UTC()
	src := Source{Title: in.SourceTitle, Author: in.SourceAuthor, Document: in.SourceDocument, Year: in.SourceYear, URL: in.SourceURL}
	rec := Recommendation{ID: id.New(), NormID: in.NormID, Text: in.Text, CreatedAt: now}
	err = s.P.DB.InTx(ctx, func(tx *db.Tx) error {
		// One source row per distinct author, title and document.
		err := tx.QueryRowContext(ctx, `SELECT id FROM compendium_sources WHERE author = ? AND title = ? AND document = ?`, src.Author, src.Title, src.Document).Scan(&src.ID)
		if errors.Is(err, sql.ErrNoRows) {
			src.ID = id.New()
			_, err = tx.ExecContext(ctx, `INSERT INTO compendium_sources (id, title, author, document, year, url, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				src.ID, src.Title, src.Author, src.Document, src.Year, src.URL, now)
		}
		if err != nil {
			return fmt.Errorf("compendium: source: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM compendium_recommendations WHERE norm_id = ?`, rec.NormID).Scan(&rec.Position); err != nil {
			return err
		}
		rec.Source = src
		rec.Attribution = src.Attribution()
		if _, err := tx.ExecContext(ctx, `INSERT INTO compendium_recommendations (id, norm_id, position, text, source_id, import_key, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			rec.ID, rec.NormID, rec.Position, rec.Text, src.ID, rec.ID, now, u.ID); err != nil {
			return fmt.Errorf("compendium: add recommendation: %w", err)
		}
		if err := search.Index(ctx, tx, recommendationDoc(rec)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "recommendation.create", "recommendation", rec.ID, nil, rec)
	})
	return rec, err
}

// stateRegion returns a State's regional group, for search facets.
func stateRegion(iso3 string) string {
	if st, ok := states.ByISO3(iso3); ok {
		return string(st.Group)
	}
	return ""
}

// stateName returns a State's name in lang, or the code.
func stateName(iso3, lang string) string {
	if st, ok := states.ByISO3(iso3); ok {
		return st.Name(lang)
	}
	return iso3
}
