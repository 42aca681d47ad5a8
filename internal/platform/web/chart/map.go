package chart

import (
	"fmt"
	"html/template"
	"sort"
	"strings"
)

// Base is the drawing a map is coloured on: shapes keyed by area (a
// State's ISO3), points for areas too small to draw, the sphere (sea) and
// land that belongs to no area, in a viewBox of Width × Height.
type Base struct {
	Width, Height float64
	Sphere, Land  string
	Paths         map[string]string
	Points        map[string][2]float64

	keys []string
}

// NewBase prepares a base once for many renders.
func NewBase(width, height float64, sphere, land string, paths map[string]string, points map[string][2]float64) *Base {
	b := &Base{Width: width, Height: height, Sphere: sphere, Land: land, Paths: paths, Points: points}
	for k := range paths {
		b.keys = append(b.keys, k)
	}
	for k := range points {
		if _, dup := paths[k]; !dup {
			b.keys = append(b.keys, k)
		}
	}
	sort.Strings(b.keys)
	return b
}

// Area is how one area is drawn: its class (a bin such as chart-b3, or
// chart-noreport) and the text of its tooltip, e.g. "France: 12".
type Area struct {
	Class string
	Label string
}

// LegendItem explains one class in words.
type LegendItem struct {
	Class string
	Label string
}

// Map is a choropleth: every area of Base drawn in the class Areas gives it
// (Default for areas not listed), with a legend in words. The class
// chart-noreport is hatched, so it differs from the bins by more than colour:
// its pattern (#chart-hatch) is drawn once per page, by the layout, so two
// maps on one page do not repeat its id.
type Map struct {
	Title, Desc string
	Base        *Base
	Areas       map[string]Area
	Default     Area
	Legend      []LegendItem
	// LegendTitle says what the classes count ("Implemented measures").
	LegendTitle string
}

// SVG draws the map, then its legend as a list under it. The map itself
// has no text, so it may shrink with the page; the legend keeps the page's
// text size and direction.
func (m Map) SVG() template.HTML {
	base := m.Base
	var b strings.Builder
	b.Grow(160 << 10)
	id := chartID("map", m.Title, m.Desc, m.Areas, m.Legend)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t %s-d" class="chart-svg chart-map">`, f(base.Width), f(base.Height), id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(m.Title), id, esc(m.Desc))
	fmt.Fprintf(&b, `<path d="%s" class="chart-sea"/><path d="%s" class="chart-land"/>`, base.Sphere, base.Land)
	var dots strings.Builder
	for _, k := range base.keys {
		a, ok := m.Areas[k]
		if !ok {
			a = m.Default
			if a.Label == "" {
				a.Label = k
			}
		}
		if d, ok := base.Paths[k]; ok {
			fmt.Fprintf(&b, `<path d="%s" class="chart-area %s"><title>%s</title></path>`, d, esc(a.Class), esc(a.Label))
			continue
		}
		p := base.Points[k]
		fmt.Fprintf(&dots, `<circle cx="%s" cy="%s" r="3.5" class="chart-dot %s"><title>%s</title></circle>`, f(p[0]), f(p[1]), esc(a.Class), esc(a.Label))
	}
	b.WriteString(dots.String())
	b.WriteString(`</svg>`)
	items := make([]legendItem, len(m.Legend))
	for i, l := range m.Legend {
		items[i] = legendItem{class: l.Class, label: l.Label}
	}
	if m.LegendTitle != "" {
		fmt.Fprintf(&b, `<p class="chart-legend-title">%s</p>`, esc(m.LegendTitle))
	}
	b.WriteString(legendHTML(items))
	return template.HTML(b.String())
}

// Bin returns the class chart-b1 … chart-bN for v on a scale whose upper
// bounds are edges (ascending); 0 gets chart-b0.
func Bin(v float64, edges []float64) string {
	if v <= 0 {
		return "chart-b0"
	}
	for i, e := range edges {
		if v <= e {
			return fmt.Sprintf("chart-b%d", i+1)
		}
	}
	return fmt.Sprintf("chart-b%d", len(edges))
}
