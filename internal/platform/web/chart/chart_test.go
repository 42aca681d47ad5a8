package chart

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// wellFormed parses svg as XML, so a chart is never broken markup.
func wellFormed(t *testing.T, svg string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
}

func TestChartsAreAccessibleImages(t *testing.T) {
	charts := map[string]string{
		"bars":    string(Bars{Title: "Measures <by> type", Desc: "desc & more", Categories: []string{"2024", "2025"}, Series: []Series{{"Law", []float64{3, 0}}, {"Policy", []float64{1, 7}}}}.SVG()),
		"stacked": string(Bars{Title: "Stacked", Desc: "d", Stacked: true, Categories: []string{"a"}, Series: []Series{{"x", []float64{2}}, {"y", []float64{5}}}}.SVG()),
		"lines":   string(Lines{Title: "Trend", Desc: "d", X: []string{"2024", "2025", "2026"}, Series: []Series{{"planned", []float64{1, 2, 3}}, {"done", []float64{0, 1, 4}}}}.SVG()),
		"map": string(Map{Title: "Map", Desc: "d", Base: NewBase(100, 50, "M0 0h100v50h-100z", "", map[string]string{"FRA": "M1 1h5v5z"}, map[string][2]float64{"MCO": {3, 3}}),
			Areas: map[string]Area{"FRA": {"chart-b2", "France: 4"}}, Default: Area{Class: "chart-noreport"}, Legend: []LegendItem{{"chart-noreport", "No public report"}}}.SVG()),
	}
	for name, svg := range charts {
		t.Run(name+" is well-formed with role, title and description", func(t *testing.T) {
			wellFormed(t, svg)
			for _, want := range []string{`role="img"`, "<title id=", "<desc id=", "aria-labelledby="} {
				if !strings.Contains(svg, want) {
					t.Errorf("missing %s", want)
				}
			}
			if strings.Contains(svg, "style=") {
				t.Error("has a style attribute, which the CSP forbids")
			}
		})
	}
	t.Run("bar values are printed as text", func(t *testing.T) {
		if !strings.Contains(charts["bars"], `class="chart-value" text-anchor="middle">7</text>`) {
			t.Error("value 7 is not printed")
		}
	})
	t.Run("titles are escaped", func(t *testing.T) {
		if strings.Contains(charts["bars"], "<by>") {
			t.Error("title not escaped")
		}
	})
	t.Run("map areas without data take the default class and small States are dots", func(t *testing.T) {
		if !strings.Contains(charts["map"], `<circle cx="3.0" cy="3.0" r="3.5" class="chart-dot chart-noreport"><title>MCO</title>`) {
			t.Errorf("dot missing: %s", charts["map"])
		}
	})
}

func TestBin(t *testing.T) {
	edges := []float64{1, 3, 6, 10, 1e9}
	for _, tt := range []struct {
		v    float64
		want string
	}{{0, "chart-b0"}, {1, "chart-b1"}, {2, "chart-b2"}, {6, "chart-b3"}, {11, "chart-b5"}} {
		if got := Bin(tt.v, edges); got != tt.want {
			t.Errorf("Bin(%v) = %s, want %s", tt.v, got, tt.want)
		}
	}
}
