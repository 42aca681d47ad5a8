package contacts_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestEmailsInEachRecipientsLanguage: accounts are written to in their
// account's language, points of contact in the first of their languages
// the interface has (with the English after it for a check e-mail), and a
// contact with none of them in English; State names, urgencies and
// deadlines in that language.
func TestEmailsInEachRecipientsLanguage(t *testing.T) {
	rig := testrig.New(t)
	as := func(role auth.Role, scope, lang string) (apiClient, *auth.User) {
		u := rig.User(t, role, scope)
		if err := rig.App.Services.Auth.SetLang(rig.Ctx, u.ID, lang); err != nil {
			t.Fatal(err)
		}
		return apiClient{rig.Anonymous(t), rig.Token(t, u), u}, u
	}
	sec, secU := as(auth.RoleSecretariat, "", "ru")
	fraAp, fraU := as(auth.RoleStateApprover, "FRA", "ar")
	kenAp, _ := as(auth.RoleStateApprover, "KEN", "es")
	st, b := fraAp.do(t, "POST", "/api/v1/contacts/states/FRA/contacts", map[string]any{"kind": "technical", "name": "Camille", "email": "cert@fra.example", "languages": []string{"fr", "en"}, "time_zone": "Europe/Paris"})
	want(t, "FRA contact", st, 201, b)
	st, b = kenAp.do(t, "POST", "/api/v1/contacts/states/KEN/contacts", map[string]any{"kind": "technical", "name": "Wanjiru", "email": "cert@ken.example", "languages": []string{"sw"}, "time_zone": "Africa/Nairobi"})
	want(t, "KEN contact", st, 201, b)
	st, b = sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "Check Q1", "hours": 48, "states": []string{"FRA", "KEN"}})
	want(t, "round", st, 201, b)
	st, b = kenAp.do(t, "POST", "/api/v1/contacts/requests", criticalRequest("FRA"))
	want(t, "request", st, 201, b)
	rig.DrainJobs(t)

	entries, err := cnmail.List(rig.OutboxDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		m, err := cnmail.Read(rig.OutboxDir(), e.Name)
		if err != nil {
			t.Fatal(err)
		}
		got[strings.ToLower(m.To)] += m.Subject + "\n" + m.Text + "\n---\n"
	}
	for _, c := range []struct {
		to, lang string
		want     []string
	}{
		{"cert@fra.example", "fr", []string{"Vérification des communications", "Ceci est une vérification", "This is a communication check", "Votre État a reçu une demande d’assistance (urgence : Critique)"}},
		{"cert@ken.example", "en", []string{"Communication check: please acknowledge by", "This is a communication check"}},
		{strings.ToLower(fraU.Email), "ar", []string{"تلقّت دولتكم طلب مساعدة"}},
		{strings.ToLower(secU.Email), "ru", []string{"Контактное лицо государства Франция", "Контактное лицо государства Кения"}},
	} {
		all := got[c.to]
		if all == "" {
			t.Errorf("no e-mail to %s", c.to)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("e-mails to %s (%s) do not say %q:\n%s", c.to, c.lang, w, all)
			}
		}
		if c.lang != "en" && c.to != "cert@fra.example" && strings.Contains(all, "request for assistance") {
			t.Errorf("e-mails to %s are in English:\n%s", c.to, all)
		}
		if strings.Contains(all, "SCADA") {
			t.Errorf("an e-mail to %s carries the request's content", c.to)
		}
	}
}
