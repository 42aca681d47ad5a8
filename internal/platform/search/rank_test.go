package search

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// fts5Tokens returns the tokens FTS5's tokenizer (the index's) makes of
// each text, read back through an fts5vocab table.
func fts5Tokens(t *testing.T, texts []string) [][]string {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(t.TempDir(), "t.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, q := range []string{
		`CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`,
	} {
		if _, err := d.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range texts {
		if _, err := d.ExecContext(ctx, `INSERT INTO t (rowid, x) VALUES (?, ?)`, i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	out := make([][]string, len(texts))
	rows, err := d.QueryContext(ctx, `SELECT doc, term FROM v ORDER BY doc, "offset"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		out[doc-1] = append(out[doc-1], term)
	}
	return out
}

func goTokens(s string) []string {
	var out []string
	var scratch []byte
	tokenize(s, func(tok []byte) { out = append(out, string(stem(tok, nil))) }, &scratch)
	return out
}

func TestStemMatchesFTS5(t *testing.T) {
	raw, err := os.ReadFile("testdata/words.txt")
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(string(raw))
	texts := append([]string{}, words...)
	texts = append(texts,
		"Protect the ICT supply-chain: States' CERTs (27001:2022) cooperate.",
		"Coopération régionale, sécurité des réseaux électriques à Genève",
		"Cooperación en ciberseguridad; protección de infraestructuras críticas",
		"Сотрудничество государств в области информационной безопасности",
		"MIXED Case Words And Numbers 2025 x86_64",
	)
	fts := fts5Tokens(t, texts)
	for i, s := range texts {
		got := goTokens(s)
		if strings.Join(got, " ") != strings.Join(fts[i], " ") {
			t.Errorf("%q: Go %v, FTS5 %v", s, got, fts[i])
		}
	}
	// The matcher passes over tokens whose start differs from a query
	// stem's: Porter must keep all but the last two letters of a stem as
	// the word's own start.
	for _, w := range words {
		s := stem([]byte(w), nil)
		if k := max(1, len(s)-2); !strings.HasPrefix(w, string(s[:k])) {
			t.Errorf("stem %q of %q does not start with the word's first %d letters", s, w, k)
		}
	}
}

func TestMatcherCounts(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		text   string
		want   []float64
		tokens int
	}{
		{"stemmed forms count as the word", "vulnerability", "Vulnerabilities and a vulnerability.", []float64{2}, 4},
		{"each term is counted apart", "supply chain", "supply chains supply", []float64{2, 1}, 3},
		{"a phrase counts only where its words are together", `"supply chain"`, "supply chain, chain supply, supply-chain", []float64{2}, 6},
		{"accents and case fold", "securite", "Sécurité SÉCURITÉ securite", []float64{3}, 3},
		{"text after a non-ASCII word is still counted", "cooperation", "Coopération cooperation", []float64{2}, 2},
		{"no match counts nothing", "ransomware", "critical infrastructure", []float64{0}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMatcher(Parse(tt.query))
			tf := make([]float64, len(m.terms))
			n := m.count(tt.text, tf)
			if n != tt.tokens {
				t.Errorf("tokens %d, want %d", n, tt.tokens)
			}
			for i := range tt.want {
				if tf[i] != tt.want[i] {
					t.Errorf("tf %v, want %v", tf, tt.want)
					break
				}
			}
		})
	}
}

func TestRankOrder(t *testing.T) {
	m := newMatcher(Parse("ransomware election"))
	docs := []struct{ title, body string }{
		{"Election security", "ransomware guidance for an election"},
		{"Guidance", "ransomware guidance for an election"},
		{"Guidance", "ransomware election ransomware election ransomware"},
		{"Guidance", "ransomware election, and a great deal of other text that has nothing to do with either of the two words at all"},
		{"Ransomware", "election"},
	}
	var cands []candidate
	for i, d := range docs {
		c := candidate{id: int64(i + 1)}
		m.countText(&c, d.title, d.body)
		cands = append(cands, c)
	}
	// "election" is rare in this index, "ransomware" common.
	rank(cands, corpusStats{docs: 10000, df: []float64{5000, 50}})
	order := func() string {
		var ids []string
		for _, c := range cands {
			ids = append(ids, string(rune('0'+c.id)))
		}
		return strings.Join(ids, "")
	}()
	pos := map[int64]int{}
	for i, c := range cands {
		pos[c.id] = i
	}
	for _, tt := range []struct {
		name        string
		above, then int64
	}{
		{"the rarer word in the title ranks above the commoner one", 1, 5},
		{"a word in the title ranks above the same text without it", 1, 2},
		{"repeated words rank above single ones", 3, 2},
		{"a short text ranks above a long one with the same matches", 2, 4},
	} {
		if pos[tt.above] > pos[tt.then] {
			t.Errorf("%s: order %s", tt.name, order)
		}
	}
	for i := 1; i < len(cands); i++ {
		if cands[i].score > cands[i-1].score {
			t.Errorf("scores out of order: %+v", cands)
		}
	}
}

// FuzzMatcher feeds any query and text through the matcher: no panic, and
// counts that make sense.
func FuzzMatcher(f *testing.F) {
	f.Add("supply chain", "Supply chains and the supply chain.")
	f.Add(`"cyber security" états`, "Sécurité des États — cyber security\u0301 ÿ")
	f.Add("\u0301x y", "\xff\xfe ab\u0301c 1234567890123456789012345678901234567890123456789012345678901234567890")
	f.Fuzz(func(t *testing.T, query, text string) {
		m := newMatcher(Parse(query))
		c := candidate{}
		m.countText(&c, text, text)
		if c.length < 0 || c.length > float64(2*len(text)) {
			t.Fatalf("length %v for %d bytes", c.length, len(text))
		}
		for i := range c.titleTF {
			if c.titleTF[i] < 0 || c.titleTF[i] != c.bodyTF[i] || c.titleTF[i] > c.length {
				t.Fatalf("counts %v %v for length %v", c.titleTF, c.bodyTF, c.length)
			}
		}
		rank([]candidate{c}, corpusStats{docs: 10, df: make([]float64, len(m.terms))})
		// The snippet is the text's own words, in order, with markers and
		// ellipses added (indexed text never holds the markers: clean).
		text = clean(text)
		snip := strings.NewReplacer("\x02", "", "\x03", "").Replace(m.snippet(text, 5))
		snip = strings.TrimSuffix(strings.TrimPrefix(snip, "… "), " …")
		if !strings.Contains(text, snip) {
			t.Fatalf("snippet %q is not from %q", snip, text)
		}
	})
}

func TestSnippet(t *testing.T) {
	long := "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty"
	tests := []struct {
		name, query, text, want string
		size                    int
	}{
		{"a short text is whole, its matches marked", "vulnerability", "Report vulnerabilities, then fix the vulnerability.", "Report \x02vulnerabilities\x03, then fix the \x02vulnerability\x03.", 24},
		{"a phrase is marked only where its words are together", `"supply chain"`, "chain supply: the supply chain.", "chain supply: the \x02supply\x03 \x02chain\x03.", 24},
		{"a long text is cut around its match", "twelve", long, "… ten eleven \x02twelve\x03 thirteen fourteen fifteen …", 6},
		{"the window with the most terms wins", "two fifteen sixteen", long, "… fourteen \x02fifteen\x03 \x02sixteen\x03 seventeen eighteen …", 5},
		{"without a match the text's start shows", "zanzibar", long, "one two three …", 3},
		{"accents fold and the original text shows", "securite", "La sécurité d'abord", "La \x02sécurité\x03 d'abord", 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newMatcher(Parse(tt.query)).snippet(tt.text, tt.size)
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// BenchmarkMatcherCount counts a two-word query in 500 synthetic passages
// of 68 words, as ranking does for a window of candidates.
func BenchmarkMatcherCount(b *testing.B) {
	words := strings.Fields("the of and to in state states stated cyber security norm critical infrastructure supply chain vulnerability disclosure incident response team cooperation capacity building statement station")
	texts := make([]string, 500)
	for i := range texts {
		var sb strings.Builder
		for j := 0; j < 68; j++ {
			sb.WriteString(words[(i*31+j*j*7+j)%len(words)])
			sb.WriteByte(' ')
		}
		texts[i] = sb.String()
	}
	b.ReportAllocs()
	for b.Loop() {
		m := newMatcher(Parse("state supply"))
		for _, t := range texts {
			var c candidate
			m.countText(&c, t[:40], t)
		}
	}
}
