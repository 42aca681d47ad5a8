package reporting_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestAutosaveAnswersJSON posts the edit form as autosave.js does (asking
// for JSON) and checks the answers: the new revision and the keys of new
// measures; a stale save refused with 409 and a message naming who saved,
// changing nothing; invalid input refused with 422 naming the field.
func TestAutosaveAnswersJSON(t *testing.T) {
	rig := testrig.New(t)
	sec := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	resp := sec.PostForm(t, "/cycles", url.Values{"name": {"2026"}, "opens_on": {day(-24 * time.Hour)}, "due_on": {day(24 * time.Hour)}, "closes_on": {day(48 * time.Hour)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create cycle: %d", resp.StatusCode)
	}
	ed := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
	resp = ed.PostForm(t, "/reports/start", url.Values{"cycle_id": {strings.TrimPrefix(resp.Header.Get("Location"), "/cycles/")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	editPath := resp.Header.Get("Location")
	type answer struct {
		Revision int               `json:"revision"`
		Message  string            `json:"message"`
		Keys     map[string]string `json:"keys"`
		Code     string            `json:"code"`
		Field    string            `json:"field"`
	}
	autosave := func(form url.Values, want int) answer {
		t.Helper()
		resp := ed.Do(t, "POST", editPath, form, map[string]string{"Accept": "application/json"})
		body := testrig.Body(resp)
		if resp.StatusCode != want || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("autosave: status %d (%s), want %d as JSON: %s", resp.StatusCode, resp.Header.Get("Content-Type"), want, body)
		}
		var a answer
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	form := url.Values{"revision": {"1"}, "count": {"11"}, "m.2.norm": {"gge2015-c"}, "m.2.title": {"National CSIRT"}, "m.2.type": {"institution"}, "m.2.status": {"implemented"}}
	first := autosave(form, http.StatusOK)
	key := first.Keys["2"]
	if first.Revision != 2 || key == "" || len(first.Keys) != 1 || !strings.Contains(first.Message, "Saved automatically at") || !strings.Contains(first.Message, "revision 2") {
		t.Fatalf("first autosave: %+v", first)
	}
	// The script writes the key back: the next save updates the measure.
	form.Set("revision", "2")
	form.Set("m.2.key", key)
	form.Set("m.2.title", "National CSIRT, extended")
	second := autosave(form, http.StatusOK)
	if second.Revision != 3 || len(second.Keys) != 0 {
		t.Fatalf("second autosave: %+v", second)
	}
	measures := func() []map[string]any {
		t.Helper()
		var out struct {
			Content struct {
				Measures []map[string]any `json:"measures"`
			} `json:"content"`
			Report struct {
				Revision int `json:"revision"`
			} `json:"report"`
		}
		resp := ed.Get(t, "/api/v1/reports/"+strings.TrimSuffix(strings.TrimPrefix(editPath, "/reports/"), "/edit")+"?version=0")
		if err := json.Unmarshal([]byte(testrig.Body(resp)), &out); err != nil {
			t.Fatal(err)
		}
		return out.Content.Measures
	}
	if ms := measures(); len(ms) != 1 || ms[0]["key"] != key || ms[0]["title"] != "National CSIRT, extended" {
		t.Fatalf("draft after two autosaves: %v", ms)
	}

	t.Run("a stale autosave is refused with 409 naming who saved, and changes nothing", func(t *testing.T) {
		stale := url.Values{}
		for k, v := range form {
			stale[k] = v
		}
		stale.Set("m.2.title", "Overwritten")
		a := autosave(stale, http.StatusConflict)
		if a.Code != "stale_revision" || !strings.Contains(a.Message, ed.User.Name+" saved this report at") {
			t.Errorf("stale autosave: %+v", a)
		}
		if ms := measures(); len(ms) != 1 || ms[0]["title"] != "National CSIRT, extended" {
			t.Errorf("the stale autosave changed the draft: %v", ms)
		}
	})
	t.Run("invalid input is refused with 422 naming the field", func(t *testing.T) {
		bad := url.Values{"revision": {"3"}, "count": {"11"}, "m.0.norm": {"gge2015-a"}, "m.0.title": {"x"}, "m.0.type": {"policy"}, "m.0.status": {"planned"}, "m.0.links": {"javascript:alert(1)"}}
		a := autosave(bad, http.StatusUnprocessableEntity)
		if a.Field != "measures[0].links[0].url" || a.Message == "" {
			t.Errorf("invalid autosave: %+v", a)
		}
	})
	t.Run("a damaged form is refused with 422", func(t *testing.T) {
		a := autosave(url.Values{"revision": {"3"}, "count": {"many"}}, http.StatusUnprocessableEntity)
		if a.Field != "count" {
			t.Errorf("damaged form: %+v", a)
		}
	})
}
