package reporting

import (
	"context"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/states"
)

// ShortenDemo makes GenerateDemo report for the first n States only, and
// returns a function restoring all of them.
func ShortenDemo(n int) func() {
	demoStates = func() []states.State { return states.All()[:n] }
	return func() { demoStates = states.All }
}

// NewRulesService is a Service with a fixed set of norms, for unit tests
// and fuzzing of the rules without a database: gge2015-a … gge2015-k are
// reportable, paris-call-1 is a norm that may only be served.
func NewRulesService() *Service {
	s := &Service{allNorm: map[string]framework.Norm{}}
	for _, c := range "abcdefghijk" {
		n := framework.Norm{ID: "gge2015-" + string(c), Set: framework.GGE2015, Code: string(c)}
		s.norms = append(s.norms, n)
		s.allNorm[n.ID] = n
	}
	s.allNorm["paris-call-1"] = framework.Norm{ID: "paris-call-1", Set: framework.ParisCall, Code: "1"}
	return s
}

// MeasuresPerPage is how many measures a page of a report's view shows.
const MeasuresPerPage = measuresPerPage

// PageSpans lays measure counts out on pages (pageSpans): each norm's
// start page and last page, and the number of pages.
func PageSpans(counts []int, per int) (start, last []int, pages int) {
	spans, pages := pageSpans(counts, per)
	for _, s := range spans {
		start, last = append(start, s.Page), append(last, s.last(per))
	}
	return start, last, pages
}

// ErrRevised is errRevised, for tests.
var ErrRevised = errRevised

// ReadDraftAsOf reads a draft's measures as writeWhole does, for a reader
// who found the report at revision rev, and counts them.
func ReadDraftAsOf(ctx context.Context, s *Service, reportID string, rev int) (n int, err error) {
	v := View{Report: Report{ID: reportID, Revision: rev}, Version: 0}
	err = s.eachNormMeasures(ctx, v, func(ms []Measure) error { n += len(ms); return nil })
	return n, err
}
