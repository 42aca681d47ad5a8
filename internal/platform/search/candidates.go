package search

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	// words and facets, up to a limit (an argument appended to args);
	// with pairs, the phrases marked there are found through their word
	// pairs (PostgreSQL, usePairs).
	candidates func(terms []Term, pairs []bool, facets [][]string) (query string, args []any)
	// newest selects the ids of one term's newest matches, up to a limit
	// (appended to args).
	newest    func(t Term) (query string, args []any)
	indexSize func(ctx context.Context, d db.Querier) (float64, error)
	// ranged: candidates and newest hold idRangeMark, and the walk goes
	// through the newest ids in growing ranges (walkRanges).
	ranged bool
	// commonFreqs gives, per term, what the planner's statistics say of
	// it, and the share of documents they say hold the facets (0 where
	// they do not say); nil on SQLite.
	commonFreqs func(ctx context.Context, d db.Querier, terms []Term, facets [][]string) ([]termFreq, float64, error)
}

// termFreq is what PostgreSQL's statistics (ANALYZE) say of a term.
type termFreq struct {
	// docs is the share of documents holding the term's words (for a
	// phrase, the smallest of its words' shares), 0 where they do not say;
	// all is the product of its words' shares, the planner's estimate of
	// the share holding them all.
	docs, all float64
	// pairs is how many word pairs a phrase has (migration 0303; 0 until
	// ANALYZE has given the pairs' index statistics, so that a phrase is
	// never sent to the pairs on a guess), pairDocs the share of documents
	// holding the rarest, 0 where the statistics do not list it.
	pairs    int
	pairDocs float64
}

var sqliteSQL = dialectSQL{
	candidates: func(terms []Term, _ []bool, facets [][]string) (string, []any) {
		// Filters as facet terms in the one FTS5 expression: an
		// intersection of posting lists, walked newest first, that stops
		// at the window. bm25() is not called, so no list is walked whole.
		return `SELECT d.id, d.title, d.body FROM (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?) c
				JOIN search_documents d ON d.id = c.id`,
			[]any{FTS5(terms) + fts5Facets(facets)}
	},
	newest: func(t Term) (string, []any) {
		return `SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid DESC LIMIT ?`, []any{FTS5([]Term{t})}
	},
	indexSize: fts5Rows,
}

var postgresSQL = dialectSQL{
	candidates: func(terms []Term, pairs []bool, facets [][]string) (string, []any) {
		// Words and facets in one tsquery over one GIN index, walked in
		// id ranges (walk); or, with pairs, the same tsquery checked on
		// the documents the pairs' index finds.
		query, args := `websearch_to_tsquery('english', ?)`, []any{Websearch(terms)}
		if fq := tsFacets(facets); fq != "" {
			query, args = `(`+query+` && to_tsquery('simple', ?))`, append(args, fq)
		}
		cond := `d.tsv @@ ` + query
		if pairs != nil {
			var pcond string
			pcond, args = pgPairs(terms, pairs, args)
			// ts_match_vq is the function behind @@: called by name, the
			// planner cannot use the words' index for it.
			cond = `ts_match_vq(d.tsv, ` + query + `) AND ` + pcond
		}
		return `SELECT d.id, d.title, d.body FROM search_documents d WHERE ` + cond + idRangeMark + ` ORDER BY d.id DESC LIMIT ?`, args
	},
	newest: func(t Term) (string, []any) {
		return `SELECT d.id FROM search_documents d WHERE d.tsv @@ websearch_to_tsquery('english', ?)` + idRangeMark + ` ORDER BY d.id DESC LIMIT ?`,
			[]any{Websearch([]Term{t})}
	},
	indexSize: func(ctx context.Context, d db.Querier) (float64, error) {
		// The planner's row count, kept by ANALYZE (Optimize) and autovacuum.
		var n float64
		err := d.QueryRowContext(ctx, `SELECT reltuples FROM pg_class WHERE oid = to_regclass('search_documents')`).Scan(&n)
		return n, err
	},
	ranged:      true,
	commonFreqs: pgCommonFreqs,
}

// pgPairs appends to args the condition that the documents hold the word
// pairs of the phrases marked in use (migration 0303).
func pgPairs(terms []Term, use []bool, args []any) (string, []any) {
	var parts []string
	for i, t := range terms {
		if use[i] {
			parts = append(parts, `search_phrase_pairs(?)`)
			args = append(args, strings.Join(t.Words, " "))
		}
	}
	return `search_pairs(d.tsv) @@ (` + strings.Join(parts, " && ") + `)`, args
}

// usePairs says whether to find a query's documents through its phrases'
// word pairs (migration 0303) instead of its words, and for which phrases
// (nil: through the words). The words' GIN index keeps no positions: for a
// phrase it returns every document holding all its words, each then read
// to check where they stand, which is most of them when the words are
// common and seldom side by side (at 100,000 synthetic passages, 21,541
// documents hold "supply" and "chain", 578 the phrase: 58 ms). The pairs'
// index returns the documents where they stand side by side (712). The
// pairs are used when the statistics (ANALYZE) say their rarest pair is in
// fewer documents than the planner expects to hold all the query's words,
// or is rarer than the most common ones they list; only then, because the
// planner multiplies the shares of words and pairs as if they were
// independent, so that a common phrase with its pairs looks thousands of
// times rarer than it is ("human rights" on the demo: 4 rows estimated,
// 7,833 read, the newest-id range dropped from the plan).
func usePairs(terms []Term, freqs []termFreq, docs float64) []bool {
	if len(freqs) != len(terms) {
		return nil
	}
	all, rarest := docs, -1.0
	use := make([]bool, len(terms))
	for i, t := range terms {
		all *= freqs[i].all
		if t.Phrase() && freqs[i].pairs > 0 {
			use[i] = true
			if p := freqs[i].pairDocs * docs; rarest < 0 || p < rarest {
				rarest = p
			}
		}
	}
	if rarest < 0 || rarest >= all {
		return nil
	}
	return use
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
// For a phrase it also counts the word pairs and reads the rarest pair's
// frequency from the pairs index's statistics (usePairs), and it gives the
// facets' share (pgFacetShare). The answers are kept for a minute
// (freqCache): they change at ANALYZE.
func pgCommonFreqs(ctx context.Context, d db.Querier, terms []Term, facets [][]string) ([]termFreq, float64, error) {
	share, err := pgFacetShare(ctx, d, facets)
	if err != nil {
		return nil, 0, err
	}
	out, err := pgTermFreqs(ctx, d, terms)
	return out, share, err
}

// pgFacetShare is the share of documents the statistics say hold the
// facets: the product over the groups of the sum of each group's tokens'
// shares (facet tokens are among the most common elements: a norm is in a
// tenth of the documents, a year too); 1 without facets, 0 where the
// statistics list none of a group's tokens.
func pgFacetShare(ctx context.Context, d db.Querier, facets [][]string) (float64, error) {
	owner, _ := d.(*db.DB)
	now := time.Now()
	known := map[string]float64{}
	var missing []string
	for _, g := range facets {
		for _, tok := range g {
			if f, ok := freqCache.get(owner, facetKey+tok, now); ok {
				known[tok] = f.docs
			} else {
				missing = append(missing, tok)
			}
		}
	}
	if len(missing) > 0 {
		rows, err := d.QueryContext(ctx, `SELECT t.tok, s.f[array_position(s.e, t.tok)]
			FROM unnest(?::text[]) AS t(tok)
			CROSS JOIN (`+mostCommonElems+` AND tablename = 'search_documents' AND attname = 'tsv') AS s`, missing)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		for rows.Next() {
			var tok string
			var f sql.NullFloat64
			if err := rows.Scan(&tok, &f); err != nil {
				return 0, err
			}
			known[tok] = f.Float64
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
		for _, tok := range missing {
			freqCache.put(owner, facetKey+tok, termFreq{docs: known[tok]}, now)
		}
	}
	share := 1.0
	for _, g := range facets {
		// A token the statistics do not list is rarer than those they
		// do: it adds about nothing to its group's share (the
		// compendium's search asks for seven kinds, some of them rare).
		sum := 0.0
		for _, tok := range g {
			sum += known[tok]
		}
		if sum == 0 {
			return 0, nil
		}
		share *= min(sum, 1)
	}
	return share, nil
}

// mostCommonElems selects ANALYZE's most common elements (e) of a vector
// column and their shares (f) in this schema; the caller names the table
// (for an expression index, the index) and column.
const mostCommonElems = `SELECT most_common_elems::text::text[] AS e, most_common_elem_freqs AS f FROM pg_stats WHERE schemaname = current_schema()`

// facetKey prefixes a facet token in freqCache (a term never starts with
// a control character).
const facetKey = "\x00"

// dfKey prefixes a term's estimated document count in freqCache (termStats).
const dfKey = "\x01"

// pgTermFreqs is pgCommonFreqs' reading of the terms.
func pgTermFreqs(ctx context.Context, d db.Querier, terms []Term) ([]termFreq, error) {
	out := make([]termFreq, len(terms))
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
	rows, err := d.QueryContext(ctx, `WITH st AS MATERIALIZED (`+mostCommonElems+` AND tablename = 'search_documents' AND attname = 'tsv'),
		pt AS MATERIALIZED (`+mostCommonElems+` AND tablename = 'search_documents_pairs'),
		t AS (SELECT u.ord, to_tsvector('english', u.term) AS v FROM unnest(?::text[]) WITH ORDINALITY AS u(term, ord))
		SELECT t.ord, w.least, w.product,
			CASE WHEN EXISTS (SELECT 1 FROM pt) THEN cardinality(tsvector_to_array(search_pairs(t.v))) ELSE 0 END,
			(SELECT CASE WHEN BOOL_AND(array_position(pt.e, p) IS NOT NULL) THEN MIN(pt.f[array_position(pt.e, p)]) END
				FROM pt CROSS JOIN unnest(tsvector_to_array(search_pairs(t.v))) AS p)
		FROM t CROSS JOIN LATERAL (
			SELECT CASE WHEN BOOL_AND(array_position(st.e, l) IS NOT NULL) THEN MIN(st.f[array_position(st.e, l)]) END AS least,
				CASE WHEN BOOL_AND(array_position(st.e, l) IS NOT NULL) THEN exp(SUM(ln(st.f[array_position(st.e, l)]))) END AS product
			FROM st CROSS JOIN unnest(tsvector_to_array(t.v)) AS l) AS w`, words)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := make([]termFreq, len(words))
	for rows.Next() {
		var ord, pairs int
		var f, all, pf sql.NullFloat64
		if err := rows.Scan(&ord, &f, &all, &pairs, &pf); err != nil {
			return nil, err
		}
		if ord >= 1 && ord <= len(got) {
			got[ord-1] = termFreq{docs: f.Float64, all: all.Float64, pairs: pairs, pairDocs: pf.Float64}
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
	f  termFreq
	at time.Time
}

type termFreqs struct {
	mu sync.Mutex
	m  map[freqKey]freqEntry
}

func (c *termFreqs) get(owner *db.DB, term string, now time.Time) (termFreq, bool) {
	if owner == nil {
		return termFreq{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[freqKey{owner, term}]
	if !ok || now.Sub(e.at) > freqTTL {
		return termFreq{}, false
	}
	return e.f, true
}

func (c *termFreqs) put(owner *db.DB, term string, f termFreq, now time.Time) {
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

// bandMark is where a ranged statement on the words' index takes its
// range, as the id bands it covers (bandCond), in place of idRangeMark
// where useBands says so.
const bandMark = ` /*bands*/`

// useBands says whether the walk for a query's candidates gives its
// ranges as id bands (bandCond), from what the statistics say: expect,
// the documents expected to match in all; rarest, the share of documents
// holding the query's rarest term (0: not among the most common, so
// rare); docs, the index's size. The bands pay where every word of the
// query is common and their matches together are not: then GIN read the
// whole posting lists of common words to find a few matches per range.
// Not where a term is rare (its short list leads the scan and the bands
// would be the longer lists to read), nor where the matches are dense
// (more than one document in seven, denseShare): there the planner walks the
// primary key backwards, reading about a range's first matches and no
// more, where a bitmap of the bands would fetch every match of the range
// to sort them ("CERT" at scale 10: 6,399 rows fetched, 31 ms, against
// 320 searches a second without bands), and with bands in the statement
// it takes the matches for rarer than they are.
func useBands(expect, rarest, docs float64) bool {
	return expect > 0 && expect < denseShare*docs && rarest*docs >= 3<<bandShift
}

// denseShare: see useBands.
const denseShare = 0.15

// rarestShare is the share of documents holding the rarest of the terms
// (freqs) and facets (their share together), 0 where the statistics do
// not say.
func rarestShare(freqs []termFreq, facets [][]string, facetShare float64) float64 {
	if len(freqs) == 0 {
		return 0
	}
	r := freqs[0].docs
	for _, f := range freqs[1:] {
		r = min(r, f.docs)
	}
	if len(facets) > 0 {
		r = min(r, facetShare)
	}
	return r
}

// bandShift sets the width of an id band, 2^13 = 8,192 ids: it must be
// the one of search_band (migration 0306). maxBands is how many bands a
// statement names at most (half a million ids): a wider range, and every
// older id at the end of a walk, are read by the words alone, which is
// cheaper where the words' matches are few in all (then GIN walks the
// rarest word's short list and skips through the others, and the bands
// would be the longer lists to read: "capacity building training", 92
// matches at scale 10, 2.5 ms without bands, 4.8 ms with 63).
const (
	bandShift = 13
	maxBands  = 64
)

// bandCond is the condition that a document is in the whole bands from
// the one after lower's to upper's, for the words' index's second column
// (migration 0306): the ids as bands. A GIN index has no order and no
// ranges, so with the ids alone PostgreSQL read every entry of each word
// of the query, whatever the range, and intersected them with the primary
// key's range (BitmapAnd): at the demo's scale 10 (3.4 million documents)
// a word in a tenth of them was 340,000 entries a statement, and sixteen
// searches at once waited seconds. With the bands in the same index scan,
// GIN takes the bands, rarer than a common word, as the entries a match
// must hold and skips through the words' posting trees to their documents
// ("fast scan"): for "vulnerability disclosure" over a million documents,
// 35 index pages instead of 92, and 812 entries instead of 30,300. The
// range must start a band (alignBand); the top band may hold ids above
// upper, which are newer than any the walk has read.
func bandCond(lower, upper int64) (string, bool) {
	from, to := (lower+1)>>bandShift, upper>>bandShift
	if to-from >= maxBands {
		return "", false
	}
	var b strings.Builder
	b.WriteString(" AND search_band(d.id) && '{")
	for n := from; n <= to; n++ {
		if n > from {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	b.WriteString("}'")
	return b.String(), true
}

// alignBand lowers lower, a range's exclusive bound, so that the range
// starts a band.
func alignBand(lower int64) int64 { return (lower+1)>>bandShift<<bandShift - 1 }

// firstRange is how many of the newest ids the first statement of a ranged
// walk covers. Up to about 25,000 ids (7 % of the scale-1 demo's index)
// the planner still intersects the two bitmaps for a phrase or two words it
// misjudges as rare; past about 30,000 it stops (it estimates the phrase
// "human rights" at 166 rows where 7,833 hold both words), filters
// every GIN match by id instead and reads them all.
const firstRange = 24_576

// neighbours returns, for each two neighbouring terms, the phrase of the
// two when both are single words (else an empty term).
func neighbours(terms []Term) []Term {
	var out []Term
	for i := 0; i+1 < len(terms); i++ {
		var t Term
		if !terms[i].Phrase() && !terms[i+1].Phrase() {
			t.Words = []string{terms[i].Words[0], terms[i+1].Words[0]}
		}
		out = append(out, t)
	}
	return out
}

// expectedMatches is how many documents the statistics say match the
// query, 0 where they do not say (a word rarer than the commonest ones they
// list, a phrase rarer than the pairs they list). The planner multiplies
// the terms' shares as if words went together by chance; written text
// does not: "supply" and "chain" are each in 2.2 % of the demo's documents,
// so in 0.05 % together by chance, and in fact in 2.3 %. So where two
// neighbouring words of the query are a pair the statistics list (adjacent
// in 2.2 % of the documents), their pair's share is a floor for the two
// together. For a phrase, its rarest pair's share is its own.
func expectedMatches(terms []Term, freqs, adjacent []termFreq, facetShare, docs float64) float64 {
	if len(freqs) != len(terms) || facetShare <= 0 {
		return 0
	}
	shares := make([]float64, len(terms))
	words := 1.0
	for i, t := range terms {
		shares[i] = freqs[i].all
		if t.Phrase() {
			shares[i] = freqs[i].pairDocs
		}
		words *= shares[i]
	}
	if words == 0 {
		return 0
	}
	for i, a := range adjacent {
		if a.pairDocs > 0 {
			words = max(words, words/(shares[i]*shares[i+1])*a.pairDocs)
		}
	}
	return docs * facetShare * words
}

// firstWidth is how many of the newest ids the first statement of a walk
// covers for limit matches (and a quarter more) when expect documents
// match, from firstRange to every id: the statistics spare a second
// statement, and with it a second scan of the words' posting lists, to a
// query whose matches are spread thin (two words each in a tenth of a
// million documents, 10 ms a scan). 0 when expect is unknown.
func firstWidth(expect float64, limit int, ids idSpan) int64 {
	if expect <= 0 {
		return 0
	}
	span := float64(ids.hi-ids.lo) + 1
	return int64(min(1.25*float64(limit)*span/expect, span))
}

// walk runs query, the newest matches first, with args and a row limit
// appended, and calls scan on every row, up to limit rows in all; it
// returns how many rows it scanned.
//
// On PostgreSQL (ds.ranged) the walk reads the newest first ids first (at
// least firstRange; firstWidth), then, if it found fewer than limit matches there, a range as wide as
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
//
// A statement holding bandMark instead of idRangeMark (readCandidates,
// where useBands says so) takes each range, widened down to a band's
// start, as the id bands it covers (bandCond), so that GIN reads only
// the bands' part of the words' posting lists; a range of more than
// maxBands bands, and every older id at the end, are given as ids.
func walk(ctx context.Context, d db.Querier, ds dialectSQL, query string, args []any, limit int, ids idSpan, first int64, scan func(*sql.Rows) error) (int, error) {
	if !ds.ranged {
		return walkRows(ctx, d, query, append(args, limit), scan)
	}
	n := 0
	upper, width := ids.hi, max(first, firstRange)
	bands := strings.Contains(query, bandMark)
	mark := idRangeMark
	if bands {
		mark = bandMark
	}
	for {
		lower := upper - width
		if bands {
			lower = alignBand(lower)
		}
		last := lower < ids.lo
		cond, ok := "", false
		if bands && !last {
			cond, ok = bandCond(lower, upper)
		}
		if !ok {
			cond = " AND d.id <= " + strconv.FormatInt(upper, 10)
			if !last {
				cond += " AND d.id > " + strconv.FormatInt(lower, 10)
			}
		}
		a := append(append([]any{pgx.QueryExecModeExec}, args...), limit-n)
		got, err := walkRows(ctx, d, strings.Replace(query, mark, cond, 1), a, scan)
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
	st := corpusStats{docs: float64(ids.hi-ids.lo) + 1, df: make([]float64, len(terms))}
	if n, err := ds.indexSize(ctx, d); err == nil && n > 0 {
		st.docs = n
	}
	var freqs, adjacent []termFreq
	var facetShare float64
	if ds.commonFreqs != nil && (len(terms) > 1 || len(facets) > 0 || slices.ContainsFunc(terms, Term.Phrase)) {
		// The query's terms, then each two neighbouring words as a phrase,
		// whose pair's share says how often they go together.
		all := append(slices.Clip(terms), neighbours(terms)...)
		if freqs, facetShare, err = ds.commonFreqs(ctx, d, all, facets); err != nil {
			return nil, 0, corpusStats{}, fmt.Errorf("search: term frequency: %w", err)
		}
		freqs, adjacent = freqs[:len(terms)], freqs[len(terms):]
	}
	pairs := usePairs(terms, freqs, st.docs)
	expect := expectedMatches(terms, freqs, adjacent, facetShare, st.docs)
	bands := pairs == nil && useBands(expect, rarestShare(freqs, facets, facetShare), st.docs)
	cands, err := readCandidates(ctx, d, ds, terms, pairs, facets, ids, expect, bands)
	if err != nil || len(cands) == 0 {
		return nil, 0, corpusStats{}, err
	}
	matched := len(cands)
	if matched > RankWindow {
		// The join need not keep the walk's order: keep the newest.
		sort.Slice(cands, func(i, j int) bool { return cands[i].id > cands[j].id })
		cands = cands[:RankWindow]
	}
	err = termStats(ctx, d, ds, &st, terms, freqs, facets, cands, ids)
	return cands, matched, st, err
}

// readCandidates reads and counts the newest walkLimit matches.
func readCandidates(ctx context.Context, d db.Querier, ds dialectSQL, terms []Term, pairs []bool, facets [][]string, ids idSpan, expect float64, bands bool) ([]candidate, error) {
	query, args := ds.candidates(terms, pairs, facets)
	if bands {
		query = strings.Replace(query, idRangeMark, bandMark, 1)
	}
	m := newMatcher(terms)
	var cands []candidate
	var title, body string
	_, err := walk(ctx, d, ds, query, args, walkLimit, ids, firstWidth(expect, walkLimit, ids), func(rows *sql.Rows) error {
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

// termStats estimates each term's document frequency into st, from the
// statistics (freqs) where they say, else from the term's newest matches.
func termStats(ctx context.Context, d db.Querier, ds dialectSQL, st *corpusStats, terms []Term, freqs []termFreq, facets [][]string, cands []candidate, ids idSpan) error {
	span := float64(ids.hi-ids.lo) + 1
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
		return nil
	}
	owner, _ := d.(*db.DB)
	now := time.Now()
	for i, t := range terms {
		if i < len(freqs) && freqs[i].docs*st.docs >= dfSample {
			st.df[i] = freqs[i].docs * st.docs
			continue
		}
		// A term's estimate is kept (freqCache) until a document is added
		// (the newest id is in the key) or for a minute: each walk is a
		// MATCH reading up to dfSample entries of the term's list, about
		// a fifth of a two-word search's time on SQLite.
		key := dfKey + strconv.FormatInt(ids.hi, 10) + " " + strings.Join(t.Words, " ")
		if f, ok := freqCache.get(owner, key, now); ok {
			st.df[i] = f.docs
			continue
		}
		oldest := ids.hi
		query, args := ds.newest(t)
		n, err := walk(ctx, d, ds, query, args, dfSample, ids, 0, func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			oldest = min(oldest, id)
			return nil
		})
		if err != nil {
			return fmt.Errorf("search: term frequency: %w", err)
		}
		st.df[i] = estimate(n, oldest, dfSample)
		freqCache.put(owner, key, termFreq{docs: st.df[i]}, now)
	}
	return nil
}

// fetchPage reads the documents of a page of ranked candidates and makes
// their snippets (snippet.go), in rank order. Both databases' own snippet
// functions were dropped for this: FTS5's snippet() cost a second MATCH and
// about 60 µs a hit, ts_headline about 100 µs a hit, and now the two mark
// the same words.
func fetchPage(ctx context.Context, d db.Querier, page []candidate, snippet func(body string) []Fragment) ([]Hit, error) {
	if len(page) == 0 {
		return []Hit{}, nil
	}
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
		h.Snippet = snippet(h.Body)
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
