package reporting

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

var (
	measureFieldRE = regexp.MustCompile(`^measures\[(\d+)\]\.([a-z_]+)`)
	noteFieldRE    = regexp.MustCompile(`^notes\[(\d+)\]\.([a-z_]+)`)
)

// measureFormNames are the edit form's names of a measure's fields (after
// "m.N."), by the JSON name a refusal gives.
var measureFormNames = map[string]string{
	"title": "title", "description": "description", "type": "type", "status": "status", "date": "date",
	"links": "links", "other_norms": "other", "norm_id": "title",
}

// formErrors turns the refusals of a content posted through the edit form
// into errors shown at their fields: each names the field in words
// ("Measure 3 under norm (c), date") and links to its input, whose id is
// the form name of the re-rendered page (c.Measures[i] is "m.i.").
// noteNorms are the norms of c.Notes as posted.
func (m *Module) formErrors(r *http.Request, c Content, noteNorms []string, p *Problem) web.FormErrors {
	ctx, lang := r.Context(), web.Lang(r)
	t := func(key string, args ...any) string { return m.site.Catalog.T(lang, key, args...) }
	var out web.FormErrors
	for _, fp := range p.All() {
		fe := web.FieldError{ID: "report-form", Message: m.problemText(r, fp)}
		if !m.said(fp) {
			fe.Message = fp.Message
		}
		if g := measureFieldRE.FindStringSubmatch(fp.Field); g != nil {
			i, _ := strconv.Atoi(g[1])
			if i < len(c.Measures) {
				norm, n := c.Measures[i].NormID, 0
				for _, x := range c.Measures[:i+1] {
					if x.NormID == norm {
						n++
					}
				}
				name := measureFormNames[g[2]]
				if name == "" {
					name = "title"
				}
				fe.ID = "m." + strconv.Itoa(i) + "." + name
				fe.Label = t("reporting.err.at_measure", n, m.Svc.normLabel(ctx, norm), t("reporting.field."+name))
			}
		} else if g := noteFieldRE.FindStringSubmatch(fp.Field); g != nil {
			i, _ := strconv.Atoi(g[1])
			if i < len(noteNorms) {
				name, label := "challenges", "reporting.challenges"
				if g[2] == "capacity_gaps" {
					name, label = "gaps", "reporting.gaps"
				}
				fe.ID = "n." + noteNorms[i] + "." + name
				fe.Label = t("reporting.err.at_norm", m.Svc.normLabel(ctx, noteNorms[i]), t(label))
			}
		} else if len(fp.Field) >= len("international_law_links") && fp.Field[:len("international_law_links")] == "international_law_links" {
			fe.ID, fe.Label = "ilaw_links", t("reporting.ilaw")+", "+t("reporting.field.links")
		} else if fp.Field == "international_law_summary" {
			fe.ID, fe.Label = "ilaw_summary", t("reporting.ilaw")
		}
		out = append(out, fe)
	}
	return out
}
