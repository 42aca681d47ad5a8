package capacity_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestBrowserMeetingsEventsAndImplementersPassAxe audits, in a real browser,
// the pages of the "Friends of" meetings, several implementers, event
// documents and invitations, as the people who see their forms.
func TestBrowserMeetingsEventsAndImplementersPassAxe(t *testing.T) {
	browsertest.RequireAxe(t)
	browser := browsertest.New(t)
	rig := testrig.New(t)
	w := newWorld(t, rig)
	need, _, pid := w.acceptedProject(t)
	st, body := w.fraAp.do(t, "POST", base+"/offers", offerBody("French CSIRT mentoring", true))
	want(t, "offer", st, 201, body)
	st, body = w.senEd.do(t, "POST", base+"/needs/"+need+"/invitations", map[string]any{"offer": body["id"]})
	want(t, "invite", st, 201, body)
	st, body = w.fraAp.do(t, "POST", base+"/matches/"+body["id"].(string)+"/response", map[string]any{"accept": true})
	want(t, "accept", st, 200, body)
	st, body = w.senEd.do(t, "POST", base+"/needs/"+need+"/meetings", map[string]any{"meets_on": "2027-03-01", "place": "Dakar", "states": []string{"DEU"}, "notes": "Agenda: **training plan**."})
	want(t, "meeting", st, 201, body)
	meeting := body["id"].(string)
	day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
	st, body = w.senEd.do(t, "POST", base+"/events", map[string]any{"title": "Briefing for partners", "kind": "briefing", "audience": "invited", "place": "Dakar",
		"time_zone": "Africa/Dakar", "starts": day + "T10:00", "ends": day + "T12:00", "languages": []string{"fr"}, "capacity": 10})
	want(t, "event", st, 201, body)
	ev := body["id"].(string)
	st, body = w.senEd.do(t, "POST", base+"/events/"+ev+"/invitations", map[string]any{"emails": []string{"guest@example.org"}})
	want(t, "invitations", st, 201, body)
	// A French event's invitation to an address without an account is in French.
	text := mailText(t, rig, "Invitation : Briefing for partners", "guest@example.org")
	link := regexp.MustCompile(`/capacity/events/[^\s]+/invitation\?token=[A-Za-z0-9_-]+`).FindString(text)

	sen := rig.User(t, auth.RoleStateEditor, "SEN")
	if err := browsertest.SignIn(browser, rig.URL, sen.Email, testrig.Password); err != nil {
		t.Fatal(err)
	}
	anon, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	var pages []string
	for _, p := range []string{"/capacity/needs/" + need, "/capacity/meetings/" + meeting, "/capacity/projects/" + pid, "/capacity/events/" + ev} {
		pages = append(pages, rig.URL+p)
	}
	browsertest.AuditPages(t, browser, "the requesting State", pages...)
	browsertest.AuditPages(t, anon, "the invited guest", rig.URL+link)
}
