package chart

import (
	"math"
	"sort"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Scale is a value axis from 0 to Max in steps of Step, where Step is 1, 2
// or 5 times a power of ten ("nice numbers"), so that ticks read 0, 100,
// 200, 300 rather than 0, 125, 250, 375.
type Scale struct {
	Max, Step float64
}

// NiceScale chooses the axis for data whose largest value is max, with at
// most maxTicks intervals: the smallest 1–2–5 step that needs no more, and
// the axis ending at the first tick at or above max (a peak of 286 gives an
// axis to 300, not 500). When whole is set (the data are counts), the step
// is at least 1.
func NiceScale(max float64, maxTicks int, whole bool) Scale {
	if maxTicks < 1 {
		maxTicks = 1
	}
	if !(max > 0) || math.IsInf(max, 0) {
		return Scale{Max: 1, Step: 1}
	}
	raw := max / float64(maxTicks)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw*(1-1e-9) {
			step = m * p
			break
		}
	}
	if whole && step < 1 {
		step = 1
	}
	n := math.Ceil(max/step - 1e-9)
	if n < 1 {
		n = 1
	}
	return Scale{Max: n * step, Step: step}
}

// Ticks are the values of the axis's ticks, 0 first.
func (s Scale) Ticks() []float64 {
	n := int(math.Round(s.Max / s.Step))
	out := make([]float64, n+1)
	for i := range out {
		out[i] = float64(i) * s.Step
	}
	return out
}

// Label writes a tick's value with as many decimals as the step needs.
func (s Scale) Label(v float64) string {
	d := 0
	if s.Step < 1 {
		d = int(math.Ceil(-math.Log10(s.Step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

// label writes a tick's value in lang (web.FormatNumber), unless the step
// needs more than the one decimal FormatNumber writes.
func (s Scale) label(lang string, v float64) string {
	if s.Step < 0.1 {
		return s.Label(v)
	}
	return web.FormatNumber(lang, v)
}

// CountBreaks chooses at most k classes for a map of counts from the data
// themselves: the upper bounds of quantile classes of the positive values
// (zero has a class of its own), so that skewed data — most States with a
// few measures, a few with hundreds — spread over the classes instead of
// piling into the darkest one. Bounds are whole numbers, ascending, without
// repeats; the last is the largest value. No positive value, no class.
func CountBreaks(values []float64, k int) []float64 {
	var pos []float64
	for _, v := range values {
		if v > 0 {
			pos = append(pos, math.Ceil(v))
		}
	}
	if len(pos) == 0 || k < 1 {
		return nil
	}
	sort.Float64s(pos)
	var out []float64
	for i := 1; i <= k; i++ {
		// The value at the i/k quantile (nearest rank).
		idx := int(math.Ceil(float64(i)*float64(len(pos))/float64(k))) - 1
		if idx < 0 {
			idx = 0
		}
		b := pos[idx]
		if len(out) == 0 || b > out[len(out)-1] {
			out = append(out, b)
		}
	}
	return out
}

// BreakLabels names the classes of CountBreaks as ranges of whole numbers
// written in lang (web.FormatNumber): "1–3", "4–9", "10" (a class of one
// value), "1,000–2,500" … The numbers are left to right in every language
// (a range is isolated as such by the legend).
func BreakLabels(edges []float64, lang string) []string {
	out := make([]string, len(edges))
	lo := 1.0
	for i, e := range edges {
		if e <= lo {
			out[i] = web.FormatNumber(lang, e)
		} else {
			out[i] = web.FormatNumber(lang, lo) + "–" + web.FormatNumber(lang, e)
		}
		lo = e + 1
	}
	return out
}
