package search

import (
	"fmt"
	"testing"
)

// TestUsePairs checks when a query goes through its phrases' word pairs:
// only when the statistics say the rarest pair is in fewer documents than
// the planner expects to hold all the query's words.
func TestUsePairs(t *testing.T) {
	phrase := Term{Words: []string{"supply", "chain"}}
	word := Term{Words: []string{"ransomware"}}
	stop := Term{Words: []string{"of", "the"}}
	const docs = 100_000
	for _, tt := range []struct {
		name  string
		terms []Term
		freqs []termFreq
		want  string
	}{
		{"common words seldom side by side", []Term{phrase}, []termFreq{{docs: 0.3, all: 0.09, pairs: 1, pairDocs: 0.007}}, "[true]"},
		{"a pair rarer than the statistics list", []Term{phrase}, []termFreq{{docs: 0.3, all: 0.09, pairs: 1}}, "[true]"},
		{"words mostly side by side (human rights)", []Term{phrase}, []termFreq{{docs: 0.023, all: 0.0006, pairs: 1, pairDocs: 0.022}}, "[]"},
		{"a rare word besides the phrase", []Term{word, phrase}, []termFreq{{docs: 0.0001, all: 0.0001, pairs: 0}, {docs: 0.3, all: 0.09, pairs: 1, pairDocs: 0.007}}, "[]"},
		{"a word not in the statistics", []Term{word, phrase}, []termFreq{{}, {docs: 0.3, all: 0.09, pairs: 1, pairDocs: 0.007}}, "[]"},
		{"common word and phrase", []Term{word, phrase}, []termFreq{{docs: 0.5, all: 0.5}, {docs: 0.3, all: 0.09, pairs: 1, pairDocs: 0.007}}, "[false true]"},
		{"no pairs left after stop words", []Term{stop}, []termFreq{{docs: 0.5, all: 0.25}}, "[]"},
		{"no phrase", []Term{word}, []termFreq{{docs: 0.5, all: 0.5}}, "[]"},
		{"no statistics (SQLite)", []Term{phrase}, nil, "[]"},
	} {
		if got := fmt.Sprint(usePairs(tt.terms, tt.freqs, docs)); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestFirstWidth checks how far the statistics send a walk's first
// statement: far enough for the window (and a quarter more) when the query
// is expected to match few documents, no further than every id, the
// default where the statistics do not say, and no further than the default
// when two neighbouring words are a common pair, however rare the planner
// would judge them together.
func TestFirstWidth(t *testing.T) {
	words := []Term{{Words: []string{"ransomware"}}, {Words: []string{"election"}}}
	phrase := []Term{{Words: []string{"supply", "chain"}}}
	ids := idSpan{lo: 1, hi: 1_000_000}
	for _, tt := range []struct {
		name     string
		terms    []Term
		freqs    []termFreq
		adjacent []termFreq
		facet    float64
		want     int64
	}{
		{"two words and a year", words, []termFreq{{all: 0.14}, {all: 0.13}}, []termFreq{{}}, 0.1, 344_093},
		{"two words that go together", words, []termFreq{{all: 0.022}, {all: 0.022}}, []termFreq{{pairs: 1, pairDocs: 0.021}}, 1, 29_821},
		{"common words: the newest ids hold the window", words, []termFreq{{all: 0.5}, {all: 0.5}}, []termFreq{{}}, 1, 2_505},
		{"rare: every id", words, []termFreq{{all: 0.01}, {all: 0.01}}, []termFreq{{}}, 0.1, 1_000_000},
		{"a phrase counts by its rarest pair", phrase, []termFreq{{all: 0.09, pairs: 1, pairDocs: 0.02}}, nil, 1, 31_312},
		{"a phrase rarer than the listed pairs", phrase, []termFreq{{all: 0.09, pairs: 1}}, nil, 1, 0},
		{"a word the statistics do not list", words, []termFreq{{all: 0.14}, {}}, []termFreq{{}}, 1, 0},
		{"a facet they do not list", words, []termFreq{{all: 0.14}, {all: 0.13}}, []termFreq{{}}, 0, 0},
		{"no statistics", words, nil, nil, 1, 0},
	} {
		if got := firstWidth(expectedMatches(tt.terms, tt.freqs, tt.adjacent, tt.facet, 1_000_000), walkLimit, ids); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := fmt.Sprint(neighbours([]Term{{Words: []string{"a"}}, {Words: []string{"b"}}, {Words: []string{"c", "d"}}, {Words: []string{"e"}}})); got != "[{[a b]} {[]} {[]}]" {
		t.Errorf("neighbours: %s", got)
	}
}
