// Package framework holds the framework of responsible State behaviour in
// cyberspace: its four pillars, the eleven norms of the 2015 GGE report
// (A/70/174 ¶13 (a)–(k)), and other norm sets (the Paris Call principles,
// proposed new norms), each norm with versioned, translated texts and a
// stable identifier.
package framework

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cybernorms/cybernorms/internal/framework/seed"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Pillar is one of the four pillars of the framework.
type Pillar struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// The four pillars, in the order the UN lists them.
var Pillars = []Pillar{
	{"international-law", "International law"},
	{"norms", "Norms of responsible State behaviour"},
	{"cbm", "Confidence-building measures"},
	{"capacity-building", "Capacity building"},
}

// NormSet is a body of norms.
type NormSet struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Kind       string `json:"kind"` // agreed | principles | proposed
	Source     string `json:"source"`
	Reportable bool   `json:"reportable"`
}

// Text is one version of a norm's text in one language.
type Text struct {
	Version   int       `json:"version"`
	Lang      string    `json:"lang"`
	Text      string    `json:"text"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}

// Norm is a norm with its current text in the requested language.
type Norm struct {
	ID     string `json:"id"`
	Set    string `json:"set"`
	Code   string `json:"code"`
	Pillar string `json:"pillar"`
	// ShortTitle is the norm's customary short name in the language asked
	// for when it has a translation (the eleven GGE norms), else English.
	ShortTitle string `json:"short_title"`
	// TitleLang is the language of ShortTitle, for the page's lang attribute.
	TitleLang string `json:"-"`
	Text      string `json:"text"`
	Lang      string `json:"lang"`
	Version   int    `json:"version"`
	Source    string `json:"source"`
	// Texts holds every version and translation; filled for a single norm.
	Texts []Text `json:"texts,omitempty"`
}

// Label is the norm's usual citation, e.g. "(a)" for a GGE norm or "3" for
// a Paris Call principle. A proposed norm has none: its code is an internal
// slug ("supply-chain"), not something anyone cites.
func (n Norm) Label() string {
	switch n.Set {
	case GGE2015:
		return "(" + n.Code + ")"
	case Proposed:
		return ""
	}
	return n.Code
}

// The norm sets seeded at first start.
const (
	GGE2015   = "gge2015"
	ParisCall = "paris-call"
	Proposed  = "proposed"
)

// shortTitles are the customary short names of the eleven norms, as used
// in UNIDIR's and ASPI's implementation surveys.
var shortTitles = map[string]string{
	"a": "Cooperate to increase stability and security",
	"b": "Consider all relevant information in ICT incidents",
	"c": "Prevent misuse of ICTs in the State's territory",
	"d": "Cooperate against criminal and terrorist use of ICTs",
	"e": "Respect human rights and privacy",
	"f": "Do not damage critical infrastructure",
	"g": "Protect critical infrastructure",
	"h": "Respond to requests for assistance",
	"i": "Ensure the integrity of the supply chain",
	"j": "Report ICT vulnerabilities",
	"k": "Do not harm emergency response teams",
}

// Store reads and curates the framework.
type Store struct{ DB *db.DB }

// Seed writes the pillars and the seeded norm sets if they are not there.
// Texts come from parsing the seed documents, never from a typed copy.
// It is idempotent: existing rows are left as curated.
func (s *Store) Seed(ctx context.Context) error {
	rows, err := seed.Norms()
	if err != nil {
		return fmt.Errorf("parse norms table: %w", err)
	}
	paris, err := seed.ParisCallPrinciples()
	if err != nil {
		return fmt.Errorf("parse Paris Call principles: %w", err)
	}
	proposed, err := seed.ProposedNorms()
	if err != nil {
		return fmt.Errorf("parse proposed norms: %w", err)
	}
	normsSrc := seed.NormsSource()
	now := time.Now().UTC()
	return s.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, p := range Pillars {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pillars (id, position, title) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`, p.ID, i+1, p.Title); err != nil {
				return err
			}
		}
		sets := []struct {
			NormSet
			pos int
		}{
			{NormSet{GGE2015, "Norms of responsible State behaviour (2015 GGE report, A/70/174, ¶13)", "agreed", "A/70/174, as quoted in " + normsSrc.Author + ", " + normsSrc.Document, true}, 1},
			{NormSet{ParisCall, "Paris Call for Trust and Security in Cyberspace: principles proposed for the UN dialogues", "principles", seed.ParisCallSource().Author + ", " + seed.ParisCallSource().Document, false}, 2},
			{NormSet{Proposed, "Proposed new norms", "proposed", seed.ProposedNormsSource().Author + ", " + seed.ProposedNormsSource().Document, false}, 3},
		}
		for _, ns := range sets {
			if _, err := tx.ExecContext(ctx, `INSERT INTO norm_sets (id, title, kind, source, position, reportable) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				ns.ID, ns.Title, ns.Kind, ns.Source, ns.pos, ns.Reportable); err != nil {
				return err
			}
		}
		add := func(setID, code string, pos int, pillar, title, text, source string) error {
			normID := setID + "-" + code
			res, err := tx.ExecContext(ctx, `INSERT INTO norms (id, set_id, code, position, pillar_id, short_title) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				normID, setID, code, pos, pillar, title)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO norm_texts (norm_id, version, lang, text, source, created_at) VALUES (?, 1, 'en', ?, ?, ?)`, normID, text, source, now)
			return err
		}
		for i, r := range rows {
			if err := add(GGE2015, r.Letter, i+1, "norms", shortTitles[r.Letter], r.Text, "A/70/174 ¶13 ("+r.Letter+")"); err != nil {
				return err
			}
		}
		for i, p := range paris {
			if err := add(ParisCall, fmt.Sprint(i+1), i+1, "norms", firstWords(p, 8), p, seed.ParisCallSource().Document); err != nil {
				return err
			}
		}
		for i, p := range proposed {
			if err := add(Proposed, "supply-chain", i+1, "norms", p.Title, p.Description, seed.ProposedNormsSource().Document); err != nil {
				return err
			}
		}
		return nil
	})
}

func firstWords(s string, n int) string {
	s = strings.Trim(s, "\"“”;. ")
	words := strings.Fields(s)
	if len(words) <= n {
		return s
	}
	return strings.Join(words[:n], " ") + "…"
}

// ErrNotFound is returned for an unknown norm.
var ErrNotFound = errors.New("no such norm")

const normSelect = `SELECT n.id, n.set_id, n.code, n.pillar_id, n.short_title,
	COALESCE(t.text, e.text), COALESCE(t.lang, e.lang), COALESCE(t.version, e.version), COALESCE(t.source, e.source)
	FROM norms n
	JOIN norm_sets s ON s.id = n.set_id
	JOIN norm_texts e ON e.norm_id = n.id AND e.lang = 'en' AND e.version = (SELECT MAX(version) FROM norm_texts WHERE norm_id = n.id AND lang = 'en')
	LEFT JOIN norm_texts t ON t.norm_id = n.id AND t.lang = ? AND t.version = (SELECT MAX(version) FROM norm_texts WHERE norm_id = n.id AND lang = ?)`

func scanNorm(row interface{ Scan(...any) error }) (Norm, error) {
	var n Norm
	err := row.Scan(&n.ID, &n.Set, &n.Code, &n.Pillar, &n.ShortTitle, &n.Text, &n.Lang, &n.Version, &n.Source)
	return n, err
}

// Norms lists the norms of a set (all sets when empty) with their current
// text in lang, falling back to English.
func (s *Store) Norms(ctx context.Context, setID, lang string) ([]Norm, error) {
	q := normSelect
	args := []any{lang, lang}
	if setID != "" {
		q += ` WHERE n.set_id = ?`
		args = append(args, setID)
	}
	q += ` ORDER BY s.position, n.position`
	rows, err := s.DB.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list norms: %w", err)
	}
	defer rows.Close()
	var out []Norm
	for rows.Next() {
		n, err := scanNorm(rows)
		if err != nil {
			return nil, err
		}
		localise(&n, lang)
		out = append(out, n)
	}
	return out, rows.Err()
}

// Norm returns one norm with all its texts.
func (s *Store) Norm(ctx context.Context, normID, lang string) (Norm, error) {
	n, err := scanNorm(s.DB.QueryRowContext(ctx, normSelect+` WHERE n.id = ?`, lang, lang, normID))
	if errors.Is(err, sql.ErrNoRows) {
		return Norm{}, ErrNotFound
	}
	if err != nil {
		return Norm{}, err
	}
	localise(&n, lang)
	rows, err := s.DB.QueryContext(ctx, `SELECT version, lang, text, source, created_at FROM norm_texts WHERE norm_id = ? ORDER BY version DESC, lang`, normID)
	if err != nil {
		return Norm{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var t Text
		if err := rows.Scan(&t.Version, &t.Lang, &t.Text, &t.Source, &t.CreatedAt); err != nil {
			return Norm{}, err
		}
		n.Texts = append(n.Texts, t)
	}
	return n, rows.Err()
}

// Sets lists the norm sets.
func (s *Store) Sets(ctx context.Context) ([]NormSet, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT id, title, kind, source, reportable FROM norm_sets ORDER BY position`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NormSet
	for rows.Next() {
		var ns NormSet
		if err := rows.Scan(&ns.ID, &ns.Title, &ns.Kind, &ns.Source, &ns.Reportable); err != nil {
			return nil, err
		}
		out = append(out, ns)
	}
	return out, rows.Err()
}

// TextInput is a new version or translation of a norm's text.
type TextInput struct {
	Lang   string `json:"lang"`
	Text   string `json:"text"`
	Source string `json:"source"`
	// NewVersion starts a new version (an amended text); otherwise the text
	// is a translation of the current version.
	NewVersion bool `json:"new_version"`
}

// FieldError is a validation failure on one field.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// MessageKey is the catalog key of the refusal, for pages (web.Message).
func (e *FieldError) MessageKey() (string, []any) {
	if e.Field == "lang" && strings.HasPrefix(e.Reason, "a new version") {
		return "framework.err.new_version", nil
	}
	return "framework.err." + e.Field, nil
}

// AddText records a translation or a new version of a norm's text.
func (s *Store) AddText(ctx context.Context, normID string, in TextInput, knownLang func(string) bool) (Text, error) {
	in.Text = strings.TrimSpace(in.Text)
	in.Source = strings.TrimSpace(in.Source)
	switch {
	case !knownLang(in.Lang):
		return Text{}, &FieldError{"lang", "must be one of ar, zh, en, fr, ru, es"}
	case in.Text == "" || len(in.Text) > 10000:
		return Text{}, &FieldError{"text", "is required and at most 10,000 characters"}
	case in.Source == "" || len(in.Source) > 500:
		return Text{}, &FieldError{"source", "is required (where the text comes from) and at most 500 characters"}
	case in.NewVersion && in.Lang != "en":
		return Text{}, &FieldError{"lang", "a new version starts with its English text; add translations to it afterwards"}
	}
	t := Text{Lang: in.Lang, Text: in.Text, Source: in.Source, CreatedAt: time.Now().UTC()}
	err := s.DB.InTx(ctx, func(tx *db.Tx) error {
		var current sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM norm_texts WHERE norm_id = ?`, normID).Scan(&current); err != nil {
			return err
		}
		if !current.Valid {
			return ErrNotFound
		}
		t.Version = int(current.Int64)
		if in.NewVersion {
			t.Version++
		}
		var before any
		var old Text
		err := tx.QueryRowContext(ctx, `SELECT text, source FROM norm_texts WHERE norm_id = ? AND version = ? AND lang = ?`, normID, t.Version, t.Lang).Scan(&old.Text, &old.Source)
		switch {
		case err == nil:
			before = old
			_, err = tx.ExecContext(ctx, `UPDATE norm_texts SET text = ?, source = ?, created_at = ? WHERE norm_id = ? AND version = ? AND lang = ?`, t.Text, t.Source, t.CreatedAt, normID, t.Version, t.Lang)
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO norm_texts (norm_id, version, lang, text, source, created_at) VALUES (?, ?, ?, ?, ?, ?)`, normID, t.Version, t.Lang, t.Text, t.Source, t.CreatedAt)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "norm.text", "norm", normID, before, t)
	})
	return t, err
}
