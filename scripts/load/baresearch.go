package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/states"
)

// bareSearch is the baseline of the searches: the database's own
// full-text query for the same words, filters and page, and the same JSON
// shape, with nothing of the platform around it.
//
// SQLite: FTS5 MATCH (the words and the facet tokens in one expression)
// ORDER BY bm25(), snippet() for the highlights, and a COUNT of the matches
// up to search.MaxCount+1 for the total. PostgreSQL: the tsvector column
// @@ websearch_to_tsquery (and the facet tokens' to_tsquery('simple'))
// ORDER BY ts_rank, ts_headline for the highlights, and the same COUNT.
// The HTML search pages run the same statements and write the bytes the
// app gave for them.
type bareSearch struct {
	db *db.DB
}

// bareHit is search.Hit's JSON, plus the State's name as the API gives it.
type bareHit struct {
	search.Document
	Rank      float64           `json:"rank"`
	Snippet   []search.Fragment `json:"snippet"`
	StateName string            `json:"state_name,omitempty"`
}

type bareResults struct {
	Query string    `json:"query"`
	Hits  []bareHit `json:"items"`
	Total int       `json:"total"`
	More  bool      `json:"more"`
}

// isIndexSearch says whether a path is a search of the platform's index
// (the compendium's search page or /api/v1/search).
func isIndexSearch(path string) bool {
	return strings.HasPrefix(path, "/api/v1/search?") || strings.HasPrefix(path, "/compendium/search?")
}

const bareCols = `d.kind, d.ref, d.lang, d.title, d.url, d.norms, d.type, d.status, d.region, d.year, d.state, d.parent`

// facetTokens are the facet terms of the filters the mix uses.
func bareFacets(v url.Values) []string {
	var out []string
	squash := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(s))
	}
	if n := v.Get("norm"); n != "" {
		out = append(out, "xnorm"+squash(n))
	}
	if y := v.Get("year"); y != "" {
		out = append(out, "xyear"+y)
	}
	for _, f := range []struct{ key, prefix string }{{"type", "xtype"}, {"status", "xstatus"}, {"region", "xregion"}, {"state", "xstate"}, {"kind", "xkind"}} {
		if s := v.Get(f.key); s != "" {
			out = append(out, f.prefix+squash(s))
		}
	}
	return out
}

// run answers one search of the mix.
func (b *bareSearch) run(ctx context.Context, rawQuery string) (bareResults, error) {
	v, _ := url.ParseQuery(rawQuery)
	terms := search.Parse(v.Get("q"))
	res := bareResults{Query: search.String(terms), Hits: []bareHit{}}
	if len(terms) == 0 {
		return res, nil
	}
	limit, offset := 20, 0
	if n, err := strconv.Atoi(v.Get("limit")); err == nil {
		limit = n
	}
	if n, err := strconv.Atoi(v.Get("offset")); err == nil {
		offset = n
	}
	facets := bareFacets(v)
	var page, count string
	var args []any
	if b.db.Dialect == db.Postgres {
		q := `websearch_to_tsquery('english', ?)`
		args = []any{search.Websearch(terms)}
		if len(facets) > 0 {
			q = `(` + q + ` && to_tsquery('simple', ?))`
			args = append(args, strings.Join(facets, " & "))
		}
		// The page's rows are ranked first and headlined after, so that
		// ts_headline reads only the page's documents.
		page = `SELECT ` + bareCols + `, p.r, ts_headline('english', d.body, p.q, 'StartSel=` + "\x02" + `, StopSel=` + "\x03" + `, MaxWords=24, MinWords=12, MaxFragments=1, FragmentDelimiter=" … "')
			FROM (SELECT d.id, ts_rank(d.tsv, q.q) AS r, q.q FROM search_documents d, (SELECT ` + q + ` AS q) q WHERE d.tsv @@ q.q ORDER BY r DESC, d.id LIMIT ? OFFSET ?) p
			JOIN search_documents d ON d.id = p.id ORDER BY p.r DESC, d.id`
		count = `SELECT COUNT(*) FROM (SELECT 1 FROM search_documents d WHERE d.tsv @@ ` + q + ` LIMIT ?) c`
	} else {
		expr := search.FTS5(terms)
		for _, f := range facets {
			expr += ` AND facets : "` + f + `"`
		}
		// The page's rows are ranked first (rank is bm25 with the title
		// weighing four times the body, as the app does) and their
		// snippets cut after, so that snippet() reads only the page's
		// documents.
		args = []any{expr, expr}
		page = `SELECT ` + bareCols + `, -p.r, snippet(search_fts, 1, char(2), char(3), '…', 24)
			FROM (SELECT rowid AS id, bm25(search_fts, 4.0, 1.0, 0.0) AS r FROM search_fts WHERE search_fts MATCH ? ORDER BY r LIMIT ? OFFSET ?) p
			JOIN search_fts ON search_fts.rowid = p.id JOIN search_documents d ON d.id = p.id
			WHERE search_fts MATCH ? ORDER BY p.r`
		count = `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT ?) c`
	}
	pageArgs := append(append([]any{}, args...), limit, offset)
	if b.db.Dialect != db.Postgres {
		pageArgs = []any{args[0], limit, offset, args[0]}
		args = args[:1]
	}
	rows, err := b.db.QueryContext(ctx, page, pageArgs...)
	if err != nil {
		return res, fmt.Errorf("bare search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h bareHit
		var norms, snippet string
		if err := rows.Scan(&h.Kind, &h.Ref, &h.Lang, &h.Title, &h.URL, &norms, &h.Type, &h.Status, &h.Region, &h.Year, &h.State, &h.Parent, &h.Rank, &snippet); err != nil {
			return res, fmt.Errorf("bare search: %w", err)
		}
		h.Norms = strings.Fields(norms)
		h.Snippet = search.Fragments(snippet)
		if st, ok := states.ByISO3(h.State); ok {
			h.StateName = st.Name("en")
		}
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("bare search: %w", err)
	}
	if err := b.db.QueryRowContext(ctx, count, append(args, search.MaxCount+1)...).Scan(&res.Total); err != nil && err != sql.ErrNoRows {
		return res, fmt.Errorf("bare search count: %w", err)
	}
	if res.Total > search.MaxCount {
		res.Total, res.More = search.MaxCount, true
	}
	return res, nil
}

// serve answers a search of the mix: JSON for the API, the app's bytes for
// the page, after the same statements.
func (b *bareSearch) serve(w http.ResponseWriter, r *http.Request, recorded []byte, contentType string) {
	res, err := b.run(r.Context(), r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		_ = json.NewEncoder(w).Encode(res)
		return
	}
	_, _ = w.Write(recorded)
}
