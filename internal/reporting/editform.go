package reporting

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// The edit form writes some eighty measures on a norm's page, each with the
// same labels, the same two menus and a checkbox for every other norm. Each
// measure's fieldset is written here, its words translated once a page, its
// menus written once a page for each selected value, every value escaped as
// html/template escapes it (web.HTMLText) and the refusals shown at their
// fields by web.FieldAttrs and web.FieldMessage, instead of some 250 template
// calls a measure (issue 20). The page's bytes are those the template wrote
// (TestEditPageBytes).

// editLabels are the labels of every measure's form, in the page's
// language, escaped.
type editLabels struct {
	Untitled, NewMeasure, NewMeasureN, Title, Description, Type, Status, Date, Links, LinksHint, OtherNorms, Remove string
}

// editForms fills d.Forms, each measure's form by its index (d.Count of
// them), in lang.
func (m *Module) editForms(d *editData, lang string) {
	t := m.site.Catalog.Labels(lang)
	e := func(key string) string { return textEscaper.Replace(t(key)) }
	l := editLabels{Untitled: e("reporting.untitled"), NewMeasure: e("reporting.new_measure"), NewMeasureN: e("reporting.new_measure_n"), Title: e("reporting.mtitle"),
		Description: e("reporting.description"), Type: e("reporting.type"), Status: e("reporting.mstatus"), Date: e("reporting.date"),
		Links: e("reporting.links"), LinksHint: e("reporting.links_hint"), OtherNorms: e("reporting.other_norms"), Remove: e("reporting.remove")}
	choose := e("reporting.choose")
	types := optionLists(choose, d.Types, "reporting.type.", t)
	statuses := optionLists(choose, d.Statuses, "reporting.mstatus.", t)
	others := newOtherNorms(d.AllNorms)
	d.Forms = make([]template.HTML, d.Count)
	var b strings.Builder
	for _, s := range d.Sections {
		for _, mv := range s.Measures {
			if mv.Index < 0 || mv.Index >= len(d.Forms) {
				continue
			}
			b.Reset()
			b.Grow(4096 + len(mv.Title) + len(mv.Description) + len(mv.Description)/4)
			f := measureForm{b: &b, p: "m." + strconv.Itoa(mv.Index) + ".", errs: d.Errors}
			f.write(mv, &l, types.of(mv.Type), statuses.of(mv.Status), func() { others.write(&b, f.p, mv.NormID, mv.OtherNorms) },
				func(blank int) string { return m.site.Catalog.T(lang, "reporting.new_measure_n", blank) })
			d.Forms[mv.Index] = template.HTML(b.String())
		}
	}
}

// measureForm writes a measure's form: its inputs are named p+"title" and
// so on, errs are the form's refusals shown at its fields.
type measureForm struct {
	b    *strings.Builder
	p    string
	errs web.FormErrors
}

// s writes HTML; t writes text, escaped.
func (f measureForm) s(h ...string) {
	for _, x := range h {
		f.b.WriteString(x)
	}
}
func (f measureForm) t(x string) { textEscaper.WriteString(f.b, x) }

// attrs writes the attributes of the field named f.p+name (web.FieldAttrs).
func (f measureForm) attrs(name string, describedBy ...string) {
	f.s(string(web.FieldAttrs(f.errs, f.p+name, describedBy...)))
}

// fieldError writes the refusal of the field named f.p+name, if it was
// refused (web.FieldMessage).
func (f measureForm) fieldError(name string) {
	f.s(string(web.FieldMessage(f.errs, f.p+name)))
}

// write writes the measure's fieldset; others writes its other-norms
// checkboxes and numbered the heading of its nth blank measure.
func (f measureForm) write(mv measureView, l *editLabels, types, statuses template.HTML, others func(), numbered func(int) string) {
	p := f.p
	f.s(`<fieldset class="measure" id="`, p, `fieldset"`)
	if mv.Blank != 0 {
		f.s(` data-blank-measure="`)
		f.t(mv.NormID)
		f.s(`" data-index="`, strconv.Itoa(mv.Index), `"`)
	}
	f.s(`>`, "\n", `<legend`)
	if mv.Blank != 0 {
		f.s(` data-numbered="`, l.NewMeasureN, `"`)
	}
	f.s(`>`)
	switch {
	case mv.Key != "" && mv.Title != "":
		f.t(mv.Title)
	case mv.Key != "":
		f.s(l.Untitled)
	case mv.Blank != 0:
		f.t(numbered(mv.Blank))
	default:
		f.s(l.NewMeasure)
	}
	f.s(`</legend>`, "\n", `<input type="hidden" name="`, p, `key" value="`)
	f.t(mv.Key)
	f.s(`"><input type="hidden" name="`, p, `norm" value="`)
	f.t(mv.NormID)
	f.s(`">`, "\n")
	f.s(`<div><label for="`, p, `title">`, l.Title, `</label><input type="text" id="`, p, `title" name="`, p, `title" maxlength="300" value="`)
	f.t(mv.Title)
	f.s(`" `)
	f.attrs("title")
	f.s(`>`)
	f.fieldError("title")
	f.s(`</div>`, "\n")
	f.s(`<div><label for="`, p, `description">`, l.Description, `</label><textarea id="`, p, `description" name="`, p, `description" `)
	f.attrs("description", "md-hint")
	f.s(`>`)
	f.t(mv.Description)
	f.s(`</textarea>`)
	f.fieldError("description")
	f.s(`</div>`, "\n", `<div class="filters">`, "\n")
	f.s(`<div><label for="`, p, `type">`, l.Type, `</label><select id="`, p, `type" name="`, p, `type" `)
	f.attrs("type")
	f.s(`>`, string(types), `</select>`)
	f.fieldError("type")
	f.s(`</div>`, "\n")
	f.s(`<div><label for="`, p, `status">`, l.Status, `</label><select id="`, p, `status" name="`, p, `status" `)
	f.attrs("status")
	f.s(`>`, string(statuses), `</select>`)
	f.fieldError("status")
	f.s(`</div>`, "\n")
	f.s(`<div><label for="`, p, `date">`, l.Date, `</label><input type="text" id="`, p, `date" name="`, p, `date" value="`)
	f.t(mv.Date)
	f.s(`" placeholder="YYYY-MM-DD" `)
	f.attrs("date")
	f.s(`>`)
	f.fieldError("date")
	f.s(`</div>`, "\n", `</div>`, "\n")
	f.s(`<div><label for="`, p, `links">`, l.Links, `</label><textarea id="`, p, `links" name="`, p, `links" class="short" `)
	f.attrs("links", p+"links-hint")
	f.s(`>`)
	for _, k := range mv.Links {
		f.t(k.URL)
		if k.Label != "" {
			f.s(` `)
			f.t(k.Label)
		}
		f.s("\n")
	}
	f.s(`</textarea>`)
	f.fieldError("links")
	f.s(`<p class="hint" id="`, p, `links-hint">`, l.LinksHint, `</p></div>`, "\n")
	f.s(`<fieldset class="checks" id="`, p, `other"><legend>`, l.OtherNorms, `</legend>`)
	f.fieldError("other")
	others()
	f.s(`</fieldset>`, "\n")
	if mv.Key != "" {
		f.s(`<div class="check"><input type="checkbox" id="`, p, `remove" name="`, p, `remove" value="1"> <label for="`, p, `remove">`, l.Remove, `</label></div>`)
	}
	f.s("\n", `</fieldset>`)
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

// write writes the checkboxes of the measure whose inputs' names begin
// with p, under norm own, checked for the norms in checked.
func (o otherNorms) write(b *strings.Builder, p, own string, checked []string) {
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
}
