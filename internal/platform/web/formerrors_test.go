package web

import (
	"html/template"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFormErrorsShowEachRefusalAtItsFieldAndInTheSummary(t *testing.T) {
	tpl := template.Must(template.New("f").Funcs(Funcs).Parse(
		`{{.P.ErrorSummary .E}}<input id="m.3.date" {{fieldAttrs .E "m.3.date"}}>{{fieldError .E "m.3.date"}}` +
			`<textarea id="d" {{fieldAttrs .E "d" "md-hint"}}></textarea>{{fieldError .E "d"}}<input id="t" {{fieldAttrs .E "t"}}>{{fieldError .E "t"}}`))
	site := &Site{Catalog: NewCatalog()}
	p := Page{Lang: "en", site: site}
	errs := FormErrors{{ID: "m.3.date", Label: "Measure 3 under norm (c), date", Message: "write it YYYY, YYYY-MM or YYYY-MM-DD"}, {ID: "d", Label: "<b>", Message: "too long & wrong"}}
	var b strings.Builder
	if err := tpl.Execute(&b, map[string]any{"P": p, "E": errs}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`<a href="#m.3.date">Measure 3 under norm (c), date: write it YYYY, YYYY-MM or YYYY-MM-DD</a>`,
		`<input id="m.3.date" aria-invalid="true" aria-describedby="m.3.date-error">`,
		`<p class="field-error" id="m.3.date-error">write it YYYY`,
		`<textarea id="d" aria-invalid="true" aria-describedby="d-error md-hint">`,
		`&lt;b&gt;: too long &amp; wrong`,
		`<input id="t" >`,
		`role="alert"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	if _, err := staticFS.ReadFile("static/errorsummary.js"); err != nil {
		t.Errorf("the summary's script is not served: %v", err)
	}
	w := httptest.NewRecorder()
	layoutSite(t).Render(w, httptest.NewRequest("GET", "/", nil), 200, "t/plain.html", "", nil)
	if !strings.Contains(w.Body.String(), `<script src="/static/errorsummary.js" defer></script>`) {
		t.Error("the layout does not load the error summary's script")
	}
	if strings.Count(out, "field-error") != 2 {
		t.Errorf("a message beside each refused field only:\n%s", out)
	}
	b.Reset()
	_ = tpl.Execute(&b, map[string]any{"P": p, "E": FormErrors(nil)})
	if strings.Contains(b.String(), "error") || !strings.Contains(b.String(), `aria-describedby="md-hint"`) {
		t.Errorf("without refusals: %s", b.String())
	}
}
