package reporting

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
)

// The edit form writes some eighty measures on a norm's page, each with the
// same labels, the same two menus and a checkbox for every other norm: the
// words are translated once a page and the menus and checkboxes written
// here, escaped as html/template escapes them (textEscaper), instead of a
// template call for every word, option and checkbox of every measure (issue
// 20). The page's bytes are those the template wrote (TestEditPageBytes).

// editLabels are the labels of every measure's form, in the page's
// language.
type editLabels struct {
	Untitled, NewMeasure, Title, Description, Type, Status, Date, Links, LinksHint, OtherNorms, Remove string
}

// measureForm is what a measure's form shows that is written in Go: the
// options of its type and status menus (the one it has selected) and the
// checkboxes of the other norms it serves.
type measureForm struct {
	// P begins the names of its inputs: "m.<index>.".
	P                       string
	Types, Statuses, Others template.HTML
}

// editForms fills d's Labels and Forms, one form for each measure index of
// the page (d.Count of them), in lang.
func (m *Module) editForms(d *editData, lang string) {
	t := m.site.Catalog.Labels(lang)
	d.Labels = editLabels{Untitled: t("reporting.untitled"), NewMeasure: t("reporting.new_measure"), Title: t("reporting.mtitle"),
		Description: t("reporting.description"), Type: t("reporting.type"), Status: t("reporting.mstatus"), Date: t("reporting.date"),
		Links: t("reporting.links"), LinksHint: t("reporting.links_hint"), OtherNorms: t("reporting.other_norms"), Remove: t("reporting.remove")}
	choose := textEscaper.Replace(t("reporting.choose"))
	types := optionLists(choose, d.Types, "reporting.type.", t)
	statuses := optionLists(choose, d.Statuses, "reporting.mstatus.", t)
	others := newOtherNorms(d.AllNorms)
	d.Forms = make([]measureForm, d.Count)
	for _, s := range d.Sections {
		for _, mv := range s.Measures {
			if mv.Index < 0 || mv.Index >= len(d.Forms) {
				continue
			}
			d.Forms[mv.Index] = measureForm{P: "m." + strconv.Itoa(mv.Index) + ".", Types: types.of(mv.Type), Statuses: statuses.of(mv.Status), Others: others.of(mv.Index, mv.NormID, mv.OtherNorms)}
		}
	}
}

// optionList is a menu's options with each value selected, and with none
// (a value not in the menu, from a refused form).
type optionList struct {
	selected map[string]template.HTML
	none     template.HTML
}

// optionLists writes the options of a menu: "choose" (the empty value),
// then each value with its word (the key prefix+value).
func optionLists(choose string, values []string, prefix string, t func(string) string) optionList {
	write := func(sel string, found bool) template.HTML {
		var b strings.Builder
		b.WriteString(`<option value=""`)
		if sel == "" && found {
			b.WriteString(` selected`)
		}
		b.WriteString(`>` + choose + `</option>`)
		for _, v := range values {
			b.WriteString(`<option value="`)
			textEscaper.WriteString(&b, v)
			b.WriteString(`"`)
			if v == sel && found {
				b.WriteString(` selected`)
			}
			b.WriteString(`>`)
			textEscaper.WriteString(&b, t(prefix+v))
			b.WriteString(`</option>`)
		}
		return template.HTML(b.String())
	}
	l := optionList{selected: map[string]template.HTML{"": write("", true)}, none: write("", false)}
	for _, v := range values {
		l.selected[v] = write(v, true)
	}
	return l
}

// of is the options with v selected.
func (l optionList) of(v string) template.HTML {
	if h, ok := l.selected[v]; ok {
		return h
	}
	return l.none
}

// otherNorms are the checkboxes of the "other norms" of a measure, each
// norm's escaped id and label written once a page.
type otherNorms []struct{ id, id2, label string }

func newOtherNorms(norms []framework.Norm) otherNorms {
	out := make(otherNorms, len(norms))
	for i, n := range norms {
		out[i].id, out[i].id2 = n.ID, textEscaper.Replace(n.ID)
		out[i].label = textEscaper.Replace(n.Label()) + " " + textEscaper.Replace(n.ShortTitle)
	}
	return out
}

// of writes the checkboxes of measure index (its inputs' names begin
// "m.<index>.") under norm own, checked for the norms in checked.
func (o otherNorms) of(index int, own string, checked []string) template.HTML {
	p := "m." + strconv.Itoa(index) + "."
	var b strings.Builder
	b.Grow(len(o) * (160 + 4*len(p)))
	for _, n := range o {
		if n.id == own {
			continue
		}
		b.WriteString(`<div class="check"><input type="checkbox" id="` + p + `other-` + n.id2 + `" name="` + p + `other" value="` + n.id2 + `"`)
		for _, c := range checked {
			if c == n.id {
				b.WriteString(` checked`)
				break
			}
		}
		b.WriteString(`> <label for="` + p + `other-` + n.id2 + `">` + n.label + `</label></div>`)
	}
	return template.HTML(b.String())
}
