package reporting_test

import (
	"html"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// inOrder reports whether each of words appears in body after the one
// before it.
func inOrder(body string, words ...string) bool {
	at := 0
	for _, w := range words {
		i := strings.Index(body[at:], w)
		if i < 0 {
			return false
		}
		at += i + len(w)
	}
	return true
}

func TestFindingAStatesReport(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	ids := map[string]string{}
	for _, iso := range []string{"FRA", "KEN", "DZA", "DOM"} {
		ap := newAPI(t, rig, rig.User(t, auth.RoleStateApprover, iso))
		rep := ap.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
		ids[iso] = rep["id"].(string)
		ap.must(t, 201, "POST", "/api/v1/reports/"+ids[iso]+"/submit", map[string]any{"visibility": "public"})
	}
	pub := rig.Anonymous(t)
	page := "/cycles/" + w.cycle

	t.Run("the cycle lists States by name in the reader's language", func(t *testing.T) {
		if en := pub.GetBody(t, page); !inOrder(en, ">Algeria<", ">Dominican Republic<", ">France<", ">Kenya<") {
			t.Errorf("English order wrong")
		}
		fr := rig.Anonymous(t).GetBody(t, page+"?lang=fr")
		if !inOrder(fr, ">Algérie<", ">France<", ">Kenya<", ">République Dominicaine<") {
			t.Errorf("French order wrong")
		}
	})
	t.Run("the filter is a GET form that finds by name, accents aside, or code", func(t *testing.T) {
		body := pub.GetBody(t, page)
		if !strings.Contains(body, `<form method="get" action="/cycles/`+w.cycle+`"`) || !strings.Contains(body, `name="q"`) {
			t.Fatalf("no filter form")
		}
		one := pub.GetBody(t, page+"?q=alg")
		if !strings.Contains(one, ">Algeria<") || strings.Contains(one, ">France<") || !strings.Contains(one, "Reports shown: 1 of 4") {
			t.Errorf("?q=alg does not show Algeria alone: %s", one[strings.Index(one, "<h2 id=\"reports-heading"):])
		}
		if fr := rig.Anonymous(t).GetBody(t, page+"?q=algerie&lang=fr"); !strings.Contains(fr, ">Algérie<") || strings.Contains(fr, ">France<") {
			t.Errorf("?q=algerie in French does not find Algérie")
		}
		if code := pub.GetBody(t, page+"?q=fra"); !strings.Contains(code, ">France<") || strings.Contains(code, ">Kenya<") {
			t.Errorf("?q=fra does not find France")
		}
		if none := pub.GetBody(t, page+"?q=zzz"); !strings.Contains(none, "No State matches") {
			t.Errorf("an empty result is not said")
		}
	})
	t.Run("the State's pages link to its reports", func(t *testing.T) {
		for _, p := range []string{"/states/FRA", "/monitoring/states/FRA"} {
			body := pub.GetBody(t, p)
			if !strings.Contains(body, `href="/reports/`+ids["FRA"]+`"`) || strings.Contains(body, ids["KEN"]) {
				t.Errorf("%s does not link to France's report alone", p)
			}
		}
		if ar := rig.Anonymous(t).GetBody(t, "/states/FRA?lang=ar"); !strings.Contains(ar, `id="reports"`) {
			t.Errorf("the Arabic State page lacks the reports section")
		}
	})
}

func TestHomePanelSaysWhatWaits(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	ed, ap := rig.SignIn(t, w.fraEdU), rig.SignIn(t, w.fraApU)
	panel := func(c *testrig.Client) string {
		body := c.GetBody(t, "/")
		i := strings.Index(body, `id="your-report"`)
		if i < 0 {
			t.Fatalf("no home panel for a State user")
		}
		// The panel leads the page: before the cards of the site's parts.
		if cards := strings.Index(body, `class="cards"`); cards < 0 || cards < i {
			t.Fatalf("the home panel is not above the cards (panel at %d, cards at %d)", i, cards)
		}
		return html.UnescapeString(body[i:])
	}
	if p := panel(ed); !strings.Contains(p, "Your State's report (France)") || !strings.Contains(p, "has not started") || !strings.Contains(p, `href="/cycles/`+w.cycle+`"`) {
		t.Errorf("before starting: %.600s", p)
	}
	rep := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})
	id := rep["id"].(string)
	if p := panel(ed); !strings.Contains(p, "continue it") || !strings.Contains(p, `href="/reports/`+id+`/edit"`) {
		t.Errorf("a draft: %.600s", p)
	}
	w.fraEd.must(t, 200, "POST", "/api/v1/reports/"+id+"/send-for-approval", nil)
	if p := panel(ap); !strings.Contains(p, "Waiting for your approval") {
		t.Errorf("approver after sending: %.600s", p)
	}
	if p := panel(ed); !strings.Contains(p, "waiting for your State's approvers") {
		t.Errorf("editor after sending: %.600s", p)
	}
	w.fraAp.must(t, 200, "POST", "/api/v1/reports/"+id+"/return", map[string]any{"comment": "Add dates"})
	if p := panel(ed); !strings.Contains(p, "make the changes") {
		t.Errorf("editor after the return: %.600s", p)
	}
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "confidential"})
	if p := panel(ed); !strings.Contains(p, "nothing waits for you") {
		t.Errorf("after submission: %.600s", p)
	}
	if body := rig.Anonymous(t).GetBody(t, "/"); strings.Contains(body, `id="your-report"`) {
		t.Errorf("the public home page has a State panel")
	}
	if body := rig.SignIn(t, w.secU).GetBody(t, "/"); strings.Contains(body, `id="your-report"`) {
		t.Errorf("the secretariat's home page has a State panel")
	}
}
