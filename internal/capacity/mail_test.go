package capacity_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// sentMail is one queued e-mail, read back from the outbox.
type sentMail struct{ Subject, Text string }

// mailsTo reads the e-mails sent so far to the address to, oldest first.
func mailsTo(t *testing.T, rig *testrig.Rig, to string) []sentMail {
	t.Helper()
	var out []sentMail
	for _, e := range outbox(t, rig) {
		if !strings.Contains(e.To, to) {
			continue
		}
		m, err := mail.Read(rig.App.Services.OutboxDir, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sentMail{e.Subject, m.Text})
	}
	return out
}

// lastMailTo is the e-mail to to whose subject begins with prefix.
func lastMailTo(t *testing.T, rig *testrig.Rig, to, prefix string) sentMail {
	t.Helper()
	all := mailsTo(t, rig, to)
	for i := len(all) - 1; i >= 0; i-- {
		if strings.HasPrefix(all[i].Subject, prefix) {
			return all[i]
		}
	}
	t.Fatalf("no e-mail %q… to %s; it got %v", prefix, to, all)
	return sentMail{}
}

func hasAll(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s lacks %q:\n%s", what, p, text)
		}
	}
}

func langUser(t *testing.T, rig *testrig.Rig, role auth.Role, scope, lang string) *auth.User {
	t.Helper()
	u := rig.User(t, role, scope)
	if err := rig.App.Services.Auth.SetLang(rig.Ctx, u.ID, lang); err != nil {
		t.Fatal(err)
	}
	u.Lang = lang
	return u
}

func TestEventEmailsInTheRegistrantsLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
		ev := map[string]any{"title": "Regional workshop", "kind": "workshop", "audience": "public", "place": "Dakar, CICAD",
			"time_zone": "Africa/Dakar", "starts": day + "T10:00", "ends": day + "T13:00", "languages": []string{"pt", "es", "en"}, "capacity": 1}
		st, body := w.senEd.do(t, "POST", base+"/events", ev)
		want(t, "event", st, 201, body)
		id := body["id"].(string)
		ruUser := langUser(t, rig, auth.RoleStakeholder, "", "ru")

		t.Run("a registration on an Arabic page is confirmed in Arabic", func(t *testing.T) {
			resp := rig.Anonymous(t).PostForm(t, "/capacity/events/"+id+"/register?lang=ar", url.Values{"name": {"Layla"}, "email": {"layla@example.org"}})
			if resp.StatusCode != 200 {
				t.Fatalf("register: %d", resp.StatusCode)
			}
			m := lastMailTo(t, rig, "layla@example.org", "تأكيد التسجيل: Regional workshop")
			hasAll(t, "the Arabic confirmation", m.Text, "مكانك", "الموعد: "+web.LongDate("ar", day)+"، 10:00 – 13:00 (Africa/Dakar)", "Dakar, CICAD", "/cancel?")
			if strings.Contains(m.Text, "Your place") || strings.Contains(m.Text, "When:") {
				t.Errorf("English in the Arabic confirmation:\n%s", m.Text)
			}
		})

		t.Run("the waiting list writes in French to whoever registered on a French page", func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{"name": "Fatou", "email": "fatou@example.org"})
			resp := w.anon.c.Do(t, "POST", base+"/events/"+id+"/registrations", string(raw), map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"})
			if resp.StatusCode != 201 {
				t.Fatalf("register: %d", resp.StatusCode)
			}
			m := lastMailTo(t, rig, "fatou@example.org", "Liste d'attente : Regional workshop")
			hasAll(t, "the French waiting-list e-mail", m.Text, "liste d'attente", "Quitter la liste d'attente : ")
		})

		t.Run("a place freed is confirmed in French, the date in French", func(t *testing.T) {
			link := regexp.MustCompile(`/capacity/events/[^\s]+/cancel\?[^\s]+`).FindString(lastMailTo(t, rig, "layla@example.org", "تأكيد").Text)
			u, err := url.Parse(link)
			if err != nil || link == "" {
				t.Fatalf("no cancellation link (%v)", err)
			}
			resp := w.anon.c.PostForm(t, u.Path, url.Values{"r": {u.Query().Get("r")}, "token": {u.Query().Get("token")}})
			if resp.StatusCode != 200 {
				t.Fatalf("cancel: %d", resp.StatusCode)
			}
			m := lastMailTo(t, rig, "fatou@example.org", "Inscription confirmée : Regional workshop")
			hasAll(t, "the French confirmation", m.Text, "Une place s'est libérée", "Quand : "+web.LongDate("fr", day)+", 10:00 – 13:00 (Africa/Dakar)")
		})

		t.Run("the reminder is in French", func(t *testing.T) {
			svc := capacity.NewService(rig.App.Services, &framework.Store{DB: rig.DB})
			start, _ := time.Parse(time.RFC3339, day+"T10:00:00Z") // Dakar is UTC
			if n, err := svc.RemindEvents(rig.Ctx, start.Add(-2*time.Hour)); err != nil || n != 1 {
				t.Fatalf("reminded %d (%v), want 1", n, err)
			}
			m := lastMailTo(t, rig, "fatou@example.org", "Rappel : Regional workshop")
			hasAll(t, "the French reminder", m.Text, "commence bientôt", web.LongDate("fr", day))
		})

		t.Run("an invitation is in the account's language, else the event's first", func(t *testing.T) {
			st, body := w.senEd.do(t, "POST", base+"/events/"+id+"/invitations", map[string]any{"emails": []string{"nadie@example.org", ruUser.Email}})
			want(t, "invite", st, 201, body)
			es := lastMailTo(t, rig, "nadie@example.org", "Invitación: Regional workshop")
			// Portuguese, the event's first language, is not one of the
			// interface's: Spanish, the next, is.
			hasAll(t, "the Spanish invitation", es.Text, "Senegal le invita a «Regional workshop» (taller)", "Cuándo: "+web.LongDate("es", day))
			ru := lastMailTo(t, rig, ruUser.Email, "Приглашение: Regional workshop")
			hasAll(t, "the Russian invitation", ru.Text, "Сенегал приглашает", "(семинар)", web.LongDate("ru", day))
		})

		t.Run("the cancellation of the event is in each registrant's language", func(t *testing.T) {
			st, body := w.senEd.do(t, "POST", base+"/events/"+id+"/cancel", nil)
			want(t, "cancel the event", st, 200, body)
			m := lastMailTo(t, rig, "fatou@example.org", "Annulé : Regional workshop")
			hasAll(t, "the French cancellation", m.Text, "(atelier)", "a été annulé")
			for _, m := range mailsTo(t, rig, "layla@example.org") {
				if strings.Contains(m.Subject, "Regional workshop") && !strings.HasPrefix(m.Subject, "تأكيد") {
					t.Errorf("a cancelled registrant was written to again: %q", m.Subject)
				}
			}
		})
	})
}

func TestProjectAndMatchEmailsInTheAccountsLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		frEd := langUser(t, rig, auth.RoleStateEditor, "SEN", "fr")
		zhOrg := langUser(t, rig, auth.RoleStakeholder, w.orgASlug, "zh")
		_, _, pid := w.acceptedProject(t)

		t.Run("the invitation names the State in the offerer's language", func(t *testing.T) {
			m := lastMailTo(t, rig, zhOrg.Email, "邀请：CSIRT training for Senegal")
			hasAll(t, "the Chinese invitation", m.Text, "塞内加尔邀请您的援助提议“Incident response training”")
			a := lastMailTo(t, rig, frEd.Email, "Offre acceptée : Incident response training")
			hasAll(t, "the French acceptance", a.Text, "c'est désormais un projet")
		})

		t.Run("an overdue milestone reminds a French-speaking party in French", func(t *testing.T) {
			due := time.Now().UTC().AddDate(0, 0, -3).Format("2006-01-02")
			st, body := w.senEd.do(t, "POST", base+"/projects/"+pid+"/milestones", map[string]any{"title": "Training delivered", "due_on": due})
			want(t, "milestone", st, 201, body)
			svc := capacity.NewService(rig.App.Services, &framework.Store{DB: rig.DB})
			if n, err := svc.RemindOverdue(rig.Ctx, time.Now()); err != nil || n != 1 {
				t.Fatalf("reminded %d (%v), want 1", n, err)
			}
			fr := lastMailTo(t, rig, frEd.Email, "Étape en retard : Training delivered")
			hasAll(t, "the French reminder", fr.Text, "L'étape « Training delivered » du projet « CSIRT training for Senegal » était due le "+web.LongDate("fr", due))
			zh := lastMailTo(t, rig, zhOrg.Email, "里程碑逾期：Training delivered")
			hasAll(t, "the Chinese reminder", zh.Text, web.LongDate("zh", due))
			en := mailsTo(t, rig, "state-editor")
			found := false
			for _, m := range en {
				found = found || m.Subject == "Milestone overdue: Training delivered"
			}
			if !found {
				t.Errorf("the English-speaking editor was not reminded in English")
			}
		})
	})
}
