package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func openDB(t testing.TB, kind string) *db.DB {
	d, _ := testrig.OpenDB(t, kind, filepath.Join(t.TempDir(), "data"))
	return d
}

func each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for _, kind := range testrig.DBKinds(t) {
		t.Run(kind, func(t *testing.T) { fn(t, openDB(t, kind)) })
	}
}

var corpus = []search.Document{
	{Kind: "recommendation", Ref: "r1", Title: "Protect the ICT supply chain", Body: "States should require secure development practices from vendors in the supply chain.", Norms: []string{"gge2015-i"}, Year: 2020},
	{Kind: "recommendation", Ref: "r2", Title: "Report vulnerabilities", Body: "Establish coordinated vulnerability disclosure and share information about the supply chain.", Norms: []string{"gge2015-j", "gge2015-i"}, Year: 2020},
	{Kind: "measure", Ref: "m1", Title: "National CERT established", Body: "A computer emergency response team protects critical infrastructure.", Norms: []string{"gge2015-k"}, Type: "institution", Status: "implemented", Region: "weog", State: "FRA", Year: 2024},
	{Kind: "measure", Ref: "m2", Title: "Critical infrastructure act", Body: "Legislation on the protection of critical infrastructure operators.", Norms: []string{"gge2015-g"}, Type: "legislation", Status: "in_progress", Region: "african", State: "KEN", Year: 2025},
	{Kind: "measure", Ref: "m3", Title: "Cyber strategy", Body: "Strategy mentioning critical infrastructure once.", Norms: []string{"gge2015-g"}, Type: "strategy", Status: "planned", Region: "african", State: "GHA", Year: 2025},
}

func load(t testing.TB, d *db.DB, docs []search.Document) {
	t.Helper()
	err := d.InTx(context.Background(), func(tx *db.Tx) error {
		for _, doc := range docs {
			if err := search.Index(context.Background(), tx, doc); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func refs(r search.Results) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Ref)
	}
	return out
}

func TestSearch(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		load(t, d, corpus)
		s := search.Searcher{DB: d}
		tests := []struct {
			name string
			q    search.Query
			want []string
			sort bool
		}{
			{"a word in the title ranks above the same word in the body", search.Query{Text: "vulnerabilities"}, []string{"r2"}, false},
			{"a phrase matches only where the words are together", search.Query{Text: `"supply chain"`}, []string{"r1", "r2"}, true},
			{"stemming finds plural and singular", search.Query{Text: "vulnerability"}, []string{"r2"}, false},
			{"every term must match", search.Query{Text: "critical legislation"}, []string{"m2"}, false},
			{"the norm filter keeps documents serving that norm", search.Query{Text: "supply", Norm: "gge2015-j"}, []string{"r2"}, false},
			{"the kind filter keeps one kind", search.Query{Text: "critical infrastructure", Kinds: []string{"measure"}}, []string{"m1", "m2", "m3"}, true},
			{"region, type and year filters combine", search.Query{Text: "critical", Region: "african", Type: "legislation", Year: 2025}, []string{"m2"}, false},
			{"the State filter keeps one State", search.Query{State: "GHA"}, []string{"m3"}, false},
			{"status filter without text lists by year", search.Query{Status: "implemented"}, []string{"m1"}, false},
			{"hostile syntax is only words", search.Query{Text: `supply* OR NEAR(" title:`}, nil, false},
			{"no match gives an empty page", search.Query{Text: "zanzibar"}, nil, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := s.Query(ctx, tt.q)
				if err != nil {
					t.Fatal(err)
				}
				got := refs(res)
				if tt.sort {
					sort.Strings(got)
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				if res.Total != len(tt.want) {
					t.Errorf("total %d, want %d", res.Total, len(tt.want))
				}
			})
		}
		t.Run("title matches rank above body matches", func(t *testing.T) {
			res, err := s.Query(ctx, search.Query{Text: "critical infrastructure"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != 3 || res.Hits[0].Ref != "m2" {
				t.Errorf("got %v, want m2 (title match) first", refs(res))
			}
		})
		t.Run("snippets mark the matched words", func(t *testing.T) {
			res, err := s.Query(ctx, search.Query{Text: "vendors"})
			if err != nil || len(res.Hits) != 1 {
				t.Fatalf("%v %v", res, err)
			}
			marked := false
			for _, f := range res.Hits[0].Snippet {
				marked = marked || f.Match && strings.EqualFold(f.Text, "vendors")
			}
			if !marked {
				t.Errorf("snippet %+v does not mark 'vendors'", res.Hits[0].Snippet)
			}
		})
		t.Run("re-indexing replaces and removing deletes", func(t *testing.T) {
			doc := corpus[0]
			doc.Title, doc.Body = "Renamed recommendation", "Nothing about chains."
			load(t, d, []search.Document{doc})
			res, _ := s.Query(ctx, search.Query{Text: "vendors"})
			if len(res.Hits) != 0 {
				t.Errorf("old text still found: %v", refs(res))
			}
			res, _ = s.Query(ctx, search.Query{Text: "renamed"})
			if strings.Join(refs(res), ",") != "r1" {
				t.Errorf("new text not found: %v", refs(res))
			}
			if err := d.InTx(ctx, func(tx *db.Tx) error { return search.Remove(ctx, tx, "recommendation", "r1") }); err != nil {
				t.Fatal(err)
			}
			res, _ = s.Query(ctx, search.Query{Text: "renamed"})
			if len(res.Hits) != 0 {
				t.Errorf("removed document still found: %v", refs(res))
			}
		})
		t.Run("optimizing the index changes no result", func(t *testing.T) {
			before, _ := s.Query(ctx, search.Query{Text: "critical"})
			if err := search.Optimize(ctx, d); err != nil {
				t.Fatal(err)
			}
			after, _ := s.Query(ctx, search.Query{Text: "critical"})
			if strings.Join(refs(before), ",") != strings.Join(refs(after), ",") {
				t.Errorf("before %v, after %v", refs(before), refs(after))
			}
		})
		t.Run("pagination walks the results", func(t *testing.T) {
			a, _ := s.Query(ctx, search.Query{Text: "critical", Limit: 2})
			b, _ := s.Query(ctx, search.Query{Text: "critical", Limit: 2, Offset: 2})
			if len(a.Hits) != 2 || len(b.Hits) != 1 || a.Total != 3 {
				t.Errorf("pages %v %v total %d", refs(a), refs(b), a.Total)
			}
		})
	})
}

// Phrases written with punctuation, in a plural, around stop words or
// after an edit are found, the same documents on both databases. On
// PostgreSQL the fillers, which hold the phrases' words apart, make the
// phrases rarer than their words, so that they are found through their word
// pairs (migration 0303, usePairs).
func TestPhrases(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var fillers []search.Document
		for i := range 40 {
			fillers = append(fillers, search.Document{Kind: "measure", Ref: fmt.Sprint("filler", i), Title: "Filler",
				Body: "Supply of goods; the rights and duties of women; x and y; a ray of light; chain of command; the machine."})
		}
		load(t, d, fillers)
		load(t, d, []search.Document{
			{Kind: "measure", Ref: "hyphen", Title: "Supply-chain security", Body: "Vendors sign contracts."},
			{Kind: "measure", Ref: "plural", Title: "Vendors", Body: "We map the supply chains of our vendors."},
			{Kind: "measure", Ref: "apart", Title: "Chains", Body: "The supply of a chain, and a chain supply.", Norms: []string{"gge2015-i"}},
			{Kind: "measure", Ref: "women", Title: "Rights of women online", Body: "Equal rights.", Norms: []string{"gge2015-e"}},
			{Kind: "measure", Ref: "between", Title: "Rights", Body: "Rights protect women.", Norms: []string{"gge2015-e"}},
			{Kind: "measure", Ref: "xray", Title: "Scanners", Body: "An X-ray machine at the border.", Norms: []string{"gge2015-i"}},
			{Kind: "measure", Ref: "edited", Title: "Draft", Body: "Nothing yet."},
		})
		edited := search.Document{Kind: "measure", Ref: "edited", Title: "Final", Body: "Audits of the supply chain.", Norms: []string{"gge2015-i"}}
		load(t, d, []search.Document{edited})
		if err := search.Optimize(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			q    search.Query
			want string
		}{
			{search.Query{Text: `"supply chain"`}, "edited,hyphen,plural"},
			{search.Query{Text: "supply-chain"}, "edited,hyphen,plural"},
			{search.Query{Text: `"supply chain"`, Norm: "gge2015-i"}, "edited"},
			{search.Query{Text: `"chain supply"`}, "apart"},
			{search.Query{Text: `"rights of women"`}, "women"},
			{search.Query{Text: `"x ray machine"`}, "xray"},
			{search.Query{Text: `"x-ray" border`}, "xray"},
			{search.Query{Text: `"supply chain" "rights of women"`}, ""},
		} {
			res, err := search.Run(ctx, d, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := refs(res)
			sort.Strings(got)
			if strings.Join(got, ",") != tt.want {
				t.Errorf("%q norm %q: got %v, want %s", tt.q.Text, tt.q.Norm, got, tt.want)
			}
		}
	})
}

var domain = strings.Fields(`state cyber security norm critical infrastructure supply chain vulnerability disclosure incident response team cooperation capacity building legislation strategy policy institution practice confidence measure protection human rights privacy assistance request attribution information sharing national agency ministry framework report implementation energy health finance telecommunications water transport election integrity ransomware malware botnet phishing training exercise regional international law sovereignty diligence`)

// vocabulary is a Zipf-distributed vocabulary like real text: the domain
// words among the commonest, then 20,000 made-up words of falling frequency.
func vocabulary() []string {
	syl := strings.Fields("ka ri to me nu sa lo pe vi da ze mo gu fa te ni ho ba")
	v := append([]string{"the", "of", "and", "to", "in"}, domain...)
	for i := 0; len(v) < 20_000; i++ {
		v = append(v, syl[i%18]+syl[(i/18)%18]+syl[(i/324)%18]+syl[(i/5832)%18])
	}
	return v
}

// passage returns a pseudo-random passage of n words drawn from the Zipf law.
func passage(z *rand.Zipf, vocab []string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocab[z.Uint64()])
	}
	return b.String()
}

// benchDB opens the benchmark's database: a fresh one, or with
// CYBERNORMS_BENCH_DIR set the one kept from an earlier run of the same
// size (SQLite: in that folder; PostgreSQL: in schema bench_search_N), so a
// million passages are indexed once.
func benchDB(b *testing.B, kind string, n int) *db.DB {
	dir := os.Getenv("CYBERNORMS_BENCH_DIR")
	if dir == "" {
		return openDB(b, kind)
	}
	d, _ := testrig.OpenKept(b, kind, filepath.Join(dir, fmt.Sprintf("search-%d", n)), fmt.Sprintf("bench_search_%d", n))
	return d
}

// BenchmarkQuery measures a two-word query over CYBERNORMS_BENCH_PASSAGES
// (default 100,000) indexed passages and reports the p95 latency.
func BenchmarkQuery(b *testing.B) {
	n := 100_000
	if v := testingEnvInt("CYBERNORMS_BENCH_PASSAGES"); v > 0 {
		n = v
	}
	for _, kind := range testrig.DBKinds(b) {
		b.Run(fmt.Sprintf("%s/%d", kind, n), func(b *testing.B) {
			d := benchDB(b, kind, n)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(1, 2))
			vocab := vocabulary()
			z := rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))
			have, err := search.Count(ctx, d, "measure")
			if err != nil {
				b.Fatal(err)
			}
			if have != 0 && have != n {
				b.Fatalf("%d passages in the kept database, want 0 or %d: remove it", have, n)
			}
			for start := 0; start < n && have != n; start += 10_000 {
				err := d.InTx(ctx, func(tx *db.Tx) error {
					var docs []search.Document
					for i := start; i < start+10_000 && i < n; i++ {
						docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprint(i), Title: passage(z, vocab, 8), Body: passage(z, vocab, 60),
							Norms: []string{"gge2015-" + string(rune('a'+i%11))}, Year: 2016 + i%10, State: fmt.Sprintf("S%02d", i%195), Type: "policy"})
					}
					return search.IndexNew(ctx, tx, docs)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if have != n {
				if err := search.Optimize(ctx, d); err != nil {
					b.Fatal(err)
				}
			}
			// A mix like people's: a rare and a common word, a phrase, a
			// word with a norm filter, two domain words with a year, and the
			// worst case, one very common word.
			queries := []search.Query{{Text: vocab[900] + " " + vocab[30]}, {Text: `"supply chain"`}, {Text: "sovereignty", Norm: "gge2015-c"},
				{Text: "ransomware election", Year: 2020}, {Text: vocab[2000]}, {Text: "botnet " + vocab[400]}, {Text: "critical infrastructure protection"}, {Text: "state"}}
			timeQueries(b, d, queries)
		})
	}
}

func TestBroadQueriesRankAWindowAndCountToTheCap(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var docs []search.Document
		// Dense documents every quarter window, so four of them are inside
		// the window wherever it starts. (The window was 2,000 with dense
		// documents every 500; it is 500 since ranking moved into Go,
		// because the walk to the window's oldest match and reading each
		// candidate were most of a query's time at a million passages; the
		// test now follows the constant.)
		every := search.RankWindow / 4
		for i := 0; i < search.RankWindow+300; i++ {
			body := "common words about cooperation"
			if i%every == 0 {
				body = "common common common cooperation cooperation"
			}
			docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprint(i), Title: fmt.Sprintf("Measure %d", i), Body: body, Year: 2020 + i%5})
		}
		load(t, d, docs)
		res, err := search.Run(ctx, d, search.Query{Text: "common cooperation", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != search.MaxCount || !res.More || len(res.Hits) != 10 {
			t.Fatalf("total %d more %v hits %d", res.Total, res.More, len(res.Hits))
		}
		// The dense documents inside the window (the newest RankWindow
		// matches) rank first; "0", as dense but older, is outside it.
		var top, want []string
		for _, h := range res.Hits[:4] {
			top = append(top, h.Ref)
		}
		for i := search.RankWindow + 300 - 1; len(want) < 4; i-- {
			if i%every == 0 {
				want = append(want, fmt.Sprint(i))
			}
		}
		sort.Strings(top)
		sort.Strings(want)
		if strings.Join(top, ",") != strings.Join(want, ",") || slices.Contains(top, "0") {
			t.Errorf("top hits %v, want the dense documents inside the window %v", top, want)
		}
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Rank > res.Hits[i-1].Rank {
				t.Errorf("hits out of rank order at %d", i)
			}
		}
		filtered, err := search.Run(ctx, d, search.Query{Text: "common", Year: 2020, Limit: 5})
		if err != nil || len(filtered.Hits) != 5 {
			t.Fatalf("filtered: %v %v", filtered, err)
		}
		for _, h := range filtered.Hits {
			if h.Year != 2020 {
				t.Errorf("filter lost in the window: %+v", h)
			}
		}
	})
}

func TestRarerWordsWeighMore(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var docs []search.Document
		// "cooperation" is in every document (more than the 500 whose
		// spread estimates a common word's frequency), "sovereignty" in two.
		for i := 0; i < 700; i++ {
			docs = append(docs, search.Document{Kind: "measure", Ref: fmt.Sprint(i), Title: fmt.Sprintf("Measure %d", i), Body: "regional cooperation on training"})
		}
		// Indexed first, so a tie would put the common word's title first.
		docs = append(docs,
			search.Document{Kind: "measure", Ref: "common-title", Title: "Cooperation", Body: "regional sovereignty on training"},
			search.Document{Kind: "measure", Ref: "rare-title", Title: "Sovereignty", Body: "regional cooperation on training"},
		)
		load(t, d, docs)
		res, err := search.Run(ctx, d, search.Query{Text: "cooperation sovereignty"})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(refs(res), ","); got != "rare-title,common-title" {
			t.Errorf("got %s, want the rare word's title match first", got)
		}
	})
}

// TestListWithoutWords: a query without words lists the documents that
// meet its filters, newest first, a page at a time, and counts them up to
// MaxCount; it reads the facet terms (a posting list, or the GIN index in
// id ranges), never every document.
func TestListWithoutWords(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var docs []search.Document
		kinds := []string{"measure", "practice", "recommendation"}
		norms := []string{"gge2015-a", "gge2015-b", "gge2015-c"}
		states := []string{"FRA", "KEN", "BRA", "IND"}
		for i := range MaxList {
			docs = append(docs, search.Document{Kind: kinds[i%3], Ref: fmt.Sprintf("d%03d", i), Title: "Document", Body: strings.Repeat("text ", 60),
				Norms: norms[:1+i%3], State: states[i%4], Year: 2015 + i%10})
		}
		load(t, d, docs)
		for _, q := range []search.Query{{}, {Norm: "gge2015-c"}, {Kinds: []string{"measure", "practice"}}, {Norm: "gge2015-b", State: "KEN"}, {Year: 2019}, {Norm: "gge2015-a", Offset: 480, Limit: 40},
			{Kinds: []string{"measure"}, Year: 2016, Offset: 20}, {State: "XXX"}} {
			var want []string
			for i := len(docs) - 1; i >= 0; i-- {
				x := docs[i]
				if (q.Norm == "" || slices.Contains(x.Norms, q.Norm)) && (len(q.Kinds) == 0 || slices.Contains(q.Kinds, x.Kind)) &&
					(q.State == "" || x.State == q.State) && (q.Year == 0 || x.Year == q.Year) {
					want = append(want, x.Ref)
				}
			}
			total, more := min(len(want), search.MaxCount), len(want) > search.MaxCount
			limit := q.Limit
			if limit == 0 {
				limit = 20
			}
			want = want[min(q.Offset, len(want)):min(q.Offset+limit, len(want))]
			res, err := search.Run(ctx, d, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := refs(res); !slices.Equal(got, want) || res.Total != total || res.More != more {
				t.Errorf("%+v: %v (total %d, more %v), want %v (total %d, more %v)", q, got, res.Total, res.More, want, total, more)
			}
			for _, h := range res.Hits {
				if len(h.Snippet) != 1 || !strings.HasSuffix(h.Snippet[0].Text, "…") {
					t.Errorf("%+v: %s's excerpt %v", q, h.Ref, h.Snippet)
					break
				}
			}
		}
	})
}

// MaxList is how many documents TestListWithoutWords indexes: more than
// search.MaxCount, so that the count stops at its cap.
const MaxList = 700
