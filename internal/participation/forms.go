package participation

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
		return 0, invalid(field, "must be a whole number")
	}
	return n, nil
}

// The forms' fields, by the service's field names.
var (
	bodyFields = fields{"slug": {"slug", "participation.slug"}, "name": {"name", "participation.name"}, "description": {"description", "participation.description"},
		"modality": {"modality", "participation.modality"}, "objection_days": {"objection_days", "participation.objection_days"},
		"voting_days": {"voting_days", "participation.voting_days"}, "majority": {"majority", "participation.majority"}, "votes": {"votes", "participation.votes"}}
	sessionFields = fields{"slug": {"s-slug", "participation.slug"}, "title": {"s-title", "participation.session_title"}, "kind": {"s-kind", "participation.kind"},
		"format": {"s-format", "participation.format"}, "starts_on": {"s-start", "participation.starts_on"}, "ends_on": {"s-end", "participation.ends_on"},
		"apply_by": {"s-apply", "participation.apply_by"}, "place": {"s-place", "participation.place"}, "programme": {"s-prog", "participation.programme"}}
	applyFields     = fields{"justification": {"justification", "participation.justification"}}
	statementFields = fields{"title": {"st-title", "participation.statement_title"}, "lang": {"st-lang", "participation.language"},
		"delivery": {"st-delivery", "participation.delivery"}, "body": {"st-body", "participation.statement_body"}, "file": {"st-file", "participation.statement_file"}}
	objectFields  = fields{"reason": {"reason", "participation.reason"}}
	voteFields    = fields{"choice": {"v-yes", "participation.vote"}}
	profileFields = fields{"type": {"type", "participation.org_type"}, "ecosoc_status": {"ecosoc", "participation.ecosoc"}, "headquarters": {"hq", "participation.hq"},
		"website": {"website", "participation.website"}, "membership_size": {"members", "participation.members"}, "description": {"description", "participation.description"}}
	consultationFields = fields{"slug": {"slug", "participation.slug"}, "title": {"title", "participation.session_title"}, "description": {"description", "participation.description"},
		"questions": {"questions", "participation.questions_help"}, "audience": {"audience", "participation.audience"}, "closes_on": {"closes_on", "participation.closes"}}
	searchFields = fields{"q": {"q", "participation.search"}}
)

// problemLabels are the label keys of the fields a refusal shown on a page
// of its own (problem.html) may name: every form's, the first form's label
// where two forms give a field the same name. "body" names the statement's
// text in its form but the body (organ) in a refusal of its own.
var problemLabels = func() map[string]string {
	out := map[string]string{"body": ""}
	for _, fs := range []fields{bodyFields, sessionFields, applyFields, statementFields, objectFields, voteFields, profileFields, consultationFields, searchFields} {
		for k, f := range fs {
			if _, ok := out[k]; !ok {
				out[k] = f.Label
			}
		}
	}
	return out
}()
