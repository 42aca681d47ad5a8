package vep

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Form is one form on a page: the values its fields show and, after a
// refused submission, the message for each field that was refused (by the
// field's element id). A page shows its forms from a Form whether it is
// rendered fresh (values from the record or defaults) or again after an
// error (the values the user typed), so nothing typed is ever lost.
type Form struct {
	Values url.Values
	Errors map[string]string
}

// Value is the value of the field named name.
func (f Form) Value(name string) string { return f.Values.Get(name) }

// Checked reports whether the checkbox named name was ticked.
func (f Form) Checked(name string) bool { return f.Values.Get(name) != "" }

// Err is the message for the element id, or "".
func (f Form) Err(id string) string { return f.Errors[id] }

// Invalid marks the element id as invalid for assistive technology and
// points it at its message (rendered by the "field-error" template with
// the id id+"-error").
func (f Form) Invalid(id string) template.HTMLAttr {
	if f.Errors[id] == "" {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(id) + `-error"`)
}

// Failure is a refused form submission, summarised at the top of the page:
// each item links to the field it concerns (ID), or has no ID when the
// refusal is about the state of things rather than one field (a closed
// period, a second objection).
type Failure struct {
	Items []FailureItem
}

// FailureItem is one line of the summary. Label is a catalog key.
type FailureItem struct {
	ID, Label, Message string
}

// field is where a service's field name is shown in one form: the
// element's id and the catalog key of its label.
type field struct{ ID, Label string }

// fields maps the service's field names (those of api.Error.Field) to the
// form's elements.
type fields map[string]field

// refusal turns a service error into the form shown again: the values
// posted, the message next to the field in the reader's language, the
// summary and the status (422 for invalid input, 409 for a refusal by the
// state of things). It reports
// false for errors that are not about the submission (not found, forbidden,
// failures), which the caller answers with m.fail.
func (m *Module) refusal(r *http.Request, err error, fs fields) (Form, *Failure, int, bool) {
	var ae *api.Error
	if !errors.As(err, &ae) {
		return Form{}, nil, 0, false
	}
	f := Form{Values: posted(r), Errors: map[string]string{}}
	reason := m.site.Catalog.ErrorText(web.Lang(r), ae)
	item := FailureItem{Message: reason}
	if x, ok := fs[ae.Field]; ok {
		item.ID, item.Label = x.ID, x.Label
		f.Errors[x.ID] = reason
	}
	return f, &Failure{Items: []FailureItem{item}}, ae.Status, true
}

// posted is a copy of the submitted form values.
func posted(r *http.Request) url.Values {
	v := url.Values{}
	for k, vs := range r.PostForm {
		v[k] = append([]string(nil), vs...)
	}
	return v
}

// number reads a whole number from a form field: 0 when empty, an error
// naming field when it is not a number.
func number(r *http.Request, name, field string) (int, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, api.Invalid(field, "must be a whole number")
	}
	return n, nil
}
