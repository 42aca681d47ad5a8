package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a query may hold; longer input is cut, never refused.
const (
	MaxTerms     = 16
	MaxTermRunes = 64
	MaxQueryLen  = 512
)

// Term is one part of a parsed query: a single word, or a phrase of words
// that must appear together in order. Words hold only letters and digits.
type Term struct {
	Words []string
}

// Phrase reports whether the term has more than one word.
func (t Term) Phrase() bool { return len(t.Words) > 1 }

// Parse turns what a person typed into terms that all must match. It is
// the one place outside input meets search syntax: only runs of letters and
// digits survive, so no operator, column filter or quote of FTS5 or
// PostgreSQL tsquery syntax can reach the database. Text in double quotes is
// a phrase; so is a word joined by punctuation ("supply-chain", "27001:2022").
func Parse(input string) []Term {
	if len(input) > MaxQueryLen {
		input = input[:MaxQueryLen]
	}
	input = strings.ToValidUTF8(input, " ")
	var terms []Term
	add := func(chunk string) {
		if len(terms) >= MaxTerms {
			return
		}
		words := splitWords(chunk)
		if len(words) == 0 {
			return
		}
		if len(words) > MaxTerms {
			words = words[:MaxTerms]
		}
		terms = append(terms, Term{Words: words})
	}
	rest := input
	for rest != "" {
		open := strings.IndexByte(rest, '"')
		if open < 0 {
			for _, f := range strings.Fields(rest) {
				add(f)
			}
			break
		}
		for _, f := range strings.Fields(rest[:open]) {
			add(f)
		}
		rest = rest[open+1:]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			end = len(rest)
		}
		add(rest[:end])
		if end < len(rest) {
			rest = rest[end+1:]
		} else {
			rest = ""
		}
	}
	return terms
}

// splitWords returns the runs of letters and digits in s, lower-cased and
// each cut to MaxTermRunes.
func splitWords(s string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(s[start:end])
		if utf8.RuneCountInString(w) > MaxTermRunes {
			w = string([]rune(w)[:MaxTermRunes])
		}
		words = append(words, w)
		start = -1
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return words
}

// FTS5 renders terms as an FTS5 MATCH expression: every term double-quoted
// (an FTS5 string, so it is never read as an operator), joined by spaces,
// which FTS5 reads as AND. Empty when there are no terms.
func FTS5(terms []Term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		// Words hold only letters and digits, so they contain no quote;
		// doubling is kept as a second line of defence.
		b.WriteString(strings.ReplaceAll(strings.Join(t.Words, " "), `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// Websearch renders terms for PostgreSQL's websearch_to_tsquery, which
// never fails on syntax: every term in double quotes.
func Websearch(terms []Term) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		// Quoted even when one word: a bare "or" would be read as OR.
		b.WriteByte('"')
		b.WriteString(strings.Join(t.Words, " "))
		b.WriteByte('"')
	}
	return b.String()
}

// String renders terms back as a normalised query a person can read.
func String(terms []Term) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = strings.Join(t.Words, " ")
		if t.Phrase() {
			parts[i] = `"` + parts[i] + `"`
		}
	}
	return strings.Join(parts, " ")
}
