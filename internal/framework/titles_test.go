package framework

import (
	"testing"

	"github.com/cybernorms/cybernorms/internal/framework/seed"
)

// TestEveryGGENormHasItsShortTitleInEachLanguage: the eleven norms' short
// titles are shown on the questionnaire, the monitoring pages and the norms
// list; each has its own words in the six languages, and the English one is
// the seeded title.
func TestEveryGGENormHasItsShortTitleInEachLanguage(t *testing.T) {
	rows, err := seed.Norms()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		id := GGE2015 + "-" + r.Letter
		if got := titles["en"]["framework.norm."+id]; got != shortTitles[r.Letter] {
			t.Errorf("%s: English catalog title %q, seeded %q", id, got, shortTitles[r.Letter])
		}
		for _, lang := range []string{"ar", "zh", "fr", "ru", "es"} {
			n := Localise([]Norm{{ID: id, Set: GGE2015, Code: r.Letter, ShortTitle: shortTitles[r.Letter]}}, lang)[0]
			if n.TitleLang != lang || n.ShortTitle == shortTitles[r.Letter] || n.ShortTitle == "" {
				t.Errorf("%s in %s: %q (%s)", id, lang, n.ShortTitle, n.TitleLang)
			}
		}
	}
	p := Localise([]Norm{{ID: "paris-call-1", Set: ParisCall, Code: "1", ShortTitle: "Prevent…"}}, "fr")[0]
	if p.ShortTitle != "Prevent…" || p.TitleLang != "en" {
		t.Errorf("an English-only title must stay English and say so: %+v", p)
	}
	if l := (Norm{Set: Proposed, Code: "supply-chain"}).Label(); l != "" {
		t.Errorf("a proposed norm's internal code is not a label: %q", l)
	}
	for _, s := range []string{GGE2015, ParisCall, Proposed} {
		if title, lang := SetTitle(NormSet{ID: s, Title: "x"}, "ar"); lang != "ar" || title == "x" {
			t.Errorf("set %s has no Arabic title", s)
		}
	}
}
