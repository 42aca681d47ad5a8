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
