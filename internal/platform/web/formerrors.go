package web

import (
	"html"
	"html/template"
	"strings"
)

// FieldError is one refusal of a form, shown next to its field and linked
// from the error summary at the top of the form (the GOV.UK error summary
// pattern): every refusal at once, each named in words, in the reader's
// language.
type FieldError struct {
	// ID is the id of the refused input: the summary links to #ID, and the
	// message next to the field has the id ID-error.
	ID string
	// Label names the field in words ("Measure 3 under norm (c), date").
	Label string
	// Message says why, in the reader's language.
	Message string
}

// FormErrors are a form's refusals, in the order of the form. A handler
// fills them from its service's refusals and passes them to its page; the
// template shows them with
//
//	{{.ErrorSummary .Data.Errors}}                  at the top of the form
//	<input id="x" {{fieldAttrs .Data.Errors "x"}}>  on each field (aria-invalid, aria-describedby)
//	{{fieldError .Data.Errors "x"}}                 next to each field
type FormErrors []FieldError

// For returns the refusal of the field with that id, or nil.
func (e FormErrors) For(id string) *FieldError {
	for i := range e {
		if e[i].ID == id {
			return &e[i]
		}
	}
	return nil
}

// FieldMessage is the message shown next to the field, or nothing.
func FieldMessage(e FormErrors, id string) template.HTML {
	f := e.For(id)
	if f == nil {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + html.EscapeString(id) + `-error">` + html.EscapeString(f.Message) + `</p>`)
}

// FieldAttrs are the attributes of a field: aria-invalid and the message's
// id in aria-describedby when it was refused, followed by the ids of any
// other descriptions it has (which it must not then name itself).
func FieldAttrs(e FormErrors, id string, describedBy ...string) template.HTMLAttr {
	ids := describedBy
	var b strings.Builder
	if e.For(id) != nil {
		b.WriteString(`aria-invalid="true" `)
		ids = append([]string{id + "-error"}, describedBy...)
	}
	if len(ids) > 0 {
		b.WriteString(`aria-describedby="` + html.EscapeString(strings.Join(ids, " ")) + `"`)
	}
	return template.HTMLAttr(strings.TrimSpace(b.String()))
}

// ErrorSummary is the box at the top of a refused form: a heading and one
// link per refusal to its field, focusable so that a script or the reader
// can go to it first. Empty when there is no refusal.
func (p Page) ErrorSummary(e FormErrors) template.HTML {
	if len(e) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<div class="errors error-summary" role="alert" tabindex="-1" id="error-summary"><h2>`)
	b.WriteString(html.EscapeString(p.T("form.errors")))
	b.WriteString(`</h2><ul>`)
	for _, f := range e {
		b.WriteString(`<li><a href="#` + html.EscapeString(f.ID) + `">`)
		if f.Label != "" {
			b.WriteString(html.EscapeString(f.Label) + ": ")
		}
		b.WriteString(html.EscapeString(f.Message) + `</a></li>`)
	}
	// static/errorsummary.js (loaded by the layout) moves the focus to the
	// summary and, from its links, to the fields.
	b.WriteString(`</ul></div>`)
	return template.HTML(b.String())
}
