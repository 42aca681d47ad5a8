package search

import (
	"fmt"
	"testing"
)

// TestUseBands checks when a walk gives its ranges as id bands: only when
// every term of the query is common (its documents at least three bands'
// worth) and the statistics expect the query's matches to be neither
// dense nor unknown.
func TestUseBands(t *testing.T) {
	const docs = 3_400_000
	for _, tt := range []struct {
		name           string
		expect, rarest float64
		want           bool
	}{
		{"common words seldom together (supply chain)", 0.023 * docs, 0.0227, true},
		{"dense matches (critical infrastructure)", 0.18 * docs, 0.1968, false},
		{"a rare word", 0.0001 * docs, 0.001, false},
		{"a word the statistics do not list", 0.01 * docs, 0, false},
		{"nothing known (SQLite, one word)", 0, 0, false},
	} {
		if got := useBands(tt.expect, tt.rarest, docs); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBandCond checks the bands a range is given as: whole bands from a
// range that starts one, none past maxBands.
func TestBandCond(t *testing.T) {
	if got := alignBand(3_352_120); got != 409<<bandShift-1 {
		t.Errorf("alignBand: %d, want the end of band 408 (%d)", got, 409<<bandShift-1)
	}
	if got := alignBand(409<<bandShift - 1); got != 409<<bandShift-1 {
		t.Errorf("alignBand moved a bound already at a band's end: %d", got)
	}
	cond, ok := bandCond(409<<bandShift-1, 3_376_696)
	if want := " AND search_band(d.id) && '{409,410,411,412}'"; !ok || cond != want {
		t.Errorf("bandCond: %q %v, want %q", cond, ok, want)
	}
	if _, ok := bandCond(-1, maxBands<<bandShift-1); !ok {
		t.Error("maxBands bands refused")
	}
	if _, ok := bandCond(-1, maxBands<<bandShift); ok {
		t.Error("more than maxBands bands given as bands")
	}
	if got := fmt.Sprint(rarestShare([]termFreq{{docs: 0.2}, {docs: 0.05}}, [][]string{{"xyear2022"}}, 0.1)); got != "0.05" {
		t.Errorf("rarestShare: %s", got)
	}
	if got := rarestShare(nil, nil, 1); got != 0 {
		t.Errorf("rarestShare without statistics: %v", got)
	}
}
