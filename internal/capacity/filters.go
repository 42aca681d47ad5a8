package capacity

import (
	"context"
	"html/template"
	"net/url"
	"strings"

	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/web"
)

// filterVocab is what the lists' filters offer in one language: the
// vocabulary, and each select's options escaped once, as the templates
// escaped them, so that a page writes them with the reader's choice
// selected instead of translating and escaping some sixty options on every
// view. It is kept per language until something is written (the framework's
// norms are read from the database) and shared: callers must not change it.
type filterVocab struct {
	Vocab
	options map[string][]filterOption // by the filter's query parameter
}

// filterOption is one <option>: head is `<option value="v"`, tail the rest
// after the place of " selected".
type filterOption struct{ value, head, tail string }

// plainOption is an option with its label.
func plainOption(value, label string) filterOption {
	esc := web.HTMLText.Replace
	return filterOption{value: value, head: `<option value="` + esc(value) + `"`, tail: `>` + esc(label) + `</option>`}
}

// normOption is a norm's option, its label in the language lang (the
// framework's English-only titles are marked lang="en").
func normOption(value, lang, label string) filterOption {
	esc := web.HTMLText.Replace
	return filterOption{value: value, head: `<option value="` + esc(value) + `"`, tail: ` lang="` + esc(lang) + `">` + esc(label) + `</option>`}
}

// filters answers the filters' vocabulary in the request's language.
func (m *Module) filters(ctx context.Context) (*filterVocab, error) {
	lang := web.LangOf(ctx)
	return m.svc.filterVocabs.Get(ctx, m.svc.P.DB, lang, func(ctx context.Context) (*filterVocab, error) {
		norms, err := m.svc.FW.Norms(ctx, "", lang)
		if err != nil {
			return nil, err
		}
		fv := &filterVocab{Vocab: vocabWith(norms), options: map[string][]filterOption{}}
		for _, n := range norms {
			fv.options["norm"] = append(fv.options["norm"], normOption(n.ID, n.TitleLang, n.Label()+" "+n.ShortTitle))
		}
		for _, l := range []struct {
			param, prefix string
			values        []string
		}{{"topic", "capacity.topic.", Topics}, {"kind", "capacity.kind.", KindsOfHelp}, {"region", "capacity.region.", Regions}, {"language", "capacity.lang.", Languages}} {
			for _, v := range l.values {
				fv.options[l.param] = append(fv.options[l.param], plainOption(v, m.site.Catalog.T(lang, l.prefix+v)))
			}
		}
		return fv, nil
	})
}

// vocabWith is the vocabulary with the framework's norms.
func vocabWith(norms []framework.Norm) Vocab {
	return Vocab{Norms: norms, Kinds: KindsOfHelp, Topics: Topics, Languages: Languages, Regions: Regions, Sizes: Sizes, Costs: CostBases,
		Pillars: Pillars, Visibilities: Visibilities, ProjectStatuses: []string{ProjectRunning, ProjectFinished, ProjectCancelled}}
}

// selectOptions writes the options of the filter param with the value the
// query chose selected.
func (fv *filterVocab) selectOptions(param string, q url.Values) template.HTML {
	opts := fv.options[param]
	chosen := q.Get(param)
	n := 0
	for _, o := range opts {
		n += len(o.head) + len(o.tail)
	}
	var b strings.Builder
	b.Grow(n + len(" selected"))
	for _, o := range opts {
		b.WriteString(o.head)
		if o.value == chosen {
			b.WriteString(" selected")
		}
		b.WriteString(o.tail)
	}
	return template.HTML(b.String()) // #nosec: escaped by web.HTMLText
}
