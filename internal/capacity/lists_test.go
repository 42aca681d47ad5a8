package capacity

import (
	"html/template"
	"net/url"
	"strings"
	"testing"
)

// tricky are values the lists' rows and filters must escape as
// html/template did: markup, quotes, the plus sign, NUL, percent signs
// with and without hex digits, spaces and non-ASCII letters.
var tricky = []string{"", "01JABCDEF0123456789XYZabcd", `<b>"Tom" & 'Jerry'</b>`, "a+b=c?d#e", "\x00nul", "50% off %41%4", "Côte d’Ivoire (é) [x]", "a b/c\\d"}

// The templates the lists' rows and options were written with before they
// were written in Go.
var (
	needRowsTmpl    = template.Must(template.New("").Parse(`{{range .}}<tr><td><a href="/capacity/needs/{{.ID}}">{{.Title}}</a></td><td>{{.State}}</td><td>{{.Kinds}}</td><td>{{.Status}}</td></tr>{{end}}`))
	offerRowsTmpl   = template.Must(template.New("").Parse(`{{range .}}<tr><td><a href="/capacity/offers/{{.ID}}">{{.Title}}</a></td><td>{{.Provider}}</td><td>{{.Kinds}}</td><td>{{.Free}} / {{.Capacity}}</td><td>{{.Status}}</td></tr>{{end}}`))
	optionsTmpl     = template.Must(template.New("").Parse(`{{$sel := .Sel}}{{range .Opts}}<option value="{{.V}}"{{if eq .V $sel}} selected{{end}}>{{.Label}}</option>{{end}}`))
	normOptionsTmpl = template.Must(template.New("").Parse(`{{$sel := .Sel}}{{range .Opts}}<option value="{{.V}}"{{if eq .V $sel}} selected{{end}} lang="{{.Lang}}">{{.Label}}</option>{{end}}`))
)

func render(t *testing.T, tm *template.Template, data any) template.HTML {
	t.Helper()
	var b strings.Builder
	if err := tm.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return template.HTML(b.String())
}

// TestListRowsAreWrittenAsTheTemplateWroteThem: the needs' and offers'
// rows, written in Go, are the bytes the template wrote for the same
// values, however odd the values.
func TestListRowsAreWrittenAsTheTemplateWroteThem(t *testing.T) {
	var d listData
	for i, a := range tricky {
		b := tricky[(i+3)%len(tricky)]
		d.NeedRows = append(d.NeedRows, needRow{ID: a, Title: b, State: a, Kinds: b, Status: a})
		d.OfferRows = append(d.OfferRows, offerRow{ID: a, Title: b, Provider: a, Kinds: b, Status: a, Free: i - 2, Capacity: 10 * i})
	}
	if got, want := d.NeedRowsHTML(), render(t, needRowsTmpl, d.NeedRows); got != want {
		t.Errorf("needs' rows:\n got %s\nwant %s", got, want)
	}
	if got, want := d.OfferRowsHTML(), render(t, offerRowsTmpl, d.OfferRows); got != want {
		t.Errorf("offers' rows:\n got %s\nwant %s", got, want)
	}
}

// TestFilterOptionsAreWrittenAsTheTemplateWroteThem: a filter's options,
// escaped once and kept, are written with the query's choice selected as
// the template wrote them, a norm's with its title's language.
func TestFilterOptionsAreWrittenAsTheTemplateWroteThem(t *testing.T) {
	type opt struct{ V, Lang, Label string }
	var opts []opt
	fv := &filterVocab{options: map[string][]filterOption{}}
	for i, v := range tricky {
		o := opt{V: v, Label: tricky[(i+1)%len(tricky)], Lang: tricky[(i+2)%len(tricky)]}
		opts = append(opts, o)
		fv.options["norm"] = append(fv.options["norm"], normOption(o.V, o.Lang, o.Label))
		fv.options["topic"] = append(fv.options["topic"], plainOption(o.V, o.Label))
	}
	for _, sel := range append(tricky, "none of them") {
		for param, tm := range map[string]*template.Template{"norm": normOptionsTmpl, "topic": optionsTmpl} {
			got := fv.selectOptions(param, url.Values{param: {sel}})
			if want := render(t, tm, map[string]any{"Sel": sel, "Opts": opts}); got != want {
				t.Errorf("%s, chosen %q:\n got %s\nwant %s", param, sel, got, want)
			}
		}
	}
}
