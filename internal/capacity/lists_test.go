package capacity

import (
	"html/template"
	"net/url"
	"strings"
	"testing"
	"time"
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

// TestEventRowsAreWrittenAsTheTemplateWroteThem: the events' rows, written
// in Go, are the bytes the template wrote, cancelled and online events and
// odd organiser keys included.
func TestEventRowsAreWrittenAsTheTemplateWroteThem(t *testing.T) {
	tf := func(key string, _ ...any) string { return "«" + key + "» <&'\"+>" }
	tm := template.Must(template.New("").Funcs(template.FuncMap{"sub": func(a, b int) int { return a - b }, "t": tf}).Parse(
		`{{range .}}<tr><td><a href="/capacity/events/{{.ID}}">{{.Title}}</a> ({{t (print "capacity.ekind." .Kind)}}){{if eq .Status "cancelled"}} — <strong>{{t "capacity.cancelled"}}</strong>{{end}}</td><td>{{.Local .StartsAt}}</td><td><a href="/capacity/events?organiser={{.OrganiserKey}}">{{.Organiser}}</a></td><td>{{.Place}}{{if .OnlineURL}} {{t "capacity.online"}}{{end}}</td><td>{{sub .Capacity .Confirmed}}</td></tr>{{end}}`))
	d := eventsData{t: tf}
	for i, a := range tricky {
		b := tricky[(i+5)%len(tricky)]
		e := Event{ID: a, Title: b, Kind: a, OrganiserKey: b, Organiser: a, Place: b, TZ: []string{"Europe/Paris", "America/New_York", "bogus", ""}[i%4],
			StartsAt: time.Date(2027, 3, i+1, 9, 30, 0, 0, time.UTC), Capacity: 10 * i, Confirmed: i}
		if i%2 == 0 {
			e.Status, e.OnlineURL = "cancelled", "https://example.org/"+a
		}
		d.Events = append(d.Events, e)
	}
	if got, want := d.RowsHTML(), render(t, tm, d.Events); got != want {
		t.Errorf("events' rows:\n got %s\nwant %s", got, want)
	}
}

// TestIndexItemsAreWrittenAsTheTemplateWroteThem: the index's newest needs
// and offers, written in Go, are the bytes the template wrote.
func TestIndexItemsAreWrittenAsTheTemplateWroteThem(t *testing.T) {
	needs := template.Must(template.New("").Parse(`{{range .}}<li><a href="/capacity/needs/{{.ID}}">{{.Title}}</a> — {{.StateName}}</li>{{end}}`))
	offers := template.Must(template.New("").Parse(`{{range .}}<li><a href="/capacity/offers/{{.ID}}">{{.Title}}</a> — {{.Provider}}</li>{{end}}`))
	var d indexData
	for i, a := range tricky {
		b := tricky[(i+3)%len(tricky)]
		d.Needs = append(d.Needs, Need{ID: a, Title: b, StateName: a})
		d.Offers = append(d.Offers, Offer{ID: b, Title: a, Provider: b})
	}
	if got, want := d.NeedItems(), render(t, needs, d.Needs); got != want {
		t.Errorf("needs:\n got %s\nwant %s", got, want)
	}
	if got, want := d.OfferItems(), render(t, offers, d.Offers); got != want {
		t.Errorf("offers:\n got %s\nwant %s", got, want)
	}
}
