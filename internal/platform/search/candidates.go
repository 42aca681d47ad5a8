package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

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
		// Words and facets in one tsquery over one GIN index.
		query := `websearch_to_tsquery('english', ?)`
		fq := tsFacets(facets)
		if fq != "" {
			query = `(` + query + ` && to_tsquery('simple', ?))`
		}
		return `SELECT d.id, d.title, d.body FROM search_documents d WHERE d.tsv @@ ` + query + ` ORDER BY d.id DESC LIMIT ?`,
			func(terms []Term) []any {
				if fq != "" {
					return []any{Websearch(terms), fq}
				}
				return []any{Websearch(terms)}
			}
	},
	newest:  `SELECT id FROM search_documents WHERE tsv @@ websearch_to_tsquery('english', ?) ORDER BY id DESC LIMIT ?`,
	termArg: func(t Term) any { return Websearch([]Term{t}) },
	indexSize: func(ctx context.Context, d db.Querier) (float64, error) {
		// The planner's row count, kept by ANALYZE (Optimize) and autovacuum.
		var n float64
		err := d.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('search_documents')`).Scan(&n)
		return n, err
	},
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

// findCandidates returns the newest RankWindow matches of the words and
// filters, their terms counted, with what ranking them needs, and how many
// matches it saw (up to walkLimit).
func findCandidates(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string) ([]candidate, int, corpusStats, error) {
	cands, err := readCandidates(ctx, d, ds, terms, facets)
	if err != nil || len(cands) == 0 {
		return nil, 0, corpusStats{}, err
	}
	matched := len(cands)
	if matched > RankWindow {
		// The join need not keep the walk's order: keep the newest.
		sort.Slice(cands, func(i, j int) bool { return cands[i].id > cands[j].id })
		cands = cands[:RankWindow]
	}
	st, err := termStats(ctx, d, ds, terms, facets, cands)
	return cands, matched, st, err
}

// readCandidates reads and counts the newest walkLimit matches.
func readCandidates(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string) ([]candidate, error) {
	query, args := ds.candidates(facets)
	rows, err := d.QueryContext(ctx, query, append(args(terms), walkLimit)...)
	if err != nil {
		return nil, fmt.Errorf("search: candidates: %w", err)
	}
	defer rows.Close()
	m := newMatcher(terms)
	var cands []candidate
	var title, body string
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &title, &body); err != nil {
			return nil, fmt.Errorf("search: candidates: %w", err)
		}
		m.countText(&c, title, body)
		cands = append(cands, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: candidates: %w", err)
	}
	return cands, nil
}

// termStats estimates the index size and each term's document frequency.
func termStats(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, facets [][]string, cands []candidate) (corpusStats, error) {
	var hi, lo sql.NullInt64
	if err := d.QueryRowContext(ctx, `SELECT (SELECT MAX(id) FROM search_documents), (SELECT MIN(id) FROM search_documents)`).Scan(&hi, &lo); err != nil {
		return corpusStats{}, fmt.Errorf("search: id range: %w", err)
	}
	span := float64(hi.Int64-lo.Int64) + 1
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
		return float64(n) * span / float64(hi.Int64-oldest+1)
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
	for i, t := range terms {
		rows, err := d.QueryContext(ctx, ds.newest, ds.termArg(t), dfSample)
		if err != nil {
			return st, fmt.Errorf("search: term frequency: %w", err)
		}
		n, oldest := 0, hi.Int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return st, fmt.Errorf("search: term frequency: %w", err)
			}
			n, oldest = n+1, min(oldest, id)
		}
		err = rows.Err()
		rows.Close()
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
