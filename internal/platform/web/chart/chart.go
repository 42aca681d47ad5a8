// Package chart draws charts as SVG on the server: bar charts, line
// charts and choropleth maps. Every chart is an image with a role, a title
// and a description, carries its numbers as text (value labels, legends),
// and is meant to sit beside a table of the same figures and a CSV
// download. Colours come from CSS classes (chart-s0 … chart-s7, chart-b0 …
// chart-b5, chart-none, chart-noreport) in the shared stylesheet, never from
// style attributes, which the Content Security Policy forbids.
//
// The package knows nothing of the application: callers pass labels already
// translated.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Series is one named row of values, one value per category.
type Series struct {
	Name   string
	Values []float64
}

// Bars is a vertical bar chart: one group of bars per category, one bar per
// series (or one stacked bar when Stacked).
type Bars struct {
	Title      string
	Desc       string
	Categories []string
	Series     []Series
	Stacked    bool
	// Width and Height of the viewBox; defaults 720 × 360.
	Width, Height float64
}

// Lines is a line chart over categories on the X axis (cycles, years).
type Lines struct {
	Title         string
	Desc          string
	X             []string
	Series        []Series
	Width, Height float64
}

const (
	padLeft   = 48.0
	padRight  = 16.0
	padTop    = 16.0
	padBottom = 64.0
	legendRow = 22.0
)

func esc(s string) string { return html.EscapeString(s) }

func num(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// niceMax rounds m up to a round axis maximum.
func niceMax(m float64) float64 {
	if m <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(m)))
	for _, s := range []float64{1, 2, 2.5, 5, 10} {
		if s*p >= m {
			return s * p
		}
	}
	return 10 * p
}

func open(b *strings.Builder, w, h float64, title, desc, id string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t %s-d" class="chart-svg">`, f(w), f(h), id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

// chartID makes a stable id for the title and description from the title.
func chartID(title string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(title); i++ {
		h ^= uint32(title[i])
		h *= 16777619
	}
	return "c" + strconv.FormatUint(uint64(h), 36)
}

func legend(b *strings.Builder, names []string, y, width float64) {
	x := padLeft
	for i, n := range names {
		wd := 24 + 7.5*float64(len([]rune(n)))
		if x+wd > width-padRight && x > padLeft {
			x = padLeft
			y += legendRow
		}
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="14" height="14" class="chart-s%d"/><text x="%s" y="%s" class="chart-label">%s</text>`,
			f(x), f(y-11), i%8, f(x+18), f(y), esc(n))
		x += wd + 12
	}
}

func legendHeight(names []string, width float64) float64 {
	rows, x := 1, padLeft
	for _, n := range names {
		wd := 24 + 7.5*float64(len([]rune(n)))
		if x+wd > width-padRight && x > padLeft {
			rows++
			x = padLeft
		}
		x += wd + 12
	}
	return float64(rows) * legendRow
}

func axis(b *strings.Builder, x0, y0, x1, y1, max float64) {
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		y := y1 - (y1-y0)*float64(i)/4
		fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="chart-grid"/><text x="%s" y="%s" class="chart-tick" text-anchor="end">%s</text>`,
			f(x0), f(y), f(x1), f(y), f(x0-6), f(y+4), num(v))
	}
}

// SVG draws the bar chart.
func (c Bars) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 360
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	lh := legendHeight(names, w)
	var b strings.Builder
	b.Grow(4096)
	id := chartID(c.Title)
	open(&b, w, h+lh, c.Title, c.Desc, id)
	x0, y0, x1, y1 := padLeft, padTop, w-padRight, h-padBottom
	max := 0.0
	for ci := range c.Categories {
		sum := 0.0
		for _, s := range c.Series {
			if ci < len(s.Values) {
				if c.Stacked {
					sum += s.Values[ci]
				} else {
					max = math.Max(max, s.Values[ci])
				}
			}
		}
		max = math.Max(max, sum)
	}
	max = niceMax(max)
	axis(&b, x0, y0, x1, y1, max)
	n := len(c.Categories)
	if n == 0 {
		n = 1
	}
	group := (x1 - x0) / float64(n)
	per := len(c.Series)
	if c.Stacked || per == 0 {
		per = 1
	}
	barW := group * 0.8 / float64(per)
	for ci, cat := range c.Categories {
		gx := x0 + group*float64(ci) + group*0.1
		base := y1
		for si, s := range c.Series {
			if ci >= len(s.Values) {
				continue
			}
			v := s.Values[ci]
			bh := (y1 - y0) * v / max
			bx := gx + barW*float64(si)
			by := y1 - bh
			if c.Stacked {
				bx = gx
				by = base - bh
				base = by
			}
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" class="chart-s%d"><title>%s, %s: %s</title></rect>`,
				f(bx), f(by), f(math.Max(barW-1, 1)), f(bh), si%8, esc(cat), esc(s.Name), num(v))
			if !c.Stacked && v > 0 && barW >= 14 {
				fmt.Fprintf(&b, `<text x="%s" y="%s" class="chart-value" text-anchor="middle">%s</text>`, f(bx+barW/2), f(by-3), num(v))
			}
		}
		if c.Stacked && base < y1 && barW >= 14 {
			fmt.Fprintf(&b, `<text x="%s" y="%s" class="chart-value" text-anchor="middle">%s</text>`, f(gx+barW/2), f(base-3), num((y1-base)*max/(y1-y0)))
		}
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="chart-tick" text-anchor="middle">%s</text>`, f(gx+group*0.4), f(y1+16), esc(clip(cat, int(group/7)+1)))
	}
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="chart-axis"/>`, f(x0), f(y1), f(x1), f(y1))
	legend(&b, names, h-padBottom+46, w)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// markers are drawn at each point of series i so lines differ by shape as
// well as colour.
func marker(b *strings.Builder, i int, x, y float64, title string) {
	switch i % 4 {
	case 0:
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="4" class="chart-s%d">`, f(x), f(y), i%8)
		fmt.Fprintf(b, `<title>%s</title></circle>`, esc(title))
	case 1:
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="8" height="8" class="chart-s%d"><title>%s</title></rect>`, f(x-4), f(y-4), i%8, esc(title))
	case 2:
		fmt.Fprintf(b, `<path d="M%s %sl5 8h-10z" class="chart-s%d"><title>%s</title></path>`, f(x), f(y-5), i%8, esc(title))
	default:
		fmt.Fprintf(b, `<path d="M%s %sl5 5-5 5-5-5z" class="chart-s%d"><title>%s</title></path>`, f(x), f(y-5), i%8, esc(title))
	}
}

// SVG draws the line chart.
func (c Lines) SVG() template.HTML {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 360
	}
	names := make([]string, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
	}
	lh := legendHeight(names, w)
	var b strings.Builder
	b.Grow(4096)
	id := chartID(c.Title)
	open(&b, w, h+lh, c.Title, c.Desc, id)
	x0, y0, x1, y1 := padLeft, padTop, w-padRight, h-padBottom
	max := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			max = math.Max(max, v)
		}
	}
	max = niceMax(max)
	axis(&b, x0, y0, x1, y1, max)
	step := 0.0
	if len(c.X) > 1 {
		step = (x1 - x0 - 20) / float64(len(c.X)-1)
	}
	px := func(i int) float64 { return x0 + 10 + step*float64(i) }
	for i, x := range c.X {
		fmt.Fprintf(&b, `<text x="%s" y="%s" class="chart-tick" text-anchor="middle">%s</text>`, f(px(i)), f(y1+16), esc(x))
	}
	for si, s := range c.Series {
		var d strings.Builder
		for i, v := range s.Values {
			if i >= len(c.X) {
				break
			}
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			d.WriteString(cmd + f(px(i)) + " " + f(y1-(y1-y0)*v/max))
		}
		fmt.Fprintf(&b, `<path d="%s" class="chart-line chart-ls%d" fill="none"/>`, d.String(), si%8)
		for i, v := range s.Values {
			if i < len(c.X) {
				marker(&b, si, px(i), y1-(y1-y0)*v/max, c.X[i]+", "+s.Name+": "+num(v))
			}
		}
	}
	fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="chart-axis"/>`, f(x0), f(y1), f(x1), f(y1))
	legend(&b, names, h-padBottom+46, w)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func clip(s string, n int) string {
	r := []rune(s)
	if n < 2 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
