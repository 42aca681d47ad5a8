package chart

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"strconv"
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

func TestNiceScale(t *testing.T) {
	for _, tt := range []struct {
		name      string
		max       float64
		ticks     int
		whole     bool
		wantMax   float64
		wantStep  float64
		wantTicks string
	}{
		{"a peak of 286 ends the axis at 300, not 500", 286, 5, true, 300, 100, "0 100 200 300"},
		{"a peak of 187 steps by 50", 187, 5, true, 200, 50, "0 50 100 150 200"},
		{"tens of thousands step by 10000, not 12500", 37000, 5, true, 40000, 10000, "0 10000 20000 30000 40000"},
		{"three ticks on a phone", 286, 3, true, 300, 100, "0 100 200 300"},
		{"small counts step by 1, never by halves", 3, 5, true, 3, 1, "0 1 2 3"},
		{"shares step by 0.2", 0.62, 5, false, 0.8, 0.2, "0.0 0.2 0.4 0.6 0.8"},
		{"no data still draws an axis", 0, 5, true, 1, 1, "0 1"},
		{"a peak on a tick ends there", 200, 5, true, 200, 50, "0 50 100 150 200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NiceScale(tt.max, tt.ticks, tt.whole)
			if s.Max != tt.wantMax || s.Step != tt.wantStep {
				t.Fatalf("NiceScale(%v) = %+v, want max %v step %v", tt.max, s, tt.wantMax, tt.wantStep)
			}
			var got []string
			for _, v := range s.Ticks() {
				got = append(got, s.Label(v))
			}
			if strings.Join(got, " ") != tt.wantTicks {
				t.Errorf("ticks %q, want %q", strings.Join(got, " "), tt.wantTicks)
			}
		})
	}
	t.Run("every step is 1, 2 or 5 times a power of ten and the axis ends within a step of the data", func(t *testing.T) {
		for max := 0.5; max < 1e6; max *= 1.37 {
			for _, n := range []int{3, 5} {
				s := NiceScale(max, n, false)
				m := s.Step / math.Pow(10, math.Floor(math.Log10(s.Step)+1e-9))
				if math.Abs(m-1) > 1e-6 && math.Abs(m-2) > 1e-6 && math.Abs(m-5) > 1e-6 {
					t.Fatalf("max %v: step %v", max, s.Step)
				}
				if s.Max < max || s.Max-s.Step >= max || len(s.Ticks()) > n+1 {
					t.Fatalf("max %v, %d ticks: %+v", max, n, s)
				}
			}
		}
	})
}

func TestCountBreaksSpreadSkewedData(t *testing.T) {
	// Like the demo: most reporting States have a handful of measures under
	// a norm, a few have many more.
	var vals []float64
	for i := 0; i < 150; i++ {
		vals = append(vals, math.Round(1+math.Exp(float64(i%50)/50*4))) // 3 … 56, skewed
	}
	vals = append(vals, 120, 286, 0, 0)
	edges := CountBreaks(vals, 5)
	if len(edges) != 5 || edges[4] != 286 {
		t.Fatalf("edges %v", edges)
	}
	count := map[string]int{}
	for _, v := range vals {
		count[Bin(v, edges)]++
	}
	for i := 1; i <= 5; i++ {
		c := count[fmt.Sprintf("chart-b%d", i)]
		if c < 20 || c > 45 {
			t.Errorf("class %d holds %d of 152 States; quantile classes hold about a fifth each (%v)", i, c, count)
		}
	}
	if count["chart-b0"] != 2 {
		t.Errorf("zero is its own class: %v", count)
	}
	labels := BreakLabels(edges, "en")
	if labels[0] != "1–"+num("en", edges[0]) || labels[4] != num("en", edges[3]+1)+"–286" {
		t.Errorf("labels %v for %v", labels, edges)
	}
	if got := BreakLabels([]float64{999, 25588}, "ru"); got[1] != "1\u00a0000–25\u00a0588" {
		t.Errorf("ranges in Russian: %q", got)
	}
	t.Run("ties give fewer classes, never empty or repeated ones", func(t *testing.T) {
		e := CountBreaks([]float64{1, 1, 1, 1, 1, 1, 2, 9}, 5)
		if fmt.Sprint(e) != "[1 2 9]" || fmt.Sprint(BreakLabels(e, "en")) != "[1 2 3–9]" {
			t.Errorf("%v %v", e, BreakLabels(e, "en"))
		}
		if CountBreaks([]float64{0, 0}, 5) != nil {
			t.Error("no positive value, yet classes")
		}
	})
}

// texts returns the x attribute and anchor of each <text> of class cls.
func texts(svg, cls string) (xs []float64, anchors []string) {
	re := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9.]+" class="` + cls + `" text-anchor="(\w+)">`)
	for _, m := range re.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		xs = append(xs, x)
		anchors = append(anchors, m[2])
	}
	return
}

func TestChartsFollowThePageDirection(t *testing.T) {
	bars := Bars{Title: "t", Desc: "d", Categories: []string{"2024", "2025"}, Series: []Series{{"a", []float64{3, 286}}}}
	for _, rtl := range []bool{false, true} {
		bars.RTL = rtl
		svg := string(bars.SVG())
		wide := svg[:strings.Index(svg, "</svg>")]
		dir := map[bool]string{false: "ltr", true: "rtl"}[rtl]
		t.Run(dir+": both drawings state the direction", func(t *testing.T) {
			if strings.Count(svg, `direction="`+dir+`"`) != 2 {
				t.Errorf("direction %s not on both drawings", dir)
			}
		})
		t.Run(dir+": the value axis is on the side reading starts", func(t *testing.T) {
			xs, anchors := texts(wide, "chart-tick")
			// The first ticks are the value axis (0 … 300), the last two the years.
			ticks := xs[:len(xs)-2]
			for i, x := range ticks {
				if rtl && x < 680 || !rtl && x > 40 {
					t.Errorf("tick at x=%v", x)
				}
				if anchors[i] != "end" {
					t.Errorf("tick anchored %s; end is next to the axis in either direction", anchors[i])
				}
			}
			years := xs[len(xs)-2:]
			if rtl != (years[0] > years[1]) {
				t.Errorf("categories at %v: they run in the reading direction", years)
			}
		})
	}
	t.Run("labels are isolated so mixed scripts keep their order", func(t *testing.T) {
		svg := string(Bars{Title: "t", Categories: []string{"(a) Cooperate"}, Series: []Series{{"x", []float64{1}}}, RTL: true}.SVG())
		if !strings.Contains(svg, "\u2068(a) Cooperate\u2069") {
			t.Error("category not isolated")
		}
		if !strings.Contains(svg, `<bdi>x</bdi>`) {
			t.Error("legend label not isolated")
		}
	})
	t.Run("a value label is left out where it would be wider than its bar", func(t *testing.T) {
		var cats []string
		var vals []float64
		for i := 0; i < 40; i++ {
			cats = append(cats, strconv.Itoa(2000+i))
			vals = append(vals, 12345)
		}
		svg := string(Bars{Title: "t", Categories: cats, Series: []Series{{"a", vals}, {"b", vals}}}.SVG())
		wide := svg[:strings.Index(svg, "</svg>")]
		if strings.Contains(wide, `class="chart-value"`) {
			t.Error("value labels drawn over each other")
		}
		if xs, _ := texts(wide, "chart-tick"); len(xs) > 6+20 {
			t.Errorf("%d tick labels: years are thinned out when they do not fit", len(xs))
		}
	})
}

func TestLongCategoryNamesStayInTheDrawing(t *testing.T) {
	x := []string{"Quarterly communication check December 2025", "Quarterly communication check March 2026", "Quarterly communication check June 2026", "Quarterly communication check September 2026"}
	svg := string(Lines{Title: "t", X: x, Series: []Series{{"in time", []float64{50, 60, 70, 80}}}}.SVG())
	for _, d := range []struct{ name, svg string }{{"wide", svg[:strings.Index(svg, "</svg>")]}, {"narrow", svg[strings.Index(svg, `class="chart-svg chart-narrow"`):]}} {
		width, size := 720.0, wideFont
		if d.name == "narrow" {
			width, size = narrowW, narrowFont
		}
		re := regexp.MustCompile(`<text x="([0-9.]+)" y="[0-9.]+" class="chart-tick" text-anchor="middle">([^<]*)</text>`)
		for _, m := range re.FindAllStringSubmatch(d.svg, -1) {
			cx, _ := strconv.ParseFloat(m[1], 64)
			w := textWidth(m[2], size)
			if cx-w/2 < 0 || cx+w/2 > width {
				t.Errorf("%s: %q at %v (width %.0f) leaves the drawing", d.name, m[2], cx, w)
			}
		}
	}
}

// TestChartNumbersInThePageLanguage: values, totals, ticks and tooltips
// are written by web.FormatNumber in the chart's language, never "3510"
// or "171.0".
func TestChartNumbersInThePageLanguage(t *testing.T) {
	bars := Bars{Title: "Measures", Categories: []string{"2025", "2026"}, Series: []Series{{Name: "A", Values: []float64{3510, 171}}}, Lang: "ru"}
	svg := string(bars.SVG())
	for _, want := range []string{">3\u00a0510<", "A: 3\u00a0510</title>", ">4\u00a0000<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("Russian bars lack %q", want)
		}
	}
	lines := Lines{Title: "Measures", X: []string{"2025", "2026"}, Series: []Series{{Name: "A", Values: []float64{25588, 171}}}, Lang: "en"}
	svg += string(lines.SVG())
	if !strings.Contains(svg, "A: 25,588</title>") {
		t.Error("English lines lack 25,588")
	}
	bad := regexp.MustCompile(`\d{5,}|\d\.0\b`)
	for _, m := range regexp.MustCompile(`>([^<]+)<`).FindAllStringSubmatch(svg, -1) {
		if bad.MatchString(m[1]) {
			t.Errorf("a number is not formatted: %q", m[1])
		}
	}
}

// TestChartIDsDifferWithTheirFigures: two charts of one page with one
// title (a chart per question, per year) do not share the ids that name
// them.
func TestChartIDsDifferWithTheirFigures(t *testing.T) {
	id := regexp.MustCompile(`<title id="([^"]+)"`)
	a := Bars{Title: "Answers", Categories: []string{"x"}, Series: []Series{{Name: "A", Values: []float64{1}}}}
	b := a
	b.Series = []Series{{Name: "A", Values: []float64{2}}}
	ma := Map{Title: "Answers", Base: NewBase(10, 10, "", "", nil, nil), Areas: map[string]Area{"FRA": {Class: "chart-b1"}}}
	mb := ma
	mb.Areas = map[string]Area{"FRA": {Class: "chart-b2"}}
	seen := map[string]bool{}
	for _, svg := range []template.HTML{a.SVG(), b.SVG(), ma.SVG(), mb.SVG()} {
		for _, m := range id.FindAllStringSubmatch(string(svg), -1) {
			if seen[m[1]] {
				t.Errorf("two charts share the id %q", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d ids, want 6 (two drawings of each bar chart, one of each map)", len(seen))
	}
}
