package search

import "strings"

// snippetTokens is how many tokens a snippet shows, as FTS5's snippet()
// was asked for before snippets moved into Go.
const snippetTokens = 24

// snippetEllipsis marks where a snippet cuts the text.
const snippetEllipsis = " … "

// snippet returns the stretch of text of at most size tokens that holds
// the most of the query's terms (then the most matches), with every
// matched token marked \x02 … \x03 and an ellipsis where text was cut —
// what FTS5's snippet() gave, computed from the text the page reads
// anyway, with the tokenising and stemming that ranking uses, instead of a
// second MATCH and FTS5 re-reading each document's position lists.
func (m *matcher) snippet(text string, size int) string {
	type span struct{ start, end int }
	var spans []span
	m.hits = m.hits[:0]
	var scratch []byte
	tokenSpans(text, func(start, end int, tok []byte) {
		if m.first[tok[0]] {
			m.match(tok, len(spans))
		}
		spans = append(spans, span{start, end})
	}, &scratch)
	if len(spans) == 0 {
		return ""
	}
	// Which tokens belong to a match of which term (a phrase only where its
	// words are adjacent, as count has it).
	term := make([]int, len(spans))
	for i := range term {
		term[i] = -1
	}
	var starts []int
	m.occurrences(func(t, pos int) {
		for w := range m.terms[t] {
			term[pos+w] = t
		}
		starts = append(starts, pos)
	})
	// The best window starts at a match: most distinct terms, then most
	// matched tokens; the earliest wins a tie.
	first, best := 0, -1
	seen := make([]bool, len(m.terms))
	for _, p := range starts {
		clear(seen)
		score := 0
		for i := p; i < min(p+size, len(spans)); i++ {
			if t := term[i]; t >= 0 {
				if !seen[t] {
					seen[t] = true
					score += 1000
				}
				score++
			}
		}
		if score > best || score == best && p < first {
			first, best = p, score
		}
	}
	if best >= 0 {
		// Centre the window's matches: as much context before the first as
		// after the last.
		last := first
		for i := first; i < min(first+size, len(spans)); i++ {
			if term[i] >= 0 {
				last = i
			}
		}
		first = max(0, first-(size-(last-first+1))/2)
	}
	end := min(first+size, len(spans))
	first = max(0, min(first, end-size))
	var b strings.Builder
	b.Grow(spans[end-1].end - spans[first].start + 16)
	from := 0
	if first > 0 {
		b.WriteString(strings.TrimLeft(snippetEllipsis, " "))
		from = spans[first].start
	}
	for i := first; i < end; i++ {
		b.WriteString(text[from:spans[i].start])
		if term[i] >= 0 {
			b.WriteString("\x02" + text[spans[i].start:spans[i].end] + "\x03")
		} else {
			b.WriteString(text[spans[i].start:spans[i].end])
		}
		from = spans[i].end
	}
	if end < len(spans) {
		b.WriteString(strings.TrimRight(snippetEllipsis, " "))
	} else {
		b.WriteString(text[from:])
	}
	return b.String()
}
