package participation_test

import (
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestEmailsInTheRecipientsLanguage: one step of an accreditation (an
// objection on a body that names objectors) tells the applicant, the
// secretariat and the objecting State's approvers, each in the language of
// their account, with the State named in that language and nothing left in
// English.
func TestEmailsInTheRecipientsLanguage(t *testing.T) {
	rig := testrig.New(t)
	as := func(u *auth.User, lang string) apiClient {
		if err := rig.App.Services.Auth.SetLang(rig.Ctx, u.ID, lang); err != nil {
			t.Fatal(err)
		}
		return apiClient{rig.Anonymous(t), rig.Token(t, u)}
	}
	secU := rig.User(t, auth.RoleSecretariat, "")
	sec := as(secU, "ar")
	orgU := rig.User(t, auth.RoleStakeholder, rig.Organisation(t, "Tech Accord"))
	org := as(orgU, "fr")
	fraU := rig.User(t, auth.RoleStateApprover, "FRA")
	fra := as(fraU, "ru")
	base := "/api/v1/participation"
	st, body := sec.do(t, "POST", base+"/bodies", map[string]any{"slug": "oewg", "name": "OEWG", "modality": "non-objection-veto", "name_objectors": true, "reason_required": true})
	want(t, "body", st, 201, body)
	st, body = sec.do(t, "POST", base+"/bodies/oewg/sessions", map[string]any{"slug": "s1", "title": "Session one", "kind": "substantive", "format": "hybrid",
		"starts_on": "2027-03-01", "ends_on": "2027-03-02", "apply_by": "2027-02-01", "place": "New York, NY"})
	want(t, "session", st, 201, body)
	st, body = org.do(t, "POST", base+"/applications", map[string]any{"session": "s1", "justification": "We represent over 150 companies that protect users."})
	want(t, "apply", st, 201, body)
	id := body["id"].(string)
	st, body = sec.do(t, "POST", base+"/bodies/oewg/circulate", nil)
	want(t, "circulate", st, 200, body)
	st, body = fra.do(t, "POST", base+"/applications/"+id+"/objection", map[string]any{"reason": "Not relevant"})
	want(t, "object", st, 200, body)
	rig.DrainJobs(t)

	entries, err := cnmail.List(rig.OutboxDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, e := range entries {
		m, err := cnmail.Read(rig.OutboxDir(), e.Name)
		if err != nil {
			t.Fatal(err)
		}
		got[m.To] = append(got[m.To], m.Subject+"\n"+m.Text)
	}
	cases := []struct {
		to    string
		want  []string // the objection's words in the account's language, the State's name in it
		never []string
	}{
		{orgU.Email, []string{"Objection formulée : Tech Accord", "France a formulé une objection", "Demande reçue", "Demande transmise", "la période d’objection prend fin le"}, nil},
		{secU.Email, []string{"تم تقديم اعتراض", "اعترضت فرنسا", "السبب المذكور: Not relevant"}, nil},
		{fraU.Email, []string{"Выдвинуто возражение", "Франция: выдвинуто возражение"}, nil},
	}
	for _, c := range cases {
		all := strings.Join(got[c.to], "\n---\n")
		if all == "" {
			t.Errorf("no e-mail to %s", c.to)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(strings.ToLower(all), strings.ToLower(w)) {
				t.Errorf("e-mails to %s do not say %q:\n%s", c.to, w, all)
			}
		}
		for _, english := range []string{"Objection lodged", "has objected", "Application received", "Reason given", "objection period ends"} {
			if strings.Contains(all, english) {
				t.Errorf("e-mails to %s are in English (%q):\n%s", c.to, english, all)
			}
		}
	}
}
