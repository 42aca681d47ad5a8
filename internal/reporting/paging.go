package reporting

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// measuresPerPage is how many measures a page of a report's view shows at
// most. A report of the demo holds about 220 measures at scale 1 and 900 at
// scale 10; rendering them all cost a view 16 ms of CPU at scale 1 and
// 150–226 ms at scale 10, and sixteen views at once pushed the server past
// 200 MiB (issue 20). A page of 60 is two or three norms of a typical
// report, long enough to read on, short enough that a view costs the same
// whatever the report's length. The print view and the exports stay whole.
const measuresPerPage = 60

// normSpan is where one norm's measures fall in the paged view: Count of
// them, the first at index First of the report's measures (the reportable
// norms' in order), starting on page Page.
type normSpan struct {
	Count, First, Page int
}

// last is the page of the norm's last measure (its start page when it has
// none: the norm shows there, with its notes).
func (n normSpan) last(per int) int {
	if n.Count == 0 {
		return n.Page
	}
	return (n.First+n.Count-1)/per + 1
}

// pageSpans lays the norms' measure counts, in the norms' order, out on
// pages of per measures: each norm's span and the number of pages (one for
// a report without measures). A norm without measures goes on the page of
// the next measure after it, or the last page.
func pageSpans(counts []int, per int) ([]normSpan, int) {
	spans := make([]normSpan, len(counts))
	at := 0
	for i, n := range counts {
		spans[i] = normSpan{Count: n, First: at, Page: at/per + 1}
		at += n
	}
	pages := max(1, (at+per-1)/per)
	for i := range spans {
		spans[i].Page = min(spans[i].Page, pages)
	}
	return spans, pages
}

// pageParam reads a report page's ?page=: 1 when absent; a refusal (400)
// when it is not a whole number from 1. Whether the report has that page
// the caller checks (errNoPage).
func pageParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, &Problem{Status: http.StatusBadRequest, Code: "invalid_parameter", Field: "page", Key: "reporting.err.page", Message: "must be a whole number from 1"}
	}
	return n, nil
}

// errNoPage is the refusal (404) of a page beyond a report's last.
func errNoPage(page, pages int) error {
	return &Problem{Status: http.StatusNotFound, Code: "not_found", Field: "page", Key: "reporting.err.no_page", Args: []any{page, pages},
		Message: "the report has no page " + strconv.Itoa(page) + "; its pages are 1 to " + strconv.Itoa(pages)}
}

// tocEntry is one line of a paged report's table of contents.
type tocEntry struct {
	Norm, Label, Title string
	Count, Page        int
}

// paging is a page of a report's view: which of its Pages, the contents,
// and the query of the page's address without its page (to link to the
// others).
type paging struct {
	Page, Pages int
	TOC         []tocEntry
	query       url.Values
}

// URL is the address (relative to the page's) of page k of the report.
func (p *paging) URL(k int) string {
	q := url.Values{}
	for key, v := range p.query {
		q[key] = v
	}
	q.Set("page", strconv.Itoa(k))
	return "?" + q.Encode()
}

// Prev and Next are the neighbouring pages, 0 when there is none.
func (p *paging) Prev() int {
	if p.Page > 1 {
		return p.Page - 1
	}
	return 0
}

func (p *paging) Next() int {
	if p.Page < p.Pages {
		return p.Page + 1
	}
	return 0
}

// Numbers is 1 … Pages, for the list of pages.
func (p *paging) Numbers() []int {
	out := make([]int, p.Pages)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// pageSections keeps, of a report's sections (its notes in them, no
// measures), those on page (from 1) of its view and fills them with the
// page's measures, read norm by norm; it returns the page's paging, or
// errNoPage. A norm continued from the page before is marked Continued;
// one that continues on the next page More, its notes then shown on the
// page of its last measure.
func (s *Service) pageSections(ctx context.Context, r *http.Request, v View, secs []section, page int) ([]section, *paging, error) {
	counts, err := measureCounts(ctx, s.P.DB, v.Report.ID, v.Version)
	if err != nil {
		return nil, nil, err
	}
	cs := make([]int, len(secs))
	for i := range secs {
		cs[i] = counts[secs[i].Norm.ID]
	}
	spans, pages := pageSpans(cs, measuresPerPage)
	if page > pages {
		return nil, nil, errNoPage(page, pages)
	}
	q := r.URL.Query()
	q.Del("page")
	pg := &paging{Page: page, Pages: pages, query: q, TOC: make([]tocEntry, len(secs))}
	lo, hi := (page-1)*measuresPerPage, page*measuresPerPage
	var out []section
	for i, sp := range spans {
		sec := secs[i]
		pg.TOC[i] = tocEntry{Norm: sec.Norm.ID, Label: sec.Label, Title: sec.Norm.ShortTitle, Count: sp.Count, Page: sp.Page}
		if sp.Page > page || sp.last(measuresPerPage) < page {
			continue
		}
		sec.Continued = sp.Page < page
		sec.More = sp.last(measuresPerPage) > page
		if sp.Count > 0 {
			from, to := max(lo, sp.First), min(hi, sp.First+sp.Count)
			ms, err := loadNormMeasures(ctx, s.P.DB, make([]Measure, 0, to-from), v.Report.ID, v.Version, sec.Norm.ID, from-sp.First, to-from)
			if err != nil {
				return nil, nil, err
			}
			sec.Measures = make([]measureView, len(ms))
			for j := range ms {
				sec.Measures[j] = measureView{Measure: ms[j], Index: from + j}
			}
		}
		out = append(out, sec)
	}
	return out, pg, nil
}
