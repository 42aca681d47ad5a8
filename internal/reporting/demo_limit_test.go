package reporting

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/states"
)

// TestDemoReportsStayWithinTheMeasureLimit evolves one State's report over
// the demo's ten cycles at several scales: no report may hold more measures
// than a State may submit (scale 10 once failed after a few cycles with
// 3,063 measures).
func TestDemoReportsStayWithinTheMeasureLimit(t *testing.T) {
	var norms []framework.Norm
	for c := 'a'; c <= 'k'; c++ {
		norms = append(norms, framework.Norm{ID: fmt.Sprintf("gge2015-%c", c), Code: string(c)})
	}
	st := states.All()[0]
	for _, scale := range []int{1, 10, 100} {
		perNorm := min(DemoMeasuresPerNorm*scale, MaxMeasures/(len(norms)+1))
		g := &demoGen{rng: rand.New(rand.NewPCG(7, uint64(scale))), norms: norms, all: norms, perNorm: perNorm, prev: map[string]*Content{}}
		var prev *Content
		for year := 2017; year < 2017+DemoCycles; year++ {
			c := g.evolve(st, prev, year)
			if len(c.Measures) > MaxMeasures {
				t.Fatalf("scale %d, %d: %d measures, the limit is %d", scale, year, len(c.Measures), MaxMeasures)
			}
			prev = &c
		}
	}
}
