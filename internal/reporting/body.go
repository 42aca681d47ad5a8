package reporting

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// bodyMeasure is one measure as the report's body (the "report-body"
// template of the report's page, its print and PDF versions) shows it:
// flat, its labels in the reader's language, its description rendered. A
// report holds two or three hundred measures; read through the embedded
// Measure, with each label translated by the template (two reflective
// calls a cell), they were two thirds of the page's time (issue 20).
type bodyMeasure struct {
	Heading string // the title, or "untitled" in the reader's language
	Type    string // the type's label
	Status  string // the status's label
	Date    string
	Others  string // the other norms' citations: "(a), (k)"
	// HasOthers says the measure names other norms, even when their
	// citations are empty (a proposed norm has none; the page then shows
	// the heading with an empty value, as it did before the rows).
	HasOthers bool
	DescHTML  template.HTML
	Links     []Link
}

// bodyLabels are the labels the body repeats under every norm or measure,
// translated once a page.
type bodyLabels struct {
	Measures, Type, MStatus, DateRead, OtherNorms, NoMeasures, Challenges, Gaps string
}

// body fills each section's Body and rendered notes and returns the body's
// labels, all in r's language.
func (m *Module) body(r *http.Request, secs []section) bodyLabels {
	lang := web.Lang(r)
	memo := map[string]string{}
	t := func(key string) string {
		l, ok := memo[key]
		if !ok {
			l = m.site.Catalog.T(lang, key)
			memo[key] = l
		}
		return l
	}
	labels := bodyLabels{Measures: t("reporting.measures"), Type: t("reporting.type"), MStatus: t("reporting.mstatus"),
		DateRead: t("reporting.date_read"), OtherNorms: t("reporting.other_norms"), NoMeasures: t("reporting.no_measures"),
		Challenges: t("reporting.challenges"), Gaps: t("reporting.gaps")}
	for i := range secs {
		s := &secs[i]
		s.Body = make([]bodyMeasure, len(s.Measures))
		for j, mv := range s.Measures {
			b := bodyMeasure{Heading: mv.Title, Type: t("reporting.type." + mv.Type), Status: t("reporting.mstatus." + mv.Status),
				Date: mv.Date, Others: m.otherNorms(r.Context(), mv.OtherNorms), HasOthers: len(mv.OtherNorms) > 0, DescHTML: Markdown(mv.Description), Links: mv.Links}
			if b.Heading == "" {
				b.Heading = t("reporting.untitled")
			}
			s.Body[j] = b
		}
		s.NotesCh = Markdown(s.Notes.Challenges)
		s.NotesGap = Markdown(s.Notes.CapacityGaps)
	}
	return labels
}

// otherNorms is the citations of the norms ids, joined with ", ".
func (m *Module) otherNorms(ctx context.Context, ids []string) string {
	switch len(ids) {
	case 0:
		return ""
	case 1:
		return m.Svc.normLabel(ctx, ids[0])
	}
	l := make([]string, len(ids))
	for i, id := range ids {
		l[i] = m.Svc.normLabel(ctx, id)
	}
	return strings.Join(l, ", ")
}
