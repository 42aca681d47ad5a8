package app_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fieldErrorText matches the reason a page shows next to a refused field.
var fieldErrorText = regexp.MustCompile(`class="field-error"[^>]*>(?:<a [^>]*>[^<]*</a>: )?([^<]+)<`)

// TestRefusedFormsSayWhyInTheReadersLanguage posts the forms people meet
// most with a refused field, in English, Arabic and French, and fails when
// the reason shown next to the field on an Arabic or French page is the
// English one (the services' refusals carry the catalog key of their
// reason; the API keeps the English text).
func TestRefusedFormsSayWhyInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	c := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
	forms := []struct {
		name, path string
		form       url.Values
	}{
		{"a capacity need without a title", "/capacity/needs", url.Values{"title": {""}, "description": {"Training for the national CERT."}, "visibility": {"public"}}},
		{"a contact with a bad e-mail address", "/contacts/states/FRA/contacts", url.Values{"kind": {"technical"}, "name": {"Jeanne Martin"}, "function": {"Head of CERT"}, "organisation": {"ANSSI"},
			"email": {"not-an-address"}, "phone": {"+33123456789"}, "languages": {"fr, en"}, "working_hours": {"9-18"}, "time_zone": {"Europe/Paris"}}},
		{"a contact with a bad time zone", "/contacts/states/FRA/contacts", url.Values{"kind": {"technical"}, "name": {"Jeanne Martin"}, "function": {"Head of CERT"}, "organisation": {"ANSSI"},
			"email": {"jeanne@ministry.example"}, "phone": {"+33123456789"}, "languages": {"fr, en"}, "working_hours": {"9-18"}, "time_zone": {"Mars/Olympus"}}},
		{"a position without a title", "/positions/documents", url.Values{"title": {""}, "issued_on": {"2024-01-01"}, "languages": {"fr"}}},
	}
	for _, f := range forms {
		reasons := map[string]string{}
		for _, lang := range []string{"en", "ar", "fr"} {
			_ = c.GetBody(t, "/?lang="+lang) // the language stays with the client
			resp := c.PostForm(t, f.path, f.form)
			body := testrig.Body(resp)
			if resp.StatusCode != 422 {
				t.Errorf("%s (%s): status %d, want 422", f.name, lang, resp.StatusCode)
				continue
			}
			m := fieldErrorText.FindStringSubmatch(body)
			if m == nil {
				t.Errorf("%s (%s): no reason next to a field", f.name, lang)
				continue
			}
			reasons[lang] = strings.TrimSpace(html.UnescapeString(m[1]))
		}
		for _, lang := range []string{"ar", "fr"} {
			if reasons["en"] != "" && reasons[lang] == reasons["en"] {
				t.Errorf("%s: the %s page gives the English reason %q", f.name, lang, reasons["en"])
			}
		}
	}
}
