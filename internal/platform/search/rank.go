package search

import (
	"math"
	"sort"
	"unicode"
	"unicode/utf8"
)

// Ranking happens in Go, on both databases, over the candidates the
// database found (at most RankWindow, the newest matches). The database's
// own ranking functions cost too much at a million passages: FTS5's bm25()
// first counts the documents of every query term by walking its whole
// posting list, so a common word cost as much as its list was long,
// whatever the window. Here a term's document frequency is estimated from
// its newest few hundred matches (docFreq in the dialect files), and each
// candidate's title and body are tokenised the way the index tokenised
// them (unicode61 folding and the Porter stemmer) to count the terms.
//
// The score is BM25 (k1 1.2, b 0.75) over the title and body, the title
// weighing titleWeight times the body, with the always-positive idf
// ln(1 + (N - df + 0.5)/(df + 0.5)): a rarer term weighs more, a term in
// the title more than in the body, a term repeated more than once, and a
// long text dilutes its matches.
const (
	bm25K1      = 1.2
	bm25B       = 0.75
	titleWeight = 4.0
	bodyWeight  = 1.0
)

// candidate is a matching document found by the database: its id, and,
// once counted, its length in tokens and each query term's occurrences in
// its title and body.
type candidate struct {
	id              int64
	length          float64
	titleTF, bodyTF []float64
	score           float64
}

// corpusStats are what idf needs: how many documents the index holds and,
// per query term, in how many it occurs (estimated for common terms).
type corpusStats struct {
	docs float64
	df   []float64
}

// matcher counts a query's terms in text, tokenised as the index does.
type matcher struct {
	stems [][]byte // distinct stemmed words of the query
	terms [][]int  // per term, its words as indexes into stems
	first [256]bool
	buf   []byte
	fold  []byte
	hits  []hit
	// seen remembers, for each token that reached the stemmer, the index
	// of its stem in stems or -1: text repeats its words, and stemming
	// was a third of the counting.
	seen map[string]int
}

// hit is a token at position pos whose stem is stems[stem].
type hit struct{ pos, stem int }

func newMatcher(terms []Term) *matcher {
	m := &matcher{buf: make([]byte, 0, 128), fold: make([]byte, 0, 128), seen: map[string]int{}}
	for _, t := range terms {
		var idx []int
		for _, w := range t.Words {
			// A typed word may be several index tokens (the index's
			// tokenizer splits where Parse did not), which then form a
			// phrase, as FTS5 reads them.
			tokenize(w, func(tok []byte) {
				s := stem(tok, m.buf)
				i := m.stemIndex(s)
				if i < 0 {
					i = len(m.stems)
					m.stems = append(m.stems, append([]byte(nil), s...))
					m.first[s[0]] = true
				}
				idx = append(idx, i)
			}, &m.fold)
		}
		m.terms = append(m.terms, idx)
	}
	return m
}

func (m *matcher) stemIndex(s []byte) int {
	for i, x := range m.stems {
		if string(x) == string(s) {
			return i
		}
	}
	return -1
}

// count adds the occurrences of each term in text to tf and returns the
// number of tokens in text.
func (m *matcher) count(text string, tf []float64) int {
	m.hits = m.hits[:0]
	pos := 0
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c >= utf8.RuneSelf {
			// Text with other than ASCII takes the general path from here.
			pos = m.countFolded(text[i:], pos)
			break
		}
		if !tokenChar[c] {
			i++
			continue
		}
		start := i
		for i < n && text[i] < utf8.RuneSelf && tokenChar[text[i]] {
			i++
		}
		if i < n && text[i] >= utf8.RuneSelf {
			// A token running into other than ASCII: take it from its start.
			pos = m.countFolded(text[start:], pos)
			break
		}
		if m.first[lower(text[start])] {
			m.fold = appendLower(m.fold[:0], text[start:i])
			m.match(m.fold, pos)
		}
		pos++
	}
	m.occurrences(func(t, _ int) { tf[t]++ })
	return pos
}

// occurrences calls f for each occurrence among m.hits of each term: t is
// the term, pos the position of its first word. A phrase occurs only where
// its words stand at consecutive positions.
func (m *matcher) occurrences(f func(t, pos int)) {
	for t, words := range m.terms {
		if len(words) == 0 {
			continue
		}
	hits:
		for j, h := range m.hits {
			if h.stem != words[0] {
				continue
			}
			for w := 1; w < len(words); w++ {
				if j+w >= len(m.hits) || m.hits[j+w].pos != h.pos+w || m.hits[j+w].stem != words[w] {
					continue hits
				}
			}
			f(t, h.pos)
		}
	}
}

// countFolded records the hits of text, tokenised with full Unicode
// folding, numbering its tokens from pos; it returns the next position.
func (m *matcher) countFolded(text string, pos int) int {
	var scratch []byte
	tokenize(text, func(tok []byte) {
		if m.first[tok[0]] {
			m.match(tok, pos)
		}
		pos++
	}, &scratch)
	return pos
}

// match records a hit when the folded token tok stems to a query word.
// Porter changes at most the last two letters it keeps, so a token whose
// start differs from every query stem's is passed over without stemming.
func (m *matcher) match(tok []byte, pos int) {
	for _, s := range m.stems {
		k := max(1, len(s)-2)
		if len(tok) < k || string(tok[:k]) != string(s[:k]) {
			continue
		}
		i, ok := m.seen[string(tok)]
		if !ok {
			i = m.stemIndex(stem(tok, m.buf))
			if len(m.seen) < maxSeen {
				m.seen[string(tok)] = i
			}
		}
		if i >= 0 {
			m.hits = append(m.hits, hit{pos, i})
		}
		return
	}
}

// maxSeen bounds a matcher's memory of stemmed tokens.
const maxSeen = 4096

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, lower(s[i]))
	}
	return dst
}

// countText fills c's term counts and length from its title and body.
func (m *matcher) countText(c *candidate, title, body string) {
	nt := len(m.terms)
	c.titleTF, c.bodyTF = make([]float64, nt), make([]float64, nt)
	c.length = float64(m.count(title, c.titleTF) + m.count(body, c.bodyTF))
}

// rank scores every counted candidate and sorts them best first (ties:
// older first, as the index's rowid order).
func rank(cands []candidate, st corpusStats) {
	nt := len(st.df)
	idf := make([]float64, nt)
	for t := range idf {
		df := min(max(st.df[t], 1), st.docs)
		idf[t] = math.Log(1 + (st.docs-df+0.5)/(df+0.5))
	}
	total := 0.0
	for i := range cands {
		total += cands[i].length
	}
	avg := 1.0
	if len(cands) > 0 && total > 0 {
		avg = total / float64(len(cands))
	}
	for i := range cands {
		c := &cands[i]
		norm := bm25K1 * (1 - bm25B + bm25B*c.length/avg)
		score := 0.0
		for t := 0; t < nt; t++ {
			tf := 0.0
			if t < len(c.titleTF) && t < len(c.bodyTF) {
				tf = titleWeight*c.titleTF[t] + bodyWeight*c.bodyTF[t]
			}
			if tf == 0 {
				// The database matched the document, so the term is in it;
				// the tokenisers differ here (PostgreSQL's stemmer, an odd
				// script): count it once in the body.
				tf = bodyWeight
			}
			score += idf[t] * tf * (bm25K1 + 1) / (tf + norm)
		}
		c.score = score
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].id < cands[j].id
	})
}

// tokenChar is true for the ASCII bytes that are part of tokens (letters
// and digits), as in FTS5's unicode61 tokenizer.
var tokenChar = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-32] = true
	}
	return t
}()

// tokenize calls fn with every token of s folded as FTS5's unicode61
// tokenizer with remove_diacritics folds it: lower case, Latin diacritics
// removed. The token slice is only valid during the call.
func tokenize(s string, fn func(tok []byte), scratch *[]byte) {
	tokenSpans(s, func(_, _ int, tok []byte) { fn(tok) }, scratch)
}

// tokenSpans is tokenize that also gives each token's byte range in s.
func tokenSpans(s string, fn func(start, end int, tok []byte), scratch *[]byte) {
	buf := (*scratch)[:0]
	in := false
	start, end := 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		if !in {
			start = i
		}
		if c < utf8.RuneSelf {
			i++
			if tokenChar[c] {
				if c >= 'A' && c <= 'Z' {
					c += 32
				}
				buf = append(buf, c)
				in, end = true, i
				continue
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r):
				r = foldRune(r)
				buf = utf8.AppendRune(buf, r)
				in, end = true, i
				continue
			case in && unicode.Is(unicode.Mn, r):
				// A combining mark inside a token: removed with diacritics.
				end = i
				continue
			}
		}
		if in {
			fn(start, end, buf)
		}
		buf, in = buf[:0], false
	}
	if in {
		fn(start, end, buf)
	}
	*scratch = buf
}

// foldRune lowers r and removes the diacritics of Latin letters.
func foldRune(r rune) rune {
	r = unicode.ToLower(r)
	if r >= 0xE0 && r <= 0x17F {
		if b, ok := latinBase[r]; ok {
			return b
		}
	}
	return r
}

// latinBase maps the accented lower-case letters of Latin-1 and Latin
// Extended-A to their base letters.
var latinBase = func() map[rune]rune {
	m := map[rune]rune{}
	for base, letters := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'd': "ď", 'e': "èéêëēĕėęě", 'g': "ĝğġģ", 'h': "ĥ",
		'i': "ìíîïĩīĭįı", 'j': "ĵ", 'k': "ķ", 'l': "ĺļľ", 'n': "ñńņňŉ", 'o': "òóôõöōŏő",
		'r': "ŕŗř", 's': "śŝşš", 't': "ţťŧ", 'u': "ùúûüũūŭůűų", 'w': "ŵ", 'y': "ýÿŷ", 'z': "źżž",
	} {
		for _, l := range letters {
			m[l] = base
		}
	}
	return m
}()
