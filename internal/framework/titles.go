package framework

import (
	"encoding/json"
	"strings"
)

// titles are the translated short titles of the norms and the titles of the
// norm sets, per language: the keys framework.norm.<norm id> and
// framework.set_title.<set id> of the module's own catalogs (i18n/*.json),
// read once. The eleven GGE norms and the seeded sets have them in the six
// languages (the project's own translations, not the UN's official ones);
// the Paris Call principles and proposed norms exist only in English.
var titles = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	entries, _ := i18nFS.ReadDir("i18n")
	for _, e := range entries {
		lang := strings.TrimSuffix(e.Name(), ".json")
		b, err := i18nFS.ReadFile("i18n/" + e.Name())
		if err != nil {
			continue
		}
		m := map[string]string{}
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		out[lang] = map[string]string{}
		for k, v := range m {
			if strings.HasPrefix(k, "framework.norm.") || strings.HasPrefix(k, "framework.set_title.") {
				out[lang][k] = v
			}
		}
	}
	return out
}()

// localise gives n its short title in lang when there is one, and says in
// which language its short title is.
func localise(n *Norm, lang string) {
	n.TitleLang = "en"
	if lang == "en" {
		return
	}
	if t, ok := titles[lang]["framework.norm."+n.ID]; ok {
		n.ShortTitle, n.TitleLang = t, lang
	}
}

// Localise returns English norms (read with lang "en", e.g. to be kept) with
// their short titles in lang.
func Localise(norms []Norm, lang string) []Norm {
	out := make([]Norm, len(norms))
	for i, n := range norms {
		localise(&n, lang)
		out[i] = n
	}
	return out
}

// SetTitle is the title of the norm set in lang, and the language it is in
// (English when it has no translation).
func SetTitle(s NormSet, lang string) (title, titleLang string) {
	if t, ok := titles[lang]["framework.set_title."+s.ID]; ok {
		return t, lang
	}
	return s.Title, "en"
}
