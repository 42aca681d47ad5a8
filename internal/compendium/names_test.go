package compendium_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestResultsNameStatesAndNorms checks that people read names where the
// data holds codes: the State's name in the page's language linking to its
// page, and each norm's letter and short title linking to the norm, in
// search results, practice lists and the marking page; the API keeps the
// codes and adds the State's English name.
func TestResultsNameStatesAndNorms(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		publish(t, rig, "DEU", 2025, "public",
			measure{ID: "m-deu", Key: "k-deu", Norm: "gge2015-j", Title: "Quokka disclosure programme", Desc: "Researchers report quokka flaws to the national CSIRT.",
				Type: "policy", Status: "implemented", Others: []string{"gge2015-i"}})
		if _, err := service(rig).SyncSearch(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		sec := rig.User(t, auth.RoleSecretariat, "")
		jsonCall(t, rig, rig.Token(t, sec), 201, "POST", "/api/v1/practices", map[string]string{"measure_id": "m-deu", "note": "Clear and public."})
		j, err := rig.App.Framework.Norm(rig.Ctx, "gge2015-j", "en")
		if err != nil {
			t.Fatal(err)
		}
		i, err := rig.App.Framework.Norm(rig.Ctx, "gge2015-i", "en")
		if err != nil {
			t.Fatal(err)
		}
		if j.ShortTitle == "" || i.ShortTitle == "" {
			t.Fatal("the norms have no short titles to show")
		}
		stateLink := `<a href="/states/DEU">Germany</a>`
		normJ := `<a href="/norms/gge2015-j">(j) ` + esc(j.ShortTitle) + `</a>`
		normI := `<a href="/norms/gge2015-i">(i) ` + esc(i.ShortTitle) + `</a>`
		anon := rig.Anonymous(t)

		t.Run("search results name the State and the norms, with links", func(t *testing.T) {
			page := anon.GetBody(t, "/compendium/search?q=quokka")
			results := page[strings.Index(page, `id="results"`):]
			for _, want := range []string{stateLink, normJ, normI} {
				if !strings.Contains(results, want) {
					t.Errorf("the results lack %s", want)
				}
			}
			for _, raw := range []string{">DEU<", " DEU ", "gge2015-j,", "gge2015-i<"} {
				if strings.Contains(results, raw) {
					t.Errorf("the results still show the raw code %q", raw)
				}
			}
		})
		t.Run("in French the State is named in French", func(t *testing.T) {
			page := rig.Anonymous(t).GetBody(t, "/compendium/search?q=quokka&lang=fr") // its own client: ?lang= sets a cookie
			if !strings.Contains(page, `<a href="/states/DEU">Allemagne</a>`) {
				t.Error("no French name of Germany in the French results")
			}
		})
		t.Run("the State filter lists every State in the page's language, the chosen one selected", func(t *testing.T) {
			page := rig.Anonymous(t).GetBody(t, "/compendium/search?q=quokka&state=DEU&lang=fr")
			sel := page[strings.Index(page, `<select id="state"`):]
			sel = sel[:strings.Index(sel, "</select>")]
			if n := strings.Count(sel, "<option"); n < 194 {
				t.Errorf("%d options in the State filter", n)
			}
			for _, want := range []string{`<option value="DEU" selected>Allemagne</option>`, `<option value="FRA">France</option>`} {
				if !strings.Contains(sel, want) {
					t.Errorf("the State filter lacks %s", want)
				}
			}
			if strings.Count(sel, " selected") != 1 {
				t.Errorf("%d options selected", strings.Count(sel, " selected"))
			}
			none := anon.GetBody(t, "/compendium/search?q=quokka")
			none = none[strings.Index(none, `<select id="state"`):]
			if none = none[:strings.Index(none, "</select>")]; strings.Contains(none, " selected") {
				t.Error("a State is selected with none chosen")
			}
		})
		t.Run("the API keeps the codes and adds the State's name", func(t *testing.T) {
			got := searchAPI(t, rig, "q=quokka&kind=practice")
			if len(got.Hits) != 1 {
				t.Fatalf("%d practice hits", len(got.Hits))
			}
			h := got.Hits[0]
			if h.State != "DEU" || h.StateName != "Germany" || strings.Join(h.Norms, ",") != "gge2015-j,gge2015-i" || h.Kind != compendium.KindPractice {
				t.Errorf("hit %+v", h)
			}
		})
		t.Run("the norm page's good practices name the State and every norm served", func(t *testing.T) {
			page := anon.GetBody(t, "/compendium/norms/gge2015-i")
			practices := page[strings.Index(page, `id="practices"`):]
			for _, want := range []string{"Quokka disclosure programme", stateLink, normJ, normI} {
				if !strings.Contains(practices, want) {
					t.Errorf("the practices lack %s", want)
				}
			}
		})
		t.Run("the marking page names the State and the norm", func(t *testing.T) {
			c := rig.SignIn(t, sec)
			page := c.GetBody(t, "/compendium/practices/mark?"+url.Values{"state": {"DEU"}}.Encode())
			if !strings.Contains(page, "<caption>Published measures of Germany</caption>") || !strings.Contains(page, "<td>(j) "+esc(j.ShortTitle)+"</td>") {
				t.Error("the marking page shows codes instead of names")
			}
		})
	})
}

// esc is what html/template makes of plain text.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}
