package web

import (
	"errors"
	"testing"
	"testing/fstest"
)

type keyedErr struct{}

func (keyedErr) Error() string               { return "name: is required" }
func (keyedErr) MessageKey() (string, []any) { return "t.required", []any{"nom"} }

func TestTermTranslatesOrMarksTheRawValueAsEnglish(t *testing.T) {
	c := NewCatalog()
	if err := c.Load(fstest.MapFS{
		"en.json": {Data: []byte(`{"k.kind.threat":"threat","k.kind.trend":"trend","t.required":"%s is required"}`)},
		"fr.json": {Data: []byte(`{"k.kind.threat":"menace","t.required":"%s est requis"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	p := Page{Lang: "fr", site: &Site{Catalog: c}}
	if got := p.Term("k.kind", "threat"); got != "menace" {
		t.Errorf("translated term = %q", got)
	}
	if got := p.Term("k.kind", "trend"); got != `<bdi lang="en">trend</bdi>` {
		t.Errorf("term with only an English word = %q", got)
	}
	if got := p.Term("k.kind", "a<b"); got != `<bdi lang="en">a&lt;b</bdi>` {
		t.Errorf("unknown value = %q", got)
	}
	if got := p.ErrorText(keyedErr{}); got != "nom est requis" {
		t.Errorf("keyed error = %q", got)
	}
	if got := p.ErrorText(errors.New("plain")); got != "plain" {
		t.Errorf("plain error = %q", got)
	}
}
