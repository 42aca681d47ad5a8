package bulletin

import (
	htmltemplate "html/template"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// itemRow is an item as a list of items shows it (the archive's cards,
// cardTmpl, whose meta line is "itemmeta"'s markup): flat, its labels in the reader's language,
// its summary rendered. The archive shows fifty; read through the item,
// with its kind's word looked up and its summary rendered by template
// calls, they were four fifths of the archive's time (issue 20).
type itemRow struct {
	ID, Title  string
	TLP        string            // "TLP:AMBER"
	Kind       htmltemplate.HTML // the kind's word (web.Site.Term)
	OrgName    string
	Techniques string // "T1566, T1190"
	Summary    htmltemplate.HTML
}

// kindValues is Kinds as strings.
func kindValues() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

// option is a choice of a form's list, its label translated.
type option struct {
	Value, Label string
	Selected     bool
}

// options are values with their labels (the catalog's prefix + "." + value)
// in lang, the one equal to selected marked.
func (m *Module) options(lang, prefix string, values []string, selected string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Value: v, Label: m.site.Catalog.T(lang, prefix+"."+v), Selected: v == selected}
	}
	return out
}

// rows prepares items for a list in r's language.
func (m *Module) rows(r *http.Request, items []*Item) []itemRow {
	lang := web.Lang(r)
	kinds := map[Kind]htmltemplate.HTML{}
	out := make([]itemRow, len(items))
	for i, it := range items {
		k, ok := kinds[it.Kind]
		if !ok {
			k = m.site.Term(lang, "bulletin.kind", it.Kind)
			kinds[it.Kind] = k
		}
		out[i] = itemRow{ID: it.ID, Title: it.Title, TLP: it.TLP.String(), Kind: k, OrgName: it.OrgName,
			Techniques: strings.Join(it.Techniques, ", "), Summary: m.md.render(it.Summary)}
	}
	return out
}

// cardTmpl writes an archive's card as the archive's template did, with
// the "itemrow-meta" markup that was its own template (itemmeta's bytes,
// TestArchiveBytes), in the same context (the content of the list).
var cardTmpl = htmltemplate.Must(htmltemplate.New("card").Parse(
	`<li class="card"><h3><a href="/bulletin/items/{{.ID}}">{{.Title}}</a></h3><p>` +
		`<span class="badge">{{.TLP}}</span> <span class="badge">{{.Kind}}</span>{{with .OrgName}} · <bdi>{{.}}</bdi>{{end}}{{with .Techniques}} · ATT&amp;CK {{.}}{{end}}` +
		`</p>{{.Summary}}</li>`))

// cards writes the archive's cards: each is written once by cardTmpl and
// then kept by the row it shows (which holds its words in the reader's
// language), a card's seven actions with their escapers having been most
// of the archive's template time (issue 20). A changed item makes another
// row, so a kept card is never stale; the cache holds at most cardCacheMax
// cards and empties itself when full.
func (m *Module) cards(rows []itemRow) htmltemplate.HTML {
	cs := make([]htmltemplate.HTML, len(rows))
	n := 0
	for i := range rows {
		cs[i] = m.cardCache.card(&rows[i])
		n += len(cs[i])
	}
	var b strings.Builder
	b.Grow(n)
	for _, c := range cs {
		b.WriteString(string(c))
	}
	return htmltemplate.HTML(b.String())
}

type cardCache struct {
	mu sync.Mutex
	m  map[itemRow]htmltemplate.HTML
}

const cardCacheMax = 1024

func (c *cardCache) card(r *itemRow) htmltemplate.HTML {
	if len(r.Summary) > 2*mdCacheLen {
		return renderCard(r)
	}
	c.mu.Lock()
	h, ok := c.m[*r]
	c.mu.Unlock()
	if ok {
		return h
	}
	h = renderCard(r)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= cardCacheMax {
		c.m = make(map[itemRow]htmltemplate.HTML, 256)
	}
	c.m[*r] = h
	c.mu.Unlock()
	return h
}

func renderCard(r *itemRow) htmltemplate.HTML {
	var b strings.Builder
	if err := cardTmpl.Execute(&b, r); err != nil {
		panic(err) // a fixed template over strings
	}
	return htmltemplate.HTML(b.String())
}

// mdCache keeps the HTML of Markdown recently rendered, by its source: a
// list renders each item's summary through goldmark and the sanitiser
// (a fifth of the archive's time), the same summaries on every request.
// The HTML depends on the source alone, so an entry is never stale; the
// cache holds at most mdCacheMax entries of sources up to mdCacheLen
// bytes, and empties itself when full.
type mdCache struct {
	mu sync.Mutex
	m  map[string]htmltemplate.HTML
}

const (
	mdCacheMax = 1024
	mdCacheLen = 2048
)

func (c *mdCache) render(src string) htmltemplate.HTML {
	if len(src) > mdCacheLen {
		return Markdown(src)
	}
	c.mu.Lock()
	h, ok := c.m[src]
	c.mu.Unlock()
	if ok {
		return h
	}
	h = Markdown(src)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= mdCacheMax {
		c.m = make(map[string]htmltemplate.HTML, 256)
	}
	c.m[src] = h
	c.mu.Unlock()
	return h
}

// myItemRow is a row of the contributor's own items (the contribution
// page), flat, its words in the reader's language.
type myItemRow struct {
	ID, Title, TLP, Status, Updated string
	Kind                            htmltemplate.HTML
}

// myRows prepares the contributor's items in r's language.
func (m *Module) myRows(r *http.Request, items []*Item) []myItemRow {
	lang := web.Lang(r)
	t := m.site.Catalog.Labels(lang)
	out := make([]myItemRow, len(items))
	for i, it := range items {
		st := t("bulletin.status." + it.Status)
		var updated string
		if !it.UpdatedAt.IsZero() {
			updated = it.UpdatedAt.UTC().Format("2006-01-02") // as the "date" template function writes it
		}
		out[i] = myItemRow{ID: it.ID, Title: it.Title, TLP: it.TLP.String(), Status: st, Updated: updated, Kind: m.site.Term(lang, "bulletin.kind", it.Kind)}
	}
	return out
}

// optionTmpl writes a select's options as the archive's template wrote
// them (in the same context, the content of an element), for optionsHTML.
var optionTmpl = htmltemplate.Must(htmltemplate.New("options").Parse(
	`{{range .}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}`))

// optionsHTML is options(lang, prefix, values, selected) written as HTML,
// kept per language, list and selected value: the archive's three lists
// are 27 options, each three fields and a test for the template, on every
// request (issue 20). A selected value that is none of the values selects
// none, as the template did, and is not kept apart.
func (m *Module) optionsHTML(lang, prefix string, values []string, selected string) htmltemplate.HTML {
	if !slices.Contains(values, selected) {
		selected = ""
	}
	key := lang + "\x00" + prefix + "\x00" + selected
	if h, ok := m.optionsMemo.Load(key); ok {
		return h.(htmltemplate.HTML)
	}
	var b strings.Builder
	if err := optionTmpl.Execute(&b, m.options(lang, prefix, values, selected)); err != nil {
		panic(err) // a fixed template over strings and a bool
	}
	h := htmltemplate.HTML(b.String())
	m.optionsMemo.Store(key, h)
	return h
}

// itemForm is the choices of the item form ("itemform"), labelled in the
// reader's language, those of the input marked.
type itemForm struct {
	Kinds, Sectors, Regions []option
}

func (m *Module) itemForm(r *http.Request, f formInput) itemForm {
	lang := web.Lang(r)
	form := itemForm{Kinds: m.options(lang, "bulletin.kind", kindValues(), f.Kind),
		Sectors: m.options(lang, "bulletin.sector", Sectors, ""), Regions: m.options(lang, "bulletin.region", Regions, "")}
	for i := range form.Sectors {
		form.Sectors[i].Selected = slices.Contains(f.Sectors, form.Sectors[i].Value)
	}
	for i := range form.Regions {
		form.Regions[i].Selected = slices.Contains(f.Regions, form.Regions[i].Value)
	}
	return form
}
