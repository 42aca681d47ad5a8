package reporting_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestFormRefusalsAreShownAtTheirFields posts an edit form with several
// mistakes in two measures and checks that the page shows every one at
// once, each beside its field and linked from the summary, naming the
// measure in words in the reader's language, that nothing was saved, and
// that an autosave of the same form gets the same refusals with the ids of
// the page's inputs.
func TestFormRefusalsAreShownAtTheirFields(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	ed := rig.SignIn(t, w.fraEdU)
	form := url.Values{"revision": {"1"}, "count": {"3"},
		"m.0.norm": {"gge2015-c"}, "m.0.title": {"CSIRT"}, "m.0.type": {"institution"}, "m.0.status": {"implemented"}, "m.0.date": {"2025"},
		"m.1.norm": {"gge2015-c"}, "m.1.title": {"Exercises"}, "m.1.type": {"practice"}, "m.1.status": {"planned"}, "m.1.date": {"March 2025"}, "m.1.links": {"www.example.org Our page"},
		"m.2.norm": {"gge2015-a"}, "m.2.title": {"Act"}, "m.2.type": {"legislation"}, "m.2.status": {"implemented"}, "m.2.date": {"2025-13"}}
	resp := ed.PostForm(t, "/reports/"+id+"/edit", form)
	page := testrig.Body(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{
		`<a href="#m.1.date">Measure 2 under norm (c), date: “March 2025” is not a date`,
		`<a href="#m.1.links">Measure 2 under norm (c), evidence links: “www.example.org” is not an address`,
		`<a href="#m.2.date">Measure 1 under norm (a), date: “2025-13” is not a date`,
		`id="m.1.date" name="m.1.date" value="March 2025" placeholder="YYYY-MM-DD" aria-invalid="true" aria-describedby="m.1.date-error">`,
		`<p class="field-error" id="m.1.date-error">“March 2025” is not a date`,
		`<p class="field-error" id="m.1.links-error">`,
		`<p class="field-error" id="m.2.date-error">`,
		` novalidate`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the refused page lacks %s", want)
		}
	}
	if strings.Contains(page, `id="m.0.date-error"`) || strings.Contains(page, "measures[") {
		t.Errorf("a valid field is marked, or a refusal is named by its JSON path")
	}
	if v := w.fraEd.must(t, 200, "GET", "/api/v1/reports/"+id, nil); v["report"].(map[string]any)["revision"].(float64) != 1 {
		t.Errorf("a refused form changed the draft: %v", v["report"])
	}

	t.Run("in French", func(t *testing.T) {
		resp := ed.Do(t, "POST", "/reports/"+id+"/edit", form, map[string]string{"Accept-Language": "fr"})
		page := testrig.Body(resp)
		if !strings.Contains(page, "Mesure 2 au titre de la norme (c), date : « March 2025 » n&#39;est pas une date") &&
			!strings.Contains(page, "Mesure 2 au titre de la norme (c), date: « March 2025 » n&#39;est pas une date") {
			i := strings.Index(page, "error-summary")
			t.Errorf("French refusal not found: %s", page[max(i, 0):min(len(page), max(i, 0)+600)])
		}
	})

	t.Run("an autosave gets every refusal with the page's input ids", func(t *testing.T) {
		resp := ed.Do(t, "POST", "/reports/"+id+"/edit", form, map[string]string{"Accept": "application/json"})
		var a struct {
			Message string `json:"message"`
			Errors  []struct{ ID, Label, Message string }
		}
		if err := json.Unmarshal([]byte(testrig.Body(resp)), &a); err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("autosave: %d %v", resp.StatusCode, err)
		}
		var ids []string
		for _, e := range a.Errors {
			ids = append(ids, e.ID)
		}
		if strings.Join(ids, " ") != "m.1.date m.1.links m.2.date" || a.Errors[0].Label != "Measure 2 under norm (c), date" || !strings.Contains(a.Message, "beside the fields") {
			t.Errorf("autosave refusal: %+v", a)
		}
	})
}

// TestTheFormHasNoSilentDefaults checks that a measure posted through the
// form without a chosen type or status is refused beside those fields,
// together with the content's other refusals, that new measures offer
// "Choose…" rather than a preselected type, that other norms are
// checkboxes, and that the read view labels the date without the form's
// hint.
func TestTheFormHasNoSilentDefaults(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	ed := rig.SignIn(t, w.fraEdU)
	page := ed.GetBody(t, "/reports/"+id+"/edit/gge2015-c")
	if !strings.Contains(page, `<select id="m.0.type" name="m.0.type" ><option value="" selected>Choose…</option>`) ||
		!strings.Contains(page, `type="checkbox" id="m.0.other-gge2015-a" name="m.0.other" value="gge2015-a"`) {
		t.Errorf("the blank measure preselects a type, or other norms are not checkboxes")
	}
	form := url.Values{"revision": {"1"}, "count": {"1"}, "m.0.norm": {"gge2015-c"}, "m.0.title": {"CSIRT"}, "m.0.date": {"soon"}}
	resp := ed.PostForm(t, "/reports/"+id+"/edit/gge2015-c", form)
	body := testrig.Body(resp)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a measure without type and status: %d", resp.StatusCode)
	}
	for _, want := range []string{`href="#m.0.type"`, `href="#m.0.status"`, `href="#m.0.date"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal lacks %s", want)
		}
	}
	form.Set("m.0.type", "institution")
	form.Set("m.0.status", "implemented")
	form.Set("m.0.date", "2025")
	form.Add("m.0.other", "gge2015-a")
	if resp := ed.PostForm(t, "/reports/"+id+"/edit/gge2015-c", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the corrected measure: %d", resp.StatusCode)
	}
	show := ed.GetBody(t, "/reports/"+id)
	if !strings.Contains(show, "<dt>Date</dt><dd>2025</dd>") || strings.Contains(show, "Date (YYYY") || !strings.Contains(show, "(a)") {
		t.Errorf("the read view shows the form's hint, or not the other norm")
	}
}
