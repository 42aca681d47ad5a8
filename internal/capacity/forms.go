package capacity

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// Form is a form's values and, after a refusal, the message of the refused
// field, so nothing typed is lost.
type Form struct {
	Values url.Values
	Field  string // the refused field
	Label  string // its label in the reader's language
	Error  string
	Status int
}

// Value is the value of the field.
func (f Form) Value(name string) string { return f.Values.Get(name) }

// Has reports whether the multi-valued field holds v.
func (f Form) Has(name, v string) bool { return contains(ParseList(f.Values[name]), v) }

// Err is the message for the field, or "".
func (f Form) Err(name string) string {
	if f.Field == name {
		return f.Error
	}
	return ""
}

// Invalid marks the refused field for assistive technology.
func (f Form) Invalid(name string) template.HTMLAttr {
	if f.Field != name {
		return ""
	}
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(name) + `-error"`)
}

// refused turns a service error into the form shown again, its reason in
// the reader's language; false for errors that are not about the input.
func (m *Module) refused(r *http.Request, err error) (Form, bool) {
	var ae *api.Error
	if !errors.As(err, &ae) {
		return Form{}, false
	}
	lang := web.Lang(r)
	label := ae.Field
	if _, ok := m.site.Catalog.Lookup("en", "capacity.field."+ae.Field); ok {
		label = m.site.Catalog.T(lang, "capacity.field."+ae.Field)
	}
	return Form{Values: posted(r), Field: ae.Field, Label: label, Error: m.site.Catalog.ErrorText(lang, ae), Status: ae.Status}, true
}

func posted(r *http.Request) url.Values {
	v := url.Values{}
	for k, vs := range r.PostForm {
		v[k] = append([]string(nil), vs...)
	}
	return v
}

// formInt reads a whole number; -1 when it is not one (the service refuses it).
func formInt(r *http.Request, name string) int {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// Vocab is what the forms and filters offer to choose from.
type Vocab struct {
	Norms        []framework.Norm
	Kinds        []string
	Topics       []string
	Languages    []string
	Regions      []string
	Sizes        []string
	Costs        []string
	Pillars      []string
	Visibilities []string
	// ProjectStatuses are a project's statuses.
	ProjectStatuses []string
}

func needValues(n Need) url.Values {
	return url.Values{"title": {n.Title}, "description": {n.Description}, "visibility": {n.Visibility}, "norms": n.Norms, "pillars": n.Pillars,
		"topics": n.Topics, "kinds": n.Kinds, "languages": n.Languages, "starts_on": {n.StartsOn}, "ends_on": {n.EndsOn}, "size": {n.Size},
		"report_id": {n.ReportID}, "report_norm": {n.ReportNorm}}
}

func needInputFrom(r *http.Request) NeedInput {
	f := r.PostForm
	return NeedInput{Title: f.Get("title"), Description: f.Get("description"), Visibility: f.Get("visibility"), Norms: ParseList(f["norms"]),
		Pillars: ParseList(f["pillars"]), Topics: ParseList(f["topics"]), Kinds: ParseList(f["kinds"]), Languages: ParseList(f["languages"]),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Size: f.Get("size"), ReportID: f.Get("report_id"), ReportNorm: f.Get("report_norm")}
}

func offerValues(o Offer) url.Values {
	return url.Values{"title": {o.Title}, "description": {o.Description}, "norms": o.Norms, "topics": o.Topics, "kinds": o.Kinds, "languages": o.Languages,
		"regions": o.Regions, "starts_on": {o.StartsOn}, "ends_on": {o.EndsOn}, "capacity": {strconv.Itoa(o.Capacity)}, "cost": {o.Cost}, "contact": {o.Contact}}
}

func offerInputFrom(r *http.Request) OfferInput {
	f := r.PostForm
	return OfferInput{Title: f.Get("title"), Description: f.Get("description"), Norms: ParseList(f["norms"]), Topics: ParseList(f["topics"]),
		Kinds: ParseList(f["kinds"]), Languages: ParseList(f["languages"]), Regions: ParseList(f["regions"]), StartsOn: f.Get("starts_on"),
		EndsOn: f.Get("ends_on"), Capacity: formInt(r, "capacity"), Cost: f.Get("cost"), Contact: f.Get("contact"), Publish: f.Get("publish") != ""}
}

// CheckGroup is a fieldset of checkboxes, its labels already translated.
type CheckGroup struct {
	Name, Legend, Err string
	Options           []CheckOption
}

// CheckOption is one checkbox.
type CheckOption struct {
	Value, Label string
	Checked      bool
}

// checks builds a checkbox group for a form field.
func (m *Module) checks(r *http.Request, f Form, name, prefix string, options []string) CheckGroup {
	lang := web.Lang(r)
	g := CheckGroup{Name: name, Legend: m.site.Catalog.T(lang, "capacity.field."+name), Err: f.Err(name)}
	for _, o := range options {
		g.Options = append(g.Options, CheckOption{Value: o, Label: m.site.Catalog.T(lang, prefix+o), Checked: f.Has(name, o)})
	}
	return g
}
