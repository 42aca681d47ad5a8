package reporting

import (
	"context"
	"html/template"
	"net/http"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// bodyMeasure is one measure as the report's body (the "report-body"
// template of the report's page, its print and PDF versions) shows it.
//
// A report holds two or three hundred measures. Read by the template
// through the embedded Measure, each label translated cell by cell (two
// reflective calls each), they were two thirds of the page's time (issue
// 20); with flat fields and labels translated once the template still made
// a dozen reflective calls a measure, one for each value it escaped. Head is
// therefore written here, escaped as html/template escapes text
// (template.HTMLEscaper), so the bytes are those the template wrote;
// TestReportBodyBytes holds them. The links stay in the template, whose
// escaping of addresses in attributes has no exported equivalent.
type bodyMeasure struct {
	Head  template.HTML // the heading, the facts and the description
	Links []Link
}

// textEscaper escapes a value written in HTML text exactly as html/template
// does (web.HTMLText).
var textEscaper = web.HTMLText

// bodyLabels are the labels the body repeats under every norm, translated
// once a page.
type bodyLabels struct {
	Measures, NoMeasures, Challenges, Gaps string
	// Continued marks a norm's heading on the pages after its first;
	// ContinuesNext links on to the next page from a norm that goes on.
	Continued, ContinuesNext string
}

// body fills each section's Body and rendered notes and returns the body's
// labels, all in r's language.
func (m *Module) body(r *http.Request, secs []section) bodyLabels {
	lang := web.Lang(r)
	t := m.site.Catalog.Labels(lang)
	// esc is t's text escaped, once a page for each label.
	escMemo := map[string]string{}
	esc := func(key string) string {
		l, ok := escMemo[key]
		if !ok {
			l = textEscaper.Replace(t(key))
			escMemo[key] = l
		}
		return l
	}
	labels := bodyLabels{Measures: t("reporting.measures"), NoMeasures: t("reporting.no_measures"),
		Challenges: t("reporting.challenges"), Gaps: t("reporting.gaps"), Continued: t("reporting.continued"), ContinuesNext: t("reporting.continues_next")}
	var b strings.Builder
	for i := range secs {
		s := &secs[i]
		s.Body = make([]bodyMeasure, len(s.Measures))
		for j, mv := range s.Measures {
			b.Reset()
			b.Grow(len(mv.Title) + len(mv.Description) + len(mv.Description)/4 + 320)
			b.WriteString("<h4>")
			if mv.Title != "" {
				textEscaper.WriteString(&b, mv.Title)
			} else {
				b.WriteString(esc("reporting.untitled"))
			}
			b.WriteString("</h4>\n<dl class=\"meta\">\n<dt>")
			b.WriteString(esc("reporting.type"))
			b.WriteString("</dt><dd>")
			b.WriteString(esc("reporting.type." + mv.Type))
			b.WriteString("</dd>\n<dt>")
			b.WriteString(esc("reporting.mstatus"))
			b.WriteString("</dt><dd>")
			b.WriteString(esc("reporting.mstatus." + mv.Status))
			b.WriteString("</dd>\n")
			if mv.Date != "" {
				b.WriteString("<dt>")
				b.WriteString(esc("reporting.date_read"))
				b.WriteString("</dt><dd>")
				textEscaper.WriteString(&b, mv.Date)
				b.WriteString("</dd>")
			}
			b.WriteString("\n")
			if len(mv.OtherNorms) > 0 {
				b.WriteString("<dt>")
				b.WriteString(esc("reporting.other_norms"))
				b.WriteString("</dt><dd>")
				textEscaper.WriteString(&b, m.otherNorms(r.Context(), mv.OtherNorms))
				b.WriteString("</dd>")
			}
			b.WriteString("\n</dl>\n")
			markdownTo(&b, mv.Description)
			s.Body[j] = bodyMeasure{Head: template.HTML(b.String()), Links: mv.Links} // #nosec: every value escaped above
		}
		s.NotesCh = Markdown(s.Notes.Challenges)
		s.NotesGap = Markdown(s.Notes.CapacityGaps)
	}
	return labels
}

// otherNorms names the norms ids, joined with ", ": by their citation, or,
// for a norm that has none (a proposed norm), by its short title.
func (m *Module) otherNorms(ctx context.Context, ids []string) string {
	l := make([]string, len(ids))
	for i, id := range ids {
		l[i] = m.Svc.normLabel(ctx, id)
		if n, ok := m.Svc.NormByID(ctx, id); ok && l[i] == "" {
			l[i] = n.ShortTitle
		}
	}
	return strings.Join(l, ", ")
}
