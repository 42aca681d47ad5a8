// Package chart draws charts as SVG on the server: bar charts, line
// charts and choropleth maps. Every chart is an image with a role, a title
// and a description, carries its numbers as text (value labels, a legend in
// words), and is meant to sit beside a table of the same figures and a CSV
// download. Colours come from CSS classes (chart-s0 … chart-s7, chart-b0 …
// chart-b5, chart-none, chart-noreport) in the shared stylesheet, never from
// style attributes, which the Content Security Policy forbids.
//
// A bar or line chart is drawn twice: a wide drawing for screens of 48rem
// and more, and a narrow one for phones (horizontal bars, fewer ticks), one
// of them hidden by the stylesheet, so text stays at least 13–14 CSS px
// instead of shrinking with a scaled-down drawing. Neither drawing is ever
// enlarged beyond its own size. Charts are laid out for the page's
// direction: with RTL the value axis is on the right, categories run from
// the right and text is anchored for right-to-left reading. The legend is
// an HTML list under the drawing, so it wraps, mirrors and keeps its text
// size like the rest of the page.
//
// The package knows nothing of the application: callers pass labels already
// translated.
package chart

import (
	"fmt"
	"hash/fnv"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Series is one named row of values, one value per category.
type Series struct {
	Name   string
	Values []float64
}

// Bars is a bar chart: one group of bars per category, one bar per series
// (or one stacked bar when Stacked). The wide drawing has vertical bars,
// the narrow one horizontal bars with each category's name above them.
type Bars struct {
	Title      string
	Desc       string
	Categories []string
	Series     []Series
	Stacked    bool
	// RTL lays the chart out for a right-to-left page.
	RTL bool
	// Lang is the page's language, in which numbers are written
	// (web.FormatNumber: "3,510", "3 510"); English when empty.
	Lang string
	// Width and Height of the wide drawing; defaults 720 × 340.
	Width, Height float64
}

// Lines is a line chart over categories on the X axis (cycles, years).
type Lines struct {
	Title         string
	Desc          string
	X             []string
	Series        []Series
	RTL           bool
	Lang          string
	Width, Height float64
}

const (
	wideFont   = 13.0
	narrowFont = 14.0
	narrowW    = 340.0
	fsi, pdi   = "\u2068", "\u2069"
)

func esc(s string) string { return html.EscapeString(s) }

// num writes a value in lang, by the one formatter of the site
// (web.FormatNumber): separators of the language, a whole number without
// decimals.
func num(lang string, v float64) string { return web.FormatNumber(lang, v) }

func f(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// textWidth estimates the width of s drawn at size px, on the generous
// side, so that layouts leave room rather than overlap.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r == 0x2068 || r == 0x2069 || r == 0x200f || r == 0x200e:
		case unicode.In(r, unicode.Han, unicode.Hangul, unicode.Hiragana, unicode.Katakana) || (r >= 0x3000 && r <= 0x30ff) || (r >= 0xff00 && r <= 0xffef):
			w += 1.0
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == 'i' || r == 'l' || r == 'j' || r == 'I' || r == '(' || r == ')' || r == '\'':
			w += 0.32
		case unicode.IsUpper(r) || r == 'm' || r == 'w' || r == '—' || r == '…':
			w += 0.78
		case unicode.IsDigit(r):
			w += 0.58
		default:
			w += 0.6
		}
	}
	return w * size
}

// clipTo shortens s with an ellipsis until it fits in width at size.
func clipTo(s string, width, size float64) string {
	if textWidth(s, size) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		t := strings.TrimRight(string(r), " ") + "…"
		if textWidth(t, size) <= width {
			return t
		}
	}
	return "…"
}

// canvas writes one SVG drawing in logical coordinates: x grows in the
// reading direction, and is mirrored on a right-to-left page. Text anchors
// are logical too ("start" is where reading starts), which SVG resolves
// with the drawing's direction attribute.
type canvas struct {
	b   strings.Builder
	w   float64
	rtl bool
}

func (c *canvas) x(x float64) float64 {
	if c.rtl {
		return c.w - x
	}
	return x
}

func (c *canvas) open(h, font float64, title, desc, id, class string) {
	dir := "ltr"
	if c.rtl {
		dir = "rtl"
	}
	fmt.Fprintf(&c.b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-labelledby="%s-t %s-d" class="chart-svg %s" direction="%s" font-size="%s">`,
		f(c.w), f(h), f(c.w), f(h), id, id, class, dir, strconv.FormatFloat(font, 'f', -1, 64))
	fmt.Fprintf(&c.b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
}

func (c *canvas) rect(x, y, w, h float64, class, title string) {
	if c.rtl {
		x = c.w - x - w
	}
	fmt.Fprintf(&c.b, `<rect x="%s" y="%s" width="%s" height="%s" class="%s"><title>%s</title></rect>`, f(x), f(y), f(w), f(h), class, esc(title))
}

func (c *canvas) line(x1, y1, x2, y2 float64, class string) {
	fmt.Fprintf(&c.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" class="%s"/>`, f(c.x(x1)), f(y1), f(c.x(x2)), f(y2), class)
}

// text writes a label; words are isolated (FSI … PDI) so a name in another
// script keeps its own order inside the page's direction.
func (c *canvas) text(x, y float64, anchor, class, s string, words bool) {
	if words {
		s = fsi + s + pdi
	}
	fmt.Fprintf(&c.b, `<text x="%s" y="%s" class="%s" text-anchor="%s">%s</text>`, f(c.x(x)), f(y), class, anchor, esc(s))
}

func (c *canvas) close() string {
	c.b.WriteString(`</svg>`)
	return c.b.String()
}

// chartID makes a stable id for a drawing's title and description from
// what it shows: its title, description and figures, so that two charts
// of one page differ even when they share a title (a chart per year, a map
// per question).
func chartID(parts ...any) string {
	h := fnv.New64a()
	fmt.Fprint(h, parts...)
	return "c" + strconv.FormatUint(h.Sum64(), 36)
}

// whole reports whether every value is a whole number (counts).
func whole(series []Series) bool {
	for _, s := range series {
		for _, v := range s.Values {
			if v != math.Trunc(v) {
				return false
			}
		}
	}
	return true
}

func (c Bars) value(si, ci int) float64 {
	if ci < len(c.Series[si].Values) {
		return c.Series[si].Values[ci]
	}
	return 0
}

func (c Bars) total(ci int) float64 {
	sum := 0.0
	for si := range c.Series {
		sum += c.value(si, ci)
	}
	return sum
}

func (c Bars) max() float64 {
	m := 0.0
	for ci := range c.Categories {
		if c.Stacked {
			m = math.Max(m, c.total(ci))
			continue
		}
		for si := range c.Series {
			m = math.Max(m, c.value(si, ci))
		}
	}
	return m
}

// SVG draws the bar chart: the wide and the narrow drawings and the legend.
func (c Bars) SVG() template.HTML {
	var b strings.Builder
	b.WriteString(c.wide())
	b.WriteString(c.narrow())
	items := make([]legendItem, len(c.Series))
	for i, s := range c.Series {
		items[i] = legendItem{class: fmt.Sprintf("chart-s%d", i%8), label: s.Name}
	}
	b.WriteString(legendHTML(items))
	return template.HTML(b.String())
}

// categoryLabels chooses what is written under each of n slots of width
// slot: every label when all fit; every k-th when they are short (years);
// otherwise each label shortened to its slot.
func categoryLabels(cats []string, slot, size float64) []string {
	out := make([]string, len(cats))
	widest, short := 0.0, true
	for _, s := range cats {
		widest = math.Max(widest, textWidth(s, size))
		if len([]rune(s)) > 7 {
			short = false
		}
	}
	if widest <= slot-6 {
		copy(out, cats)
		return out
	}
	if short {
		k := int(math.Ceil((widest + 8) / slot))
		for i := range cats {
			if (len(cats)-1-i)%k == 0 {
				out[i] = cats[i]
			}
		}
		return out
	}
	for i, s := range cats {
		out[i] = clipTo(s, slot-6, size)
	}
	return out
}

// wide draws vertical bars with the value axis at the start side.
func (c Bars) wide() string {
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 340
	}
	font := wideFont
	sc := NiceScale(c.max(), 5, whole(c.Series))
	tickW := 0.0
	for _, t := range sc.Ticks() {
		tickW = math.Max(tickW, textWidth(sc.label(c.Lang, t), font))
	}
	x0, x1, y0, y1 := tickW+12, w-8, 22.0, h-30
	cv := &canvas{w: w, rtl: c.RTL}
	id := chartID("bars", c.Title, c.Desc, c.Categories, c.Series, c.Stacked)
	cv.open(h, font, c.Title, c.Desc, id, "chart-wide")
	for _, t := range sc.Ticks() {
		y := y1 - (y1-y0)*t/sc.Max
		cv.line(x0, y, x1, y, "chart-grid")
		cv.text(x0-6, y+4.5, "end", "chart-tick", sc.label(c.Lang, t), false)
	}
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
	var values strings.Builder
	for ci, cat := range c.Categories {
		gx := x0 + group*float64(ci) + group*0.1
		base := y1
		for si, s := range c.Series {
			v := c.value(si, ci)
			bh := (y1 - y0) * v / sc.Max
			bx, by := gx+barW*float64(si), y1-bh
			if c.Stacked {
				bx, by = gx, base-bh
				base = by
			}
			cv.rect(bx, by, math.Max(barW-1, 1), bh, fmt.Sprintf("chart-s%d", si%8), cat+", "+s.Name+": "+num(c.Lang, v))
			if !c.Stacked && v > 0 && textWidth(num(c.Lang, v), font) <= barW-1 {
				fmt.Fprintf(&values, `<text x="%s" y="%s" class="chart-value" text-anchor="middle">%s</text>`, f(cv.x(bx+(barW-1)/2)), f(by-4), num(c.Lang, v))
			}
		}
		if t := c.total(ci); c.Stacked && t > 0 && textWidth(num(c.Lang, t), font) <= barW {
			fmt.Fprintf(&values, `<text x="%s" y="%s" class="chart-value" text-anchor="middle">%s</text>`, f(cv.x(gx+(barW-1)/2)), f(base-4), num(c.Lang, t))
		}
	}
	cv.b.WriteString(values.String())
	for ci, l := range categoryLabels(c.Categories, group, font) {
		if l != "" {
			cv.text(x0+group*(float64(ci)+0.5), y1+19, "middle", "chart-tick", l, true)
		}
	}
	cv.line(x0, y1, x1, y1, "chart-axis")
	return cv.close()
}

// narrow draws horizontal bars, each category's name on its own line above
// its bars, the value axis at the bottom with few ticks.
func (c Bars) narrow() string {
	font := narrowFont
	w := narrowW
	sc := NiceScale(c.max(), 3, whole(c.Series))
	valW := 0.0
	for ci := range c.Categories {
		if c.Stacked {
			valW = math.Max(valW, textWidth(num(c.Lang, c.total(ci)), font))
			continue
		}
		for si := range c.Series {
			valW = math.Max(valW, textWidth(num(c.Lang, c.value(si, ci)), font))
		}
	}
	maxTickW := textWidth(sc.label(c.Lang, sc.Max), font)
	x0 := 6 + textWidth("0", font)/2
	x1 := w - 6 - math.Max(valW+6, maxTickW/2)
	bh, pitch := 14.0, 19.0
	if c.Stacked {
		bh, pitch = 18.0, 22.0
	}
	per := len(c.Series)
	if c.Stacked {
		per = 1
	}
	h := 6 + float64(len(c.Categories))*(21+float64(per)*pitch+6) + 26
	cv := &canvas{w: w, rtl: c.RTL}
	id := chartID("bars", c.Title, c.Desc, c.Categories, c.Series, c.Stacked) + "n"
	cv.open(h, font, c.Title, c.Desc, id, "chart-narrow")
	bottom := h - 26
	for _, t := range sc.Ticks() {
		x := x0 + (x1-x0)*t/sc.Max
		cv.line(x, 4, x, bottom, "chart-grid")
		cv.text(x, bottom+19, "middle", "chart-tick", sc.label(c.Lang, t), false)
	}
	y := 6.0
	scale := func(v float64) float64 { return (x1 - x0) * v / sc.Max }
	for ci, cat := range c.Categories {
		cv.text(x0, y+15, "start", "chart-label", clipTo(cat, w-x0-4, font), true)
		y += 21
		if c.Stacked {
			x := x0
			for si, s := range c.Series {
				v := c.value(si, ci)
				cv.rect(x, y, scale(v), bh, fmt.Sprintf("chart-s%d", si%8), cat+", "+s.Name+": "+num(c.Lang, v))
				x += scale(v)
			}
			cv.text(x+5, y+bh/2+5, "start", "chart-value", num(c.Lang, c.total(ci)), false)
			y += pitch
		} else {
			for si, s := range c.Series {
				v := c.value(si, ci)
				cv.rect(x0, y, scale(v), bh, fmt.Sprintf("chart-s%d", si%8), cat+", "+s.Name+": "+num(c.Lang, v))
				cv.text(x0+scale(v)+5, y+bh/2+5, "start", "chart-value", num(c.Lang, v), false)
				y += pitch
			}
		}
		y += 6
	}
	cv.line(x0, 4, x0, bottom, "chart-axis")
	return cv.close()
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

// SVG draws the line chart: the wide and the narrow drawings and the
// legend.
func (c Lines) SVG() template.HTML {
	var b strings.Builder
	w, h := c.Width, c.Height
	if w == 0 {
		w = 720
	}
	if h == 0 {
		h = 320
	}
	id := chartID("lines", c.Title, c.Desc, c.X, c.Series)
	b.WriteString(c.draw(w, h, wideFont, 5, id, "chart-wide"))
	b.WriteString(c.draw(narrowW, 240, narrowFont, 3, id+"n", "chart-narrow"))
	items := make([]legendItem, len(c.Series))
	for i, s := range c.Series {
		items[i] = legendItem{class: fmt.Sprintf("chart-s%d", i%8), label: s.Name, line: true, index: i}
	}
	b.WriteString(legendHTML(items))
	return template.HTML(b.String())
}

func (c Lines) draw(w, h, font float64, ticks int, id, class string) string {
	max := 0.0
	for _, s := range c.Series {
		for _, v := range s.Values {
			max = math.Max(max, v)
		}
	}
	sc := NiceScale(max, ticks, whole(c.Series))
	tickW := 0.0
	for _, t := range sc.Ticks() {
		tickW = math.Max(tickW, textWidth(sc.label(c.Lang, t), font))
	}
	x0, x1, y0, y1 := tickW+12, w-6, 14.0, h-30
	cv := &canvas{w: w, rtl: c.RTL}
	cv.open(h, font, c.Title, c.Desc, id, class)
	for _, t := range sc.Ticks() {
		y := y1 - (y1-y0)*t/sc.Max
		cv.line(x0, y, x1, y, "chart-grid")
		cv.text(x0-6, y+4.5, "end", "chart-tick", sc.label(c.Lang, t), false)
	}
	// Labels longer than a third of the plot (a round's full title) are
	// shortened; the table beside the chart has them in full.
	labels := make([]string, len(c.X))
	labW := 0.0
	for i, x := range c.X {
		labels[i] = clipTo(x, (x1-x0)/3, font)
		labW = math.Max(labW, textWidth(labels[i], font))
	}
	inset := math.Max(10, labW/2+2)
	step := 0.0
	if len(c.X) > 1 {
		step = (x1 - x0 - 2*inset) / float64(len(c.X)-1)
	}
	px := func(i int) float64 { return x0 + inset + step*float64(i) }
	py := func(v float64) float64 { return y1 - (y1-y0)*v/sc.Max }
	k := 1
	if step > 0 {
		for step*float64(k) < labW+10 {
			k++
		}
	}
	for i, x := range labels {
		if (len(c.X)-1-i)%k == 0 {
			cv.text(px(i), y1+19, "middle", "chart-tick", x, true)
		}
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
			d.WriteString(cmd + f(cv.x(px(i))) + " " + f(py(v)))
		}
		fmt.Fprintf(&cv.b, `<path d="%s" class="chart-line chart-ls%d" fill="none"/>`, d.String(), si%8)
		for i, v := range s.Values {
			if i < len(c.X) {
				marker(&cv.b, si, cv.x(px(i)), py(v), c.X[i]+", "+s.Name+": "+num(c.Lang, v))
			}
		}
	}
	cv.line(x0, y1, x1, y1, "chart-axis")
	return cv.close()
}

// legendItem is one entry of a legend: a swatch of a class (a line with
// its marker for line charts) and the words it stands for.
type legendItem struct {
	class, label string
	line         bool
	index        int
}

// legendHTML writes the legend as a list under the drawing; each label is
// isolated (bdi) so a name in another script or a range of numbers keeps
// its order in a right-to-left page.
func legendHTML(items []legendItem) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<ul class="chart-legend">`)
	for _, it := range items {
		b.WriteString(`<li>`)
		if it.line {
			var m strings.Builder
			marker(&m, it.index, 14, 8, "")
			sw := strings.ReplaceAll(m.String(), "<title></title>", "")
			fmt.Fprintf(&b, `<svg class="chart-swatch" width="28" height="16" viewBox="0 0 28 16" aria-hidden="true" focusable="false"><line x1="1" y1="8" x2="27" y2="8" class="chart-line chart-ls%d"/>%s</svg>`, it.index%8, sw)
		} else {
			fmt.Fprintf(&b, `<svg class="chart-swatch" width="18" height="18" viewBox="0 0 18 18" aria-hidden="true" focusable="false"><rect x="0.5" y="0.5" width="17" height="17" class="chart-key %s"/></svg>`, esc(it.class))
		}
		fmt.Fprintf(&b, `<bdi>%s</bdi></li>`, esc(it.label))
	}
	b.WriteString(`</ul>`)
	return b.String()
}
