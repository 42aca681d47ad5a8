// Package search is the platform's one full-text index. Any module puts
// what it wants found into it with Index (inside the transaction of the
// write that changed it), takes it out with Remove, and every search page
// and API reads it with Query.
//
// On SQLite the index is an external-content FTS5 table; on PostgreSQL a
// generated tsvector column under a GIN index. Either finds the newest
// RankWindow matches; Go ranks them and cuts the page's snippets the same
// way on both (rank.go, snippet.go). The
// dialect difference lives in this package alone (candidates.go). What a
// person types passes through Parse, so outside input never reaches either
// query syntax raw.
package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Document is one searchable thing. Kind and Ref identify it (a module's
// kind name and its own id); the other fields are the text and the facets
// that searches filter on.
type Document struct {
	Kind   string   `json:"kind"`
	Ref    string   `json:"ref"`
	Lang   string   `json:"lang"`
	Title  string   `json:"title"`
	Body   string   `json:"-"`
	URL    string   `json:"url"`
	Norms  []string `json:"norms"`
	Type   string   `json:"type,omitempty"`
	Status string   `json:"status,omitempty"`
	Region string   `json:"region,omitempty"`
	Year   int      `json:"year,omitempty"`
	State  string   `json:"state,omitempty"`
	Parent string   `json:"parent,omitempty"`
}

// Fragment is a piece of a snippet; Match marks the words that matched.
type Fragment struct {
	Text  string `json:"text"`
	Match bool   `json:"match,omitempty"`
}

// Hit is one result: the document, its rank (higher is better) and a
// snippet of its text around the matches.
type Hit struct {
	Document
	Rank    float64    `json:"rank"`
	Snippet []Fragment `json:"snippet"`
}

// Query is a search: free text (may be empty, then results are listed by
// year, newest first) and exact facet filters, with offset pagination.
type Query struct {
	Text   string
	Kinds  []string
	Norm   string
	Type   string
	Status string
	Region string
	State  string
	Year   int
	Limit  int
	Offset int
}

// Results are a page of hits. Total counts matches up to MaxCount; More is
// true when there are more than that.
type Results struct {
	Query string `json:"query"`
	Hits  []Hit  `json:"items"`
	Total int    `json:"total"`
	More  bool   `json:"more"`
}

// MaxCount bounds how far a query counts its matches, so a common word over
// a million passages stays fast. The walk that finds the RankWindow
// candidates counts them too (it reads one match more, to know whether
// there are more), so the count costs nothing beyond the window.
const MaxCount = 500

// MaxLimit is the largest page.
const MaxLimit = 100

// FieldError names a query field and why it was refused.
type FieldError struct{ Field, Reason string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

var facetRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// Validate checks the filters: facet values are identifiers, never free
// text, and the page is bounded.
func (q *Query) Validate() error {
	for _, f := range []struct{ name, v string }{{"norm", q.Norm}, {"type", q.Type}, {"status", q.Status}, {"region", q.Region}, {"state", q.State}} {
		if f.v != "" && !facetRE.MatchString(f.v) {
			return &FieldError{f.name, "must be an identifier (letters, digits, '-', '_' or '.')"}
		}
	}
	for _, k := range q.Kinds {
		if !facetRE.MatchString(k) {
			return &FieldError{"kind", "must be an identifier"}
		}
	}
	if q.Year != 0 && (q.Year < 1900 || q.Year > 2200) {
		return &FieldError{"year", "must be a year from 1900 to 2200"}
	}
	if q.Limit == 0 {
		q.Limit = 20
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return &FieldError{"limit", fmt.Sprintf("must be from 1 to %d", MaxLimit)}
	}
	if q.Offset < 0 || q.Offset > MaxCount {
		return &FieldError{"offset", fmt.Sprintf("must be from 0 to %d", MaxCount)}
	}
	return nil
}

// clean removes the control characters the snippet markers use, and other
// C0 controls, from indexed text.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

func normsField(norms []string) string {
	if len(norms) == 0 {
		return ""
	}
	return " " + strings.Join(norms, " ") + " "
}

// Index adds or replaces a document, inside the caller's transaction.
func Index(ctx context.Context, tx db.Querier, d Document) error {
	if d.Kind == "" || d.Ref == "" {
		return errors.New("search: index: kind and ref are required")
	}
	args := docArgs(d, time.Now().UTC())
	res, err := tx.ExecContext(ctx, `UPDATE search_documents SET lang = ?, title = ?, body = ?, url = ?, norms = ?, type = ?, status = ?, region = ?, year = ?, state = ?, parent = ?, facets = ?, updated_at = ?
		WHERE kind = ? AND ref = ?`, args...)
	if err != nil {
		return fmt.Errorf("search: index %s %s: %w", d.Kind, d.Ref, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, insertDocs+insertRow, args...); err != nil {
		return fmt.Errorf("search: index %s %s: %w", d.Kind, d.Ref, err)
	}
	return nil
}

const (
	insertDocs = `INSERT INTO search_documents (lang, title, body, url, norms, type, status, region, year, state, parent, facets, updated_at, kind, ref) VALUES `
	insertRow  = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// batchRows rows of 15 values stay below both databases' limits on the
	// values in one statement (32,766 on SQLite, 65,535 on PostgreSQL).
	batchRows = 2000
)

// docArgs are a document's column values in the order of insertDocs.
func docArgs(d Document, now time.Time) []any {
	if d.Lang == "" {
		d.Lang = "en"
	}
	return []any{d.Lang, clean(d.Title), clean(d.Body), d.URL, normsField(d.Norms), d.Type, d.Status, d.Region, d.Year, d.State, d.Parent, facetTokens(d), now, d.Kind, d.Ref}
}

// IndexNew adds documents that are not in the index yet, such as the
// measures of a report whose earlier entries RemoveParent has just taken
// out, with a few multi-row INSERTs rather than a pair of statements per
// document: the bulk path. A document already present is refused.
func IndexNew(ctx context.Context, tx db.Querier, docs []Document) error {
	now := time.Now().UTC()
	for len(docs) > 0 {
		n := min(len(docs), batchRows)
		var q strings.Builder
		q.WriteString(insertDocs)
		args := make([]any, 0, n*15)
		for i, d := range docs[:n] {
			if d.Kind == "" || d.Ref == "" {
				return errors.New("search: index: kind and ref are required")
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(insertRow)
			args = append(args, docArgs(d, now)...)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("search: index %d documents: %w", n, err)
		}
		docs = docs[n:]
	}
	return nil
}

// Remove takes a document out of the index; removing a missing one is not
// an error.
func Remove(ctx context.Context, tx db.Querier, kind, ref string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE kind = ? AND ref = ?`, kind, ref); err != nil {
		return fmt.Errorf("search: remove %s %s: %w", kind, ref, err)
	}
	return nil
}

// RemoveParent removes every document of kind whose parent is parent (for
// example every measure of a report before its new version is indexed).
func RemoveParent(ctx context.Context, tx db.Querier, kind, parent string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE kind = ? AND parent = ?`, kind, parent); err != nil {
		return fmt.Errorf("search: remove %s of %s: %w", kind, parent, err)
	}
	return nil
}

// Count returns how many documents of kind are indexed.
func Count(ctx context.Context, q db.Querier, kind string) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_documents WHERE kind = ?`, kind).Scan(&n)
	return n, err
}

// facetValue reduces a facet value to letters and digits, so it is one
// index token: "gge2015-c" → "gge2015c".
func facetValue(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' {
			return -1
		}
		return unicode.ToLower(r)
	}, v)
}

// facetTokens are the index terms for a document's facets, e.g.
// "xkindmeasure xtypepolicy xyear2025 xnormgge2015c". Migration 0302
// computes the same for rows indexed before it.
func facetTokens(d Document) string {
	parts := []string{"xkind" + facetValue(d.Kind)}
	for _, f := range []struct{ p, v string }{{"xtype", d.Type}, {"xstatus", d.Status}, {"xregion", d.Region}, {"xstate", d.State}} {
		if f.v != "" {
			parts = append(parts, f.p+facetValue(f.v))
		}
	}
	if d.Year != 0 {
		parts = append(parts, "xyear"+strconv.Itoa(d.Year))
	}
	for _, n := range d.Norms {
		parts = append(parts, "xnorm"+facetValue(n))
	}
	return strings.Join(parts, " ")
}

// facetQuery renders the filters as groups of facet tokens: every group
// must match, any token within a group may.
func (q Query) facetQuery() [][]string {
	var groups [][]string
	if len(q.Kinds) > 0 {
		var g []string
		for _, k := range q.Kinds {
			g = append(g, "xkind"+facetValue(k))
		}
		groups = append(groups, g)
	}
	for _, f := range []struct{ p, v string }{{"xnorm", q.Norm}, {"xtype", q.Type}, {"xstatus", q.Status}, {"xregion", q.Region}, {"xstate", q.State}} {
		if f.v != "" {
			groups = append(groups, []string{f.p + facetValue(f.v)})
		}
	}
	if q.Year != 0 {
		groups = append(groups, []string{"xyear" + strconv.Itoa(q.Year)})
	}
	return groups
}

// fts5Facets renders facet groups as FTS5 column filters on facets.
func fts5Facets(groups [][]string) string {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(` AND facets : (`)
		for i, t := range g {
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString(`"` + t + `"`)
		}
		b.WriteString(`)`)
	}
	return b.String()
}

// tsFacets renders facet groups as a tsquery for the 'simple' configuration.
func tsFacets(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "(" + strings.Join(g, " | ") + ")"
	}
	return strings.Join(parts, " & ")
}

const docCols = `d.kind, d.ref, d.lang, d.title, d.body, d.url, d.norms, d.type, d.status, d.region, d.year, d.state, d.parent`

// Run executes q against d (the *db.DB, or a transaction).
//
// With words, the database finds the newest RankWindow matches of the
// words and filters (an FTS5 expression on SQLite, a tsquery on
// PostgreSQL, walked newest first so it stops at the window), Go ranks
// them (rank.go), and the page's documents and snippets are read last.
func Run(ctx context.Context, d db.Querier, q Query) (Results, error) {
	if err := q.Validate(); err != nil {
		return Results{}, err
	}
	terms := Parse(q.Text)
	res := Results{Query: String(terms), Hits: []Hit{}}
	if len(terms) == 0 {
		return list(ctx, d, q, res)
	}
	ds := sqliteSQL
	if db.DialectOf(d) == db.Postgres {
		ds = postgresSQL
	}
	leave, err := Enter(ctx, d)
	if err != nil {
		return res, err
	}
	defer leave()
	cands, matched, st, err := findCandidates(ctx, d, ds, terms, q.facetQuery())
	if err != nil {
		return res, err
	}
	if len(cands) == 0 {
		return res, nil
	}
	res.Total, res.More = min(matched, MaxCount), matched > MaxCount
	rank(cands, st)
	from := min(q.Offset, len(cands))
	to := min(from+q.Limit, len(cands))
	m := newMatcher(terms)
	res.Hits, err = fetchPage(ctx, d, cands[from:to], func(body string) []Fragment { return Fragments(m.snippet(body, snippetTokens)) })
	return res, err
}

// list answers a query without words: the filtered documents, newest
// first (as indexed). The filters are the documents' facet terms, as with
// words: SQLite reads the newest entries of their FTS5 posting lists,
// PostgreSQL its GIN index in id ranges (walk); with no filter, the newest
// ids. The same walk counts the matches up to MaxCount. Until 2026-12-07
// the filters were conditions on the documents' columns, read in year
// order: every document was read and sorted, 1.8 s for a norm alone and
// 3.6 s for no filter over the 3.4 million documents of the demo's scale
// 10.
func list(ctx context.Context, d db.Querier, q Query, res Results) (Results, error) {
	ids, err := readIDSpan(ctx, d)
	if err != nil {
		return res, err
	}
	ds, query, args := sqliteSQL, `SELECT d.id FROM search_documents d ORDER BY d.id DESC LIMIT ?`, []any(nil)
	facets := q.facetQuery()
	if db.DialectOf(d) == db.Postgres {
		ds, query = postgresSQL, `SELECT d.id FROM search_documents d WHERE 1 = 1`+idRangeMark+` ORDER BY d.id DESC LIMIT ?`
		if fq := tsFacets(facets); fq != "" {
			query = `SELECT d.id FROM search_documents d WHERE d.tsv @@ to_tsquery('simple', ?)` + idRangeMark + ` ORDER BY d.id DESC LIMIT ?`
			args = []any{fq}
		}
	} else if len(facets) > 0 {
		query = `SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`
		args = []any{strings.TrimPrefix(fts5Facets(facets), " AND ")}
	}
	var found []candidate
	_, err = walk(ctx, d, ds, query, args, max(MaxCount+1, q.Offset+q.Limit), ids, 0, func(rows *sql.Rows) error {
		var c candidate
		if err := rows.Scan(&c.id); err != nil {
			return err
		}
		found = append(found, c)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("search: list: %w", err)
	}
	res.Total, res.More = min(len(found), MaxCount), len(found) > MaxCount
	from := min(q.Offset, len(found))
	to := min(from+q.Limit, len(found))
	res.Hits, err = fetchPage(ctx, d, found[from:to], func(body string) []Fragment { return []Fragment{{Text: excerpt(body, 200)}} })
	return res, err
}

// RankWindow bounds how many matches a query ranks by relevance. A query
// matching more (a very common word over a large index) ranks its most
// recently indexed RankWindow matches, so its cost stays bounded. What a
// query costs grows with the window twice over: the database's walk to the
// window's oldest match (for a phrase of common words, about 15 µs per match
// at a million passages) and reading each candidate's text; 500 keeps the
// worst of BenchmarkQuery's queries near 10 ms where 2,000 took 30–50 ms.
const RankWindow = 500

// Fragments splits a snippet marked with \x02 … \x03 into plain and
// matched pieces, so templates and JSON never handle markup.
func Fragments(s string) []Fragment {
	var out []Fragment
	match := false
	for s != "" {
		sep := "\x02"
		if match {
			sep = "\x03"
		}
		i := strings.Index(s, sep)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			out = append(out, Fragment{Text: s[:i], Match: match})
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
		match = !match
	}
	if out == nil {
		out = []Fragment{}
	}
	return out
}

func excerpt(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + " …"
}

// Searcher runs queries against one database.
type Searcher struct{ DB *db.DB }

// Query runs q: see Run.
func (s Searcher) Query(ctx context.Context, q Query) (Results, error) { return Run(ctx, s.DB, q) }

// Optimize merges the index's segments so queries read one b-tree per
// term (SQLite FTS5 'optimize'). On PostgreSQL it vacuums and analyses the
// table: VACUUM moves the GIN indexes' pending entries (new rows wait in a
// list that every search reads whole) into the indexes and marks pages
// all-visible, ANALYZE refreshes the statistics search plans with
// (pgCommonFreqs). Run it after bulk loads and periodically; it is safe at
// any time, outside a transaction.
func Optimize(ctx context.Context, d *db.DB) error {
	q := `INSERT INTO search_fts (search_fts) VALUES ('optimize')`
	if d.Dialect == db.Postgres {
		q = `VACUUM (ANALYZE) search_documents`
	}
	if _, err := d.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("search: optimize: %w", err)
	}
	return nil
}
