package capacity_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestStateNamesAreInTheReadersLanguage reads the need, the "Friends of"
// meeting and the project of Senegal, with the Gambia asked to the meeting
// and named a second beneficiary, in French and Arabic: the States are
// named in the page's language, never in English.
func TestStateNamesAreInTheReadersLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		need, offer, pid := w.acceptedProject(t)
		st, body := w.sec.do(t, "POST", base+"/needs/"+need+"/meetings", map[string]any{"meets_on": "2027-03-01", "place": "Dakar", "offers": []string{offer}, "states": []string{"GMB"}})
		want(t, "convene", st, 201, body)
		meeting := body["id"].(string)
		st, body = w.senAp.do(t, "PUT", base+"/projects/"+pid, map[string]any{"title": "CSIRT training", "status": "running", "beneficiaries": []string{"SEN", "GMB"}})
		want(t, "a second beneficiary", st, 200, body)
		sen := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "SEN"))

		names := map[string][2]string{"fr": {"Sénégal", "Gambie"}, "ar": {"السنغال", "غامبيا"}, "es": {"Senegal", "Gambia"}}
		for _, lang := range []string{"fr", "ar"} {
			for _, c := range []struct {
				page, path string
				both       bool
			}{
				{"need", "/capacity/needs/" + need, false},
				{"meeting", "/capacity/meetings/" + meeting, true},
				{"project", "/capacity/projects/" + pid, true},
				{"needs list", "/capacity/needs", false},
				{"projects directory (own)", "/capacity/projects?own=1", true},
			} {
				page := sen.GetBody(t, c.path+sepQuery(c.path)+"lang="+lang)
				if !strings.Contains(page, names[lang][0]) {
					t.Errorf("the %s page in %s does not name Senegal %s", c.page, lang, names[lang][0])
				}
				if c.both && !strings.Contains(page, names[lang][1]) {
					t.Errorf("the %s page in %s does not name the Gambia %s", c.page, lang, names[lang][1])
				}
				for _, en := range []string{">Senegal<", ">Senegal (", "— Senegal", ">Gambia<", "Gambia (", "Senegal; Gambia", "Senegal, Gambia"} {
					if strings.Contains(page, en) {
						t.Errorf("the %s page in %s names a State in English (%q)", c.page, lang, en)
					}
				}
			}
		}
	})
}

func sepQuery(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// TestTheCalendarFileIsInTheReadersLanguage takes an event's .ics from
// the link on its French page, and with Accept-Language only: its
// description is in French.
func TestTheCalendarFileIsInTheReadersLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		day := time.Now().UTC().AddDate(0, 1, 0).Format("2006-01-02")
		st, body := w.sec.do(t, "POST", base+"/events", map[string]any{"title": "Workshop on norm (c)", "kind": "workshop", "audience": "public",
			"place": "Geneva", "online_url": "https://meet.example.org/c", "time_zone": "Europe/Zurich", "starts": day + "T10:00", "ends": day + "T12:00",
			"languages": []string{"fr"}, "capacity": 10})
		want(t, "event", st, 201, body)
		id := body["id"].(string)
		page := w.anon.c.GetBody(t, "/capacity/events/"+id+"?lang=fr")
		if !strings.Contains(page, `/capacity/events/`+id+`/event.ics?lang=fr"`) {
			t.Fatalf("the French event page does not link its .ics in French")
		}
		for name, get := range map[string]func() string{
			"the page's link": func() string { return w.anon.c.GetBody(t, "/capacity/events/"+id+"/event.ics?lang=fr") },
			"Accept-Language": func() string {
				resp := rig.Anonymous(t).Do(t, "GET", "/capacity/events/"+id+"/event.ics", nil, map[string]string{"Accept-Language": "fr-FR,fr;q=0.9"})
				raw, _ := io.ReadAll(resp.Body)
				return string(raw)
			},
			"the feed": func() string { return w.anon.c.GetBody(t, "/capacity/events.ics?lang=fr") },
		} {
			ics := get()
			checkICalendar(t, ics, 1)
			unfolded := strings.ReplaceAll(ics, "\r\n ", "")
			for _, fr := range []string{"atelier — organisateur : Secrétariat", "Heure locale : ", "En ligne : https://meet.example.org/c"} {
				if !strings.Contains(unfolded, fr) {
					t.Errorf("%s: the .ics lacks %q:\n%s", name, fr, unfolded)
				}
			}
			for _, en := range []string{"organised by", "Local time", "Online:"} {
				if strings.Contains(unfolded, en) {
					t.Errorf("%s: the French .ics says %q", name, en)
				}
			}
		}
		if ics := w.anon.c.GetBody(t, "/capacity/events/"+id+"/event.ics?lang=en"); !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), "workshop organised by Secretariat") {
			t.Errorf("the English .ics changed: %s", ics)
		}
	})
}

// TestMatchReasonsAreInTheReadersLanguage shows a match's reasons on the
// need's page in Spanish: from their codes, from the English text of a
// match recorded before the codes, and, when that text cannot be read,
// the text as it was stored.
func TestMatchReasonsAreInTheReadersLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		need, _, _ := w.acceptedProject(t)
		sen := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "SEN"))
		spanish := func(t *testing.T, what string) {
			t.Helper()
			page := sen.GetBody(t, "/capacity/needs/"+need+"?lang=es")
			i := strings.Index(page, `class="matches"`)
			if i < 0 {
				t.Fatalf("%s: no matches on the need's page", what)
			}
			matches := page[i:]
			matches = matches[:strings.Index(matches, "</ul>")]
			if i = strings.Index(matches, `class="reasons"`); i < 0 {
				t.Fatalf("%s: the match shows no reasons: %s", what, matches)
			}
			matches = matches[i:]
			matches = matches[:strings.Index(matches, "</span>")]
			for _, es := range []string{"formación", "francés", "respuesta a incidentes"} {
				if !strings.Contains(matches, es) {
					t.Errorf("%s: the Spanish page's match lacks the reason %q: %s", what, es, matches)
				}
			}
			for _, en := range []string{"training", "French", "incident response"} {
				if strings.Contains(matches, en) {
					t.Errorf("%s: the Spanish page's match says %q", what, en)
				}
			}
		}
		st, body := w.senEd.do(t, "GET", base+"/needs/"+need+"/matches", nil)
		if st == 200 {
			list := items(t, body)
			if len(list) == 0 || list[0]["reasons"] == "" || len(list[0]["reason_list"].([]any)) == 0 {
				t.Errorf("the API's match lacks its reasons: %v", list)
			}
		}
		spanish(t, "a new match")
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE capacity_matches SET reason_codes = '' WHERE need_id = ?`, need); err != nil {
			t.Fatal(err)
		}
		spanish(t, "a match recorded before the codes")
		if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE capacity_matches SET reasons = 'said otherwise once' WHERE need_id = ?`, need); err != nil {
			t.Fatal(err)
		}
		if page := sen.GetBody(t, "/capacity/needs/"+need+"?lang=es"); !strings.Contains(page, `<bdi lang="en">said otherwise once</bdi>`) {
			t.Errorf("a text that cannot be read is not shown as stored")
		}
	})
}

// TestRefusedCapacityFormsSayWhyInTheReadersLanguage posts refused forms
// in French, Arabic and Spanish: the reason is in that language.
func TestRefusedCapacityFormsSayWhyInTheReadersLanguage(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		ed := rig.SignIn(t, rig.User(t, auth.RoleStateEditor, "SEN"))
		need := url.Values{"title": {"CSIRT training"}, "description": {"Our national CSIRT needs training on incident handling."}, "visibility": {"public"}, "norms": {"gge2015-c"},
			"topics": {"incident-response"}, "kinds": {"training"}, "languages": {"fr"}, "starts_on": {"2027-05-01"}, "ends_on": {"2027-01-01"}}
		for lang, why := range map[string]string{"fr": "ne doit pas être antérieure à starts_on", "ar": "يجب ألا يكون قبل starts_on", "es": "no debe ser anterior a starts_on"} {
			resp := ed.PostForm(t, "/capacity/needs?lang="+lang, need)
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 422 || !strings.Contains(string(raw), why) {
				t.Errorf("a need ending before it starts, in %s: %d, want the reason %q", lang, resp.StatusCode, why)
			}
			if strings.Contains(string(raw), "must not be before") {
				t.Errorf("the %s form says why in English", lang)
			}
		}
		anon := rig.Anonymous(t)
		resp := anon.Do(t, "GET", "/capacity/projects?beneficiary=XYZ&lang=fr", nil, nil)
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 422 || !strings.Contains(string(raw), "n&#39;est pas un code ISO 3166-1 alpha-3 connu") {
			t.Errorf("the directory's refused filter in French: %d", resp.StatusCode)
		}
	})
}

// TestEveryCapacityRefusalHasItsWordsInEveryLanguage reads the package's
// source for every reason it refuses with (invalid, conflict, api.Invalid
// and api.Invalidf with a constant format) and requires its text under
// "reason:" + the format in each of the six catalogs (the module's or the
// platform's), so that no refusal reaches a page in English.
func TestEveryCapacityRefusalHasItsWordsInEveryLanguage(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					var name string
					switch fn := x.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					}
					at := map[string]int{"invalid": 1, "Invalidf": 1, "Invalid": 1, "conflict": 0}
					if i, ok := at[name]; ok && len(x.Args) > i {
						if lit, ok := x.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							formats[s] = fset.Position(lit.Pos()).String()
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Format" {
						if lit, ok := x.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
							s, _ := strconv.Unquote(lit.Value)
							formats[s] = fset.Position(lit.Pos()).String()
						}
					}
				}
				return true
			})
		}
	}
	if len(formats) < 50 {
		t.Fatalf("found %d reasons in the source: the reader is broken", len(formats))
	}
	for _, lang := range []string{"en", "fr", "es", "ru", "zh", "ar"} {
		have := map[string]string{}
		for _, path := range []string{"i18n/" + lang + ".json", "../platform/web/i18n/" + lang + ".json"} {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]string{}
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			for k, v := range m {
				have[k] = v
			}
		}
		for f, at := range formats {
			if _, ok := have["reason:"+f]; !ok {
				t.Errorf("%s: the reason %q (%s) has no text in the %s catalogs", at, f, at, lang)
			}
		}
	}
}
