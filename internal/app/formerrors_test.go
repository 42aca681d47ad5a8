package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// fieldErrorText matches the reason a page shows next to a refused field.
// The field is named before it by a link to it, in bold, or not at all.
var fieldErrorText = regexp.MustCompile(`class="field-error"[^>]*>(?:<a [^>]*>[^<]*</a>: |<strong>[^<]*</strong>: )?([^<]+)<`)

// refusedForm is a form posted with a refused field.
type refusedForm struct {
	name, path string
	form       url.Values
}

// TestRefusedFormsSayWhyInTheReadersLanguage posts the forms people meet
// most with a refused field, in English, Arabic and French, and fails when
// the reason shown next to the field on an Arabic or French page is the
// English one (the services' refusals carry the catalog key of their
// reason; the API keeps the English text).
func TestRefusedFormsSayWhyInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	c := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
	forms := []refusedForm{
		{"a capacity need without a title", "/capacity/needs", url.Values{"title": {""}, "description": {"Training for the national CERT."}, "visibility": {"public"}}},
		{"a contact with a bad e-mail address", "/contacts/states/FRA/contacts", url.Values{"kind": {"technical"}, "name": {"Jeanne Martin"}, "function": {"Head of CERT"}, "organisation": {"ANSSI"},
			"email": {"not-an-address"}, "phone": {"+33123456789"}, "languages": {"fr, en"}, "working_hours": {"9-18"}, "time_zone": {"Europe/Paris"}}},
		{"a contact with a bad time zone", "/contacts/states/FRA/contacts", url.Values{"kind": {"technical"}, "name": {"Jeanne Martin"}, "function": {"Head of CERT"}, "organisation": {"ANSSI"},
			"email": {"jeanne@ministry.example"}, "phone": {"+33123456789"}, "languages": {"fr, en"}, "working_hours": {"9-18"}, "time_zone": {"Mars/Olympus"}}},
		{"a position without a title", "/positions/documents", url.Values{"title": {""}, "issued_on": {"2024-01-01"}, "languages": {"fr"}}},
	}
	sayWhyInTheReadersLanguage(t, c, forms)
}

// TestRefusedFormsSayWhyInTheReadersLanguageInEveryModule posts a refused
// form of the incidents, bulletin, compendium, VEP and participation
// modules in English, Arabic and French, and fails when the reason shown
// next to the field on an Arabic or French page is the English one.
func TestRefusedFormsSayWhyInTheReadersLanguageInEveryModule(t *testing.T) {
	rig := testrig.New(t)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	sayWhyInTheReadersLanguage(t, staff, []refusedForm{
		{"an incident with a start that is not a date", "/incidents/new", url.Values{"name": {"Outage"}, "summary": {"A long outage."}, "start": {"yesterday"}, "impact": {"2"}}},
		{"a recommendation of a few words", "/compendium/norms/gge2015-a/recommendations", url.Values{"text": {"Too short"}, "source_author": {"UNIDIR"}, "source_title": {"Report"}}},
		{"a body with a bad slug", "/participation/bodies", url.Values{"slug": {"X"}, "name": {"Working group"}, "modality": {"open"}}},
	})
	sayWhyInTheReadersLanguage(t, rig.Anonymous(t), []refusedForm{
		{"a subscription without an e-mail address", "/bulletin/subscribe", url.Values{"email": {"not-an-address"}, "lang": {"fr"}}},
	})
	editor := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "FRA"))
	sayWhyInTheReadersLanguage(t, editor, []refusedForm{
		{"a VEP policy reviewed every 99 months", "/vep/states/FRA/policy", url.Values{"review": {"periodic"}, "review_months": {"99"}}},
	})
	contributor := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, ""))
	sayWhyInTheReadersLanguage(t, contributor, []refusedForm{
		{"a bulletin item without a TLP label", "/bulletin/contribute", url.Values{"kind": {"threat"}, "title": {"Phishing wave"}, "summary": {"Many messages."}}},
	})
}

// sayWhyInTheReadersLanguage posts each form in English, Arabic and French
// and fails when the Arabic or French page gives the English reason.
func sayWhyInTheReadersLanguage(t *testing.T, c *testrig.Client, forms []refusedForm) {
	t.Helper()
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

// refusedAct is a form posted when the state of things refuses it (409).
type refusedAct struct {
	name, path string
	form       url.Values
	// english is the reason the English page gives; on, when not zero,
	// is a date the reason gives, which each page writes in its language.
	english string
	on      time.Time
}

// TestRefusalsByTheStateOfThingsSayWhyInTheReadersLanguage posts forms
// that the state of things refuses (409: an application after the
// session's deadline, a circulation with nothing to circulate, a VEP
// policy published without a draft) in English, Arabic and French, and
// fails when the Arabic or French page gives the English reason, or a page
// does not write the deadline's date in its language.
func TestRefusalsByTheStateOfThingsSayWhyInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	day := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format("2006-01-02") }
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/participation/bodies", url.Values{"slug": {"wg"}, "name": {"Working group"}, "modality": {"non-objection-veto"}, "objection_days": {"10"}}},
		{"/participation/bodies/wg/sessions", url.Values{"slug": {"late"}, "title": {"Late session"}, "kind": {"substantive"}, "format": {"hybrid"}, "starts_on": {day(10)}, "ends_on": {day(11)}, "apply_by": {day(-3)}}},
	} {
		if resp := staff.PostForm(t, step.path, step.form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: status %d: %s", step.path, resp.StatusCode, testrig.Body(resp))
		}
	}
	deadline, _ := time.Parse("2006-01-02", day(-3))
	stakeholder := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, rig.Organisation(t, "Late Org")))
	approver := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
	for _, f := range []struct {
		c *testrig.Client
		refusedAct
	}{
		{staff, refusedAct{"a circulation with nothing to circulate", "/participation/bodies/wg/circulate", url.Values{}, "no submitted application is waiting to be circulated", time.Time{}}},
		{stakeholder, refusedAct{"an application after the deadline", "/participation/sessions/late/apply", url.Values{"justification": {"We run the networks these norms protect."}},
			"the deadline for applications to this session was", deadline}},
		{approver, refusedAct{"a VEP policy published without a draft", "/vep/states/FRA/policy/publish", url.Values{}, "there is no draft to publish; save a draft first", time.Time{}}},
	} {
		sayWhyRefused(t, f.c, http.StatusConflict, f.refusedAct)
	}
}

// sayWhyRefused posts the act in English, Arabic and French, wants the
// status, and fails when the English page does not give the English
// reason, when the Arabic or French page gives it, or when a page does
// not write the reason's date in its language.
func sayWhyRefused(t *testing.T, c *testrig.Client, status int, f refusedAct) {
	t.Helper()
	for _, lang := range []string{"en", "ar", "fr"} {
		_ = c.GetBody(t, "/?lang="+lang)
		resp := c.PostForm(t, f.path, f.form)
		body := html.UnescapeString(testrig.Body(resp))
		if resp.StatusCode != status {
			t.Errorf("%s (%s): status %d, want %d", f.name, lang, resp.StatusCode, status)
			continue
		}
		switch {
		case lang == "en" && !strings.Contains(body, f.english):
			t.Errorf("%s: the English page does not say %q", f.name, f.english)
		case lang != "en" && strings.Contains(body, f.english):
			t.Errorf("%s: the %s page gives the English reason %q", f.name, lang, f.english)
		case !f.on.IsZero() && !strings.Contains(body, web.LongDate(lang, f.on)):
			t.Errorf("%s: the %s page does not give the date as %q", f.name, lang, web.LongDate(lang, f.on))
		}
	}
}

// TestImportAndStateRefusalsSayWhyInTheReadersLanguage posts a refused
// incidents import and bulletin bundle (422) and a bulletin issue sent
// before it is published (409) in English, Arabic and French, and fails
// when the Arabic or French page gives the English reason.
func TestImportAndStateRefusalsSayWhyInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	contributor := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, rig.Organisation(t, "Bundle Org")))
	resp := staff.PostForm(t, "/bulletin/editor/issues", url.Values{"quarter": {"2026 Q4"}, "title": {"Fourth quarter"}, "foreword": {"Welcome."}})
	_ = testrig.Body(resp)
	issue := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(issue, "/bulletin/editor/issues/") {
		t.Fatalf("a bulletin issue: status %d, Location %q", resp.StatusCode, issue)
	}
	sayWhyRefused(t, staff, http.StatusUnprocessableEntity, refusedAct{name: "an incidents import without a file", path: "/incidents/import", form: url.Values{"format": {"cfr-csv"}}, english: "no header row"})
	sayWhyRefused(t, contributor, http.StatusUnprocessableEntity, refusedAct{name: "a bundle that is not STIX", path: "/bulletin/import", form: url.Values{"bundle_text": {"{}"}}, english: "the bundle is not valid STIX 2.1"})
	sayWhyRefused(t, staff, http.StatusConflict, refusedAct{name: "an issue sent before it is published", path: issue + "/send", form: url.Values{"rate": {"10"}}, english: "publish the issue before sending it"})
}

// TestCountedReasonsSayTheirNumberInTheReadersLanguage posts a
// communication check at a rate above the limit and with an unknown State
// (reasons that were English sentences built with fmt.Sprintf) and fails
// when the Arabic or French page gives the English reason, or when the
// Russian page does not count the e-mails in its plural form ("6 000
// писем", many).
func TestCountedReasonsSayTheirNumberInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	rate := url.Values{"title": {"Quarterly check"}, "hours": {"48"}, "rate": {"99999"}}
	sayWhyRefused(t, staff, http.StatusUnprocessableEntity, refusedAct{name: "a check too fast", path: "/contacts/rounds", form: rate, english: "must be from 1 to 6,000 e-mails a minute"})
	sayWhyRefused(t, staff, http.StatusUnprocessableEntity, refusedAct{name: "a check of an unknown State", path: "/contacts/rounds", form: url.Values{"title": {"Quarterly check"}, "hours": {"48"}, "states": {"XYZ"}}, english: "unknown State code"})
	_ = staff.GetBody(t, "/?lang=ru")
	resp := staff.PostForm(t, "/contacts/rounds", rate)
	if body := html.UnescapeString(testrig.Body(resp)); !strings.Contains(body, "писем в минуту") {
		t.Errorf("a check too fast: the Russian page does not count e-mails in the plural form many")
	}
}

// TestRefusedFieldsAreNamedByTheirLabels posts refused forms of the
// bulletin, incidents, contacts and VEP modules in English and French and
// fails when the page names the field by its internal name ("tlp:",
// "rate_per_minute:") rather than by the label its form gives it, in the
// page's language.
func TestRefusedFieldsAreNamedByTheirLabels(t *testing.T) {
	rig := testrig.New(t)
	staff := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
	contributor := rig.SignIn(t, rig.User(t, auth.RoleStakeholder, rig.Organisation(t, "Label Org")))
	cat := rig.App.Services.Site.Catalog
	for _, f := range []struct {
		name       string
		c          *testrig.Client
		path       string
		form       url.Values
		field, key string
	}{
		{"a bulletin item without a TLP label", contributor, "/bulletin/contribute", url.Values{"kind": {"threat"}, "title": {"Phishing wave"}, "summary": {"Many messages."}}, "tlp", "bulletin.tlp"},
		{"an incident with a start that is not a date", staff, "/incidents/new", url.Values{"name": {"Outage"}, "summary": {"A long outage."}, "start": {"yesterday"}, "impact": {"2"}}, "start", "incidents.start"},
		{"a communication check too fast", staff, "/contacts/rounds", url.Values{"title": {"Quarterly check"}, "hours": {"48"}, "rate": {"99999"}}, "rate_per_minute", "contacts.rounds.rate"},
	} {
		for _, lang := range []string{"en", "fr"} {
			_ = f.c.GetBody(t, "/?lang="+lang)
			resp := f.c.PostForm(t, f.path, f.form)
			body := html.UnescapeString(testrig.Body(resp))
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s (%s): status %d, want 422", f.name, lang, resp.StatusCode)
				continue
			}
			label := cat.T(lang, f.key)
			if !strings.Contains(body, "<strong>"+label+"</strong>: ") {
				t.Errorf("%s (%s): the refusal does not name the field %q", f.name, lang, label)
			}
			if strings.Contains(body, ">"+f.field+": ") || strings.Contains(body, ">"+f.field+"</strong>: ") {
				t.Errorf("%s (%s): the refusal names the field by its internal name %q", f.name, lang, f.field)
			}
		}
	}
}
