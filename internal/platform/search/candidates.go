package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// dfSample is how many of a term's newest matches estimate its document
// frequency: a term with fewer is counted exactly; for one with more, the
// share of the index's id range its newest dfSample matches cover gives the
// estimate. Walking a few hundred entries instead of the whole list is
// what keeps a common word cheap.
const dfSample = 500

// dialectSQL holds the few statements that differ between the databases.
type dialectSQL struct {
	// candidates selects id, title and body of the newest matches of the
	// words and facets, up to a limit (last argument).
	candidates func(facets [][]string) (string, func(terms []Term) []any)
	// newest selects the ids of one term's newest matches, up to a limit.
	newest string
	// termArg renders one term as the argument of newest.
	termArg   func(Term) any
	indexSize func(ctx context.Context, d db.Querier) (float64, error)
	// ranged: candidates and newest hold idRangeMark, and the walk goes
	// through the newest ids in growing ranges (walkRanges).
	ranged bool
	// commonFreqs gives, per term, the share of documents the planner's
	// statistics say hold it, or 0 where they do not say; nil on SQLite.
	commonFreqs func(ctx context.Context, d db.Querier, terms []Term) ([]float64, error)
}

var sqliteSQL = dialectSQL{
	candidates: func(facets [][]string) (string, func([]Term) []any) {
		// Filters as facet terms in the one FTS5 expression: an
		// intersection of posting lists, walked newest first, that stops
		// at the window. bm25() is not called, so no list is walked whole.
		f := fts5Facets(facets)
		return `SELECT d.id, d.title, d.body FROM (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) c
				JOIN search_documents d ON d.id = c.id`,
			func(terms []Term) []any { return []any{FTS5(terms) + f} }
	},
	newest:    `SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`,
	termArg:   func(t Term) any { return FTS5([]Term{t}) },
	indexSize: fts5Rows,
}

var postgresSQL = dialectSQL{
	candidates: func(facets [][]string) (string, func([]Term) []any) {
		// Words and facets in one tsquery over one GIN index, walked in
		// id ranges (idRanges).
		query := `websearch_to_tsquery('english', ?)`
		fq := tsFacets(facets)
		if fq != "" {
			query = `(` + query + ` && to_tsquery('simple', ?))`
		}
		return `SELECT d.id, d.title, d.body FROM search_documents d WHERE d.tsv @@ ` + query + idRangeMark + ` ORDER BY d.id DESC LIMIT ?`,
			func(terms []Term) []any {
				if fq != "" {
					return []any{Websearch(terms), fq}
				}
				return []any{Websearch(terms)}
			}
	},
	newest:  `SELECT d.id FROM search_documents d WHERE d.tsv @@ websearch_to_tsquery('english', ?)` + idRangeMark + ` ORDER BY d.id DESC LIMIT ?`,
	termArg: func(t Term) any { return Websearch([]Term{t}) },
	indexSize: func(ctx context.Context, d db.Querier) (float64, error) {
		// The planner's row count, kept by ANALYZE (Optimize) and autovacuum.
		var n float64
		err := d.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('search_documents')`).Scan(&n)
		return n, err
	},
	ranged:      true,
	commonFreqs: pgCommonFreqs,
}

// pgCommonFreqs reads, per term, the frequency ANALYZE measured for its
// words (the tsvector column's most common elements: several hundred
// lexemes, each in at least a few tenths of a percent of the documents),
// the smallest of its words' for a phrase (so at most its words'
// frequency); 0 for a term any of whose words is not among them. termStats
// uses it for a term in at least dfSample documents instead of walking to
// the term's dfSample newest matches: one statement for every term of the
// query and no GIN scan, where each walk was a statement reading a common
// word's whole posting list and 500 rows (2–5 ms each on the scale-1 demo).
// The answers are kept for a minute (freqCache): they change at ANALYZE.
func pgCommonFreqs(ctx context.Context, d db.Querier, terms []Term) ([]float64, error) {
	out := make([]float64, len(terms))
	owner, _ := d.(*db.DB)
	var words []string
	var at []int
	now := time.Now()
	for i, t := range terms {
		w := strings.Join(t.Words, " ")
		if f, ok := freqCache.get(owner, w, now); ok {
			out[i] = f
			continue
		}
		words, at = append(words, w), append(at, i)
	}
	if len(words) == 0 {
		return out, nil
	}
	rows, err := d.QueryContext(ctx, `WITH st AS MATERIALIZED (
			SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f FROM pg_stats
			WHERE schemaname = current_schema() AND tablename = 'search_documents' AND attname = 'tsv')
		SELECT t.ord, MIN(st.f[array_position(st.e, l.lex)]), BOOL_AND(array_position(st.e, l.lex) IS NOT NULL)
		FROM unnest(?::text[]) WITH ORDINALITY AS t(term, ord)
		CROSS JOIN st
		CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', t.term))) AS l(lex)
		GROUP BY t.ord`, words)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make([]float64, len(words))
	for rows.Next() {
		var ord int
		var f sql.NullFloat64
		var all sql.NullBool
		if err := rows.Scan(&ord, &f, &all); err != nil {
			return nil, err
		}
		if ord >= 1 && ord <= len(got) && f.Valid && all.Bool {
			got[ord-1] = f.Float64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for j, w := range words {
		out[at[j]] = got[j]
		freqCache.put(owner, w, got[j], now)
	}
	return out, nil
}

// freqCache keeps pgCommonFreqs' answers per database for freqTTL; a
// transaction (not a *db.DB) is never answered from it.
var freqCache = &termFreqs{m: map[freqKey]freqEntry{}}

const (
	freqTTL     = time.Minute
	freqEntries = 10_000
)

type freqKey struct {
	db   *db.DB
	term string
}

type freqEntry struct {
	f  float64
	at time.Time
}

type termFreqs struct {
	mu sync.Mutex
	m  map[freqKey]freqEntry
}

func (c *termFreqs) get(owner *db.DB, term string, now time.Time) (float64, bool) {
	if owner == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[freqKey{owner, term}]
	if !ok || now.Sub(e.at) > freqTTL {
		return 0, false
	}
	return e.f, true
}

func (c *termFreqs) put(owner *db.DB, term string, f float64, now time.Time) {
	if owner == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= freqEntries {
		clear(c.m)
	}
	c.m[freqKey{owner, term}] = freqEntry{f, now}
}

// fts5Rows reads the number of indexed rows from FTS5's averages record
// (row 1 of search_fts_data: varints of the row count, then each column's
// token total), which FTS5 keeps for bm25 and which costs one lookup, where
// COUNT(*) would read a million rows.
func fts5Rows(ctx context.Context, d db.Querier) (float64, error) {
	var block []byte
	if err := d.QueryRowContext(ctx, `SELECT block FROM search_fts_data WHERE id = 1`).Scan(&block); err != nil {
		return 0, err
	}
	n, ok := sqliteVarint(block)
	if !ok {
		return 0, errors.New("search: unreadable FTS5 averages record")
	}
	return float64(n), nil
}

// sqliteVarint decodes SQLite's variable-length integer (big-endian, seven
// bits a byte, the ninth byte whole).
func sqliteVarint(b []byte) (uint64, bool) {
	var v uint64
	for i := 0; i < len(b) && i < 9; i++ {
		if i == 8 {
			return v<<8 | uint64(b[i]), true
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, true
		}
	}
	return 0, false
}

// walkLimit is how many of the newest matches findCandidates reads: the
// window and the count, and one more to know whether there are more.
const walkLimit = max(RankWindow, MaxCount) + 1

// idSpan is the range of ids in the index (both 0 when it is empty).
type idSpan struct{ lo, hi int64 }

func readIDSpan(ctx context.Context, d db.Querier) (idSpan, error) {
	var hi, lo sql.NullInt64
	if err := d.QueryRowContext(ctx, `SELECT (SELECT MAX(id) FROM search_documents), (SELECT MIN(id) FROM search_documents)`).Scan(&hi, &lo); err != nil {
		return idSpan{}, fmt.Errorf("search: id range: %w", err)
	}
	return idSpan{lo.Int64, hi.Int64}, nil
}

// idRangeMark is where a ranged statement takes its id range.
const idRangeMark = ` /*ids*/`

// firstRange is how many of the newest ids the first statement of a ranged
// walk covers. Up to about 25,000 ids (7 % of the scale-1 demo's index)
// the planner still intersects the two bitmaps for a phrase or two words it
// misjudges as rare; past about 30,000 it stops (it estimates the phrase
// "human rights" at 166 rows where 7,833 hold both words), filters
// every GIN match by id instead and reads them all.
const firstRange = 24_576

// walk runs query, the newest matches first, with args and a row limit
// appended, and calls scan on every row, up to limit rows in all; it
// returns how many rows it scanned.
//
// On PostgreSQL (ds.ranged) the walk reads the newest firstRange ids first,
// then, if it found fewer than limit matches there, a range as wide as
// their density says the rest needs (a quarter more), or, when that is
// past the oldest id or nothing matched yet, every older id. A GIN index has
// no order, and the planner had two bad plans for "newest matches first":
// walk the primary key backwards checking every row's vector (21,000 rows
// for the 500 newest matches of a word in 2 % of the documents), or fetch
// and recheck every row the GIN index returns (8,158 for "supply chain")
// to sort them. With an id range in the statement it intersects the GIN
// bitmap with the primary key's (BitmapAnd) and reads only the matches in
// the range. The range is a literal, not a parameter, and each statement
// is sent unnamed (pgx.QueryExecModeExec), so that it is planned for its
// own range and words: pgx's default caches a prepared statement, which
// PostgreSQL plans generically after five runs — for any tsquery, so for
// the wrong one (the backward walk, up to 100 ms for a common word).
func walk(ctx context.Context, d db.Querier, ds dialectSQL, query string, args []any, limit int, ids idSpan, scan func(*sql.Rows) error) (int, error) {
	if !ds.ranged {
		return walkRows(ctx, d, query, append(args, limit), scan)
	}
	n := 0
	upper, width := ids.hi, int64(firstRange)
	for {
		lower := upper - width
		last := lower < ids.lo
		cond := " AND d.id <= " + strconv.FormatInt(upper, 10)
		if !last {
			cond += " AND d.id > " + strconv.FormatInt(lower, 10)
		}
		a := append(append([]any{pgx.QueryExecModeExec}, args...), limit-n)
		got, err := walkRows(ctx, d, strings.Replace(query, idRangeMark, cond, 1), a, scan)
		n += got
		if err != nil || n >= limit || last {
			return n, err
		}
		if n == 0 {
			width = upper - ids.lo + 1 // nothing yet: every older id
		} else {
			// The density so far, over the ids walked from the newest.
			width = int64(float64(limit-n) * float64(ids.hi-lower) / float64(n) * 1.25)
		}
		upper = lower
	}
}

// walkRows runs one statement of a walk.
func walkRows(ctx context.Context, d db.Querier, query string, args []any, scan func(*sql.Rows) error) (int, error) {
	rows, err := d.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := scan(rows); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// findCandidates returns the newest RankWindow matches of the words and
// filters, their terms counted, with what ranking them needs, and how many
// matches it saw (up to walkLimit).
func findCandidates(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string) ([]candidate, int, corpusStats, error) {
	ids, err := readIDSpan(ctx, d)
	if err != nil {
		return nil, 0, corpusStats{}, err
	}
	cands, err := readCandidates(ctx, d, ds, terms, facets, ids)
	if err != nil || len(cands) == 0 {
		return nil, 0, corpusStats{}, err
	}
	matched := len(cands)
	if matched > RankWindow {
		// The join need not keep the walk's order: keep the newest.
		sort.Slice(cands, func(i, j int) bool { return cands[i].id > cands[j].id })
		cands = cands[:RankWindow]
	}
	st, err := termStats(ctx, d, ds, terms, facets, cands, ids)
	return cands, matched, st, err
}

// readCandidates reads and counts the newest walkLimit matches.
func readCandidates(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string, ids idSpan) ([]candidate, error) {
	query, args := ds.candidates(facets)
	m := newMatcher(terms)
	var cands []candidate
	var title, body string
	_, err := walk(ctx, d, ds, query, args(terms), walkLimit, ids, func(rows *sql.Rows) error {
		var c candidate
		if err := rows.Scan(&c.id, &title, &body); err != nil {
			return err
		}
		m.countText(&c, title, body)
		cands = append(cands, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: candidates: %w", err)
	}
	return cands, nil
}

// termStats estimates the index size and each term's document frequency.
func termStats(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string, cands []candidate, ids idSpan) (corpusStats, error) {
	span := float64(ids.hi-ids.lo) + 1
	st := corpusStats{df: make([]float64, len(terms))}
	if n, err := ds.indexSize(ctx, d); err == nil && n > 0 {
		st.docs = n
	} else {
		st.docs = span
	}
	estimate := func(n int, oldest int64, sample int) float64 {
		if n < sample {
			return float64(n)
		}
		return float64(n) * span / float64(ids.hi-oldest+1)
	}
	if len(terms) == 1 && len(facets) == 0 {
		// The candidates are the term's newest matches already.
		oldest := cands[0].id
		for _, c := range cands {
			oldest = min(oldest, c.id)
		}
		st.df[0] = estimate(len(cands), oldest, RankWindow)
		return st, nil
	}
	var common []float64
	if ds.commonFreqs != nil {
		var err error
		if common, err = ds.commonFreqs(ctx, d, terms); err != nil {
			return st, fmt.Errorf("search: term frequency: %w", err)
		}
	}
	for i, t := range terms {
		if i < len(common) && common[i]*st.docs >= dfSample {
			st.df[i] = common[i] * st.docs
			continue
		}
		oldest := ids.hi
		n, err := walk(ctx, d, ds, ds.newest, []any{ds.termArg(t)}, dfSample, ids, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			oldest = min(oldest, id)
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("search: term frequency: %w", err)
		}
		st.df[i] = estimate(n, oldest, dfSample)
	}
	return st, nil
}

// fetchPage reads the documents of a page of ranked candidates and makes
// their snippets (snippet.go), in rank order. Both databases' own snippet
// functions were dropped for this: FTS5's snippet() cost a second MATCH and
// about 60 µs a hit, ts_headline about 100 µs a hit, and now the two mark
// the same words.
func fetchPage(ctx context.Context, d db.Querier, terms []Term, page []candidate) ([]Hit, error) {
	if len(page) == 0 {
		return []Hit{}, nil
	}
	m := newMatcher(terms)
	args := make([]any, 0, len(page))
	at := make(map[int64]int, len(page))
	for i, c := range page {
		args = append(args, c.id)
		at[c.id] = i
	}
	rows, err := d.QueryContext(ctx, `SELECT `+docCols+`, d.id FROM search_documents d WHERE d.id IN (`+db.Placeholders(len(page))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search: page: %w", err)
	}
	defer rows.Close()
	hits := make([]Hit, len(page))
	found := make([]bool, len(page))
	for rows.Next() {
		var h Hit
		var id int64
		var norms string
		if err := rows.Scan(&h.Kind, &h.Ref, &h.Lang, &h.Title, &h.Body, &h.URL, &norms, &h.Type, &h.Status, &h.Region, &h.Year, &h.State, &h.Parent, &id); err != nil {
			return nil, fmt.Errorf("search: page: %w", err)
		}
		i, ok := at[id]
		if !ok {
			continue
		}
		h.Norms = splitNorms(norms)
		h.Rank = page[i].score
		h.Snippet = Fragments(m.snippet(h.Body, snippetTokens))
		hits[i], found[i] = h, true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: page: %w", err)
	}
	out := hits[:0]
	for i, h := range hits {
		// A document removed between the two reads is left out.
		if found[i] {
			out = append(out, h)
		}
	}
	return out, nil
}

func splitNorms(norms string) []string {
	f := strings.Fields(norms)
	if f == nil {
		f = []string{}
	}
	return f
}
