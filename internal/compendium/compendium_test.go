package compendium_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/framework/seed"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/search"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func service(rig *testrig.Rig) *compendium.Service {
	return &compendium.Service{P: rig.App.Services, FW: rig.App.Framework}
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func TestImportIsIdempotentWithAttribution(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		anon := rig.Anonymous(t)
		list := decode[struct{ Items []compendium.Recommendation }](t, anon.Get(t, "/api/v1/recommendations"))
		if len(list.Items) != 45 {
			t.Fatalf("got %d recommendations after start, want 45", len(list.Items))
		}
		norms := map[string]int{}
		src := seed.NormsSource()
		for _, r := range list.Items {
			norms[r.NormID]++
			if r.Source.Author != src.Author || r.Source.ID != src.ID || !strings.Contains(r.Attribution, "Tech Accord") || !strings.Contains(r.Attribution, "2020") {
				t.Errorf("recommendation %s attributed %+v / %q", r.ID, r.Source, r.Attribution)
			}
		}
		if len(norms) != 11 {
			t.Errorf("recommendations cover %d norms, want 11", len(norms))
		}

		// A second run (as at every start, or by the secretariat) adds nothing.
		res, err := service(rig).ImportTechAccord(rig.Ctx)
		if err != nil || res.Added != 0 || res.Rows != 45 || res.Norms != 11 {
			t.Fatalf("re-run: %+v %v", res, err)
		}
		sec := rig.User(t, auth.RoleSecretariat, "")
		resp := rig.Anonymous(t).Do(t, "POST", "/api/v1/recommendations/import", "", bearer(rig.Token(t, sec)))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("import via API: %d %s", resp.StatusCode, testrig.Body(resp))
		}
		if got := decode[compendium.ImportResult](t, resp); got.Added != 0 {
			t.Errorf("API re-run added %d", got.Added)
		}
		if n, _ := search.Count(rig.Ctx, rig.DB, compendium.KindRecommendation); n != 45 {
			t.Errorf("%d recommendations indexed, want 45", n)
		}
		page := anon.GetBody(t, "/compendium/norms/gge2015-i")
		if !strings.Contains(page, src.Author) || !strings.Contains(page, `id="rec-`) {
			t.Error("the norm page does not show the recommendations with their attribution")
		}
	})
}

func TestAddingRecommendationsIsForTheSecretariat(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		body := `{"norm_id":"gge2015-c","text":"Publish a national policy on abuse of infrastructure.","source_author":"Example Institute","source_title":"Norms in practice","source_year":2023}`
		cases := []struct {
			name string
			role auth.Role
			want int
		}{
			{"the public is asked to sign in", "", http.StatusUnauthorized},
			{"a stakeholder is refused", auth.RoleStakeholder, http.StatusForbidden},
			{"a State editor is refused", auth.RoleStateEditor, http.StatusForbidden},
			{"the secretariat adds it", auth.RoleSecretariat, http.StatusCreated},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := map[string]string{}
				if c.role != "" {
					h = bearer(rig.Token(t, rig.User(t, c.role, "")))
				}
				resp := rig.Anonymous(t).Do(t, "POST", "/api/v1/recommendations", body, h)
				if resp.StatusCode != c.want {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.want, testrig.Body(resp))
				}
			})
		}
		recs, _ := service(rig).Recommendations(rig.Ctx, "gge2015-c")
		last := recs[len(recs)-1]
		if last.Source.Author != "Example Institute" || !strings.Contains(last.Attribution, "Norms in practice") {
			t.Errorf("added recommendation attributed %q", last.Attribution)
		}

		tok := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		bad := []struct{ name, body, field string }{
			{"an unknown norm", `{"norm_id":"gge2015-z","text":"Long enough text here.","source_author":"A","source_title":"B"}`, "norm_id"},
			{"a missing text", `{"norm_id":"gge2015-c","text":"","source_author":"A","source_title":"B"}`, "text"},
			{"no author", `{"norm_id":"gge2015-c","text":"Long enough text here.","source_title":"B"}`, "source_author"},
			{"a javascript link", `{"norm_id":"gge2015-c","text":"Long enough text here.","source_author":"A","source_title":"B","source_url":"javascript:alert(1)"}`, "source_url"},
			{"an unknown field", `{"norm_id":"gge2015-c","nope":1}`, "nope"},
		}
		for _, b := range bad {
			t.Run("refuses "+b.name+" naming the field", func(t *testing.T) {
				resp := rig.Anonymous(t).Do(t, "POST", "/api/v1/recommendations", b.body, bearer(tok))
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), `"field":"`+b.field+`"`) {
					t.Errorf("status %d body %s", resp.StatusCode, testrig.Body(resp))
				}
			})
		}
		after, _ := service(rig).Recommendations(rig.Ctx, "gge2015-c")
		if len(after) != len(recs) {
			t.Errorf("refused input changed the recommendations: %d → %d", len(recs), len(after))
		}

		t.Run("the form re-renders with the error and 422", func(t *testing.T) {
			c := rig.SignIn(t, rig.User(t, auth.RoleSecretariat, ""))
			resp := c.PostForm(t, "/compendium/norms/gge2015-c/recommendations", url.Values{"text": {"short"}, "source_author": {"A"}, "source_title": {"B"}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), "text:") {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	})
}

func TestGoodPractices(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		fra := publish(t, rig, "FRA", 2025, "public",
			measure{ID: "m-fra-1", Key: "k-fra-1", Norm: "gge2015-g", Others: []string{"gge2015-f"}, Title: "Critical infrastructure resilience act", Desc: "Operators of essential services must report incidents.", Type: "legislation", Status: "implemented"},
			measure{ID: "m-fra-2", Key: "k-fra-2", Norm: "gge2015-j", Title: "Vulnerability disclosure policy", Desc: "A national coordinated vulnerability disclosure policy.", Type: "policy", Status: "in_progress"})
		publish(t, rig, "DEU", 2025, "confidential",
			measure{ID: "m-deu-1", Key: "k-deu-1", Norm: "gge2015-g", Title: "Secret infrastructure programme", Desc: "Confidential.", Type: "policy", Status: "planned"})
		publish(t, rig, "KEN", 2025, "public",
			measure{ID: "m-ken-1", Key: "k-ken-1", Norm: "gge2015-h", Title: "National CERT hotline", Desc: "Answers requests for assistance around the clock.", Type: "institution", Status: "implemented"})
		_ = fra

		fraEditor := rig.Token(t, rig.User(t, auth.RoleStateEditor, "FRA"))
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		stake := rig.Token(t, rig.User(t, auth.RoleStakeholder, ""))
		mark := func(tok, measureID string) *http.Response {
			return rig.Anonymous(t).Do(t, "POST", "/api/v1/practices", `{"measure_id":"`+measureID+`","note":"Clear duties for operators."}`, bearer(tok))
		}
		cases := []struct {
			name, tok, measure string
			want               int
		}{
			{"a stakeholder may not mark", stake, "m-fra-1", http.StatusForbidden},
			{"a State may not mark another State's measure", fraEditor, "m-ken-1", http.StatusForbidden},
			{"a confidential measure does not exist for anyone", sec, "m-deu-1", http.StatusNotFound},
			{"an unknown measure does not exist", sec, "nope", http.StatusNotFound},
			{"a State marks its own measure", fraEditor, "m-fra-1", http.StatusCreated},
			{"the secretariat marks any published measure", sec, "m-ken-1", http.StatusCreated},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if resp := mark(c.tok, c.measure); resp.StatusCode != c.want {
					t.Errorf("status %d, want %d: %s", resp.StatusCode, c.want, testrig.Body(resp))
				}
			})
		}
		t.Run("a practice appears under each norm it serves", func(t *testing.T) {
			anon := rig.Anonymous(t)
			for _, n := range []string{"gge2015-g", "gge2015-f"} {
				got := decode[struct{ Items []compendium.Practice }](t, anon.Get(t, "/api/v1/practices?norm="+n))
				if len(got.Items) != 1 || got.Items[0].MeasureKey != "k-fra-1" {
					t.Errorf("norm %s: %+v", n, got.Items)
				}
				if page := anon.GetBody(t, "/compendium/norms/"+n); !strings.Contains(page, "Critical infrastructure resilience act") || strings.Contains(page, "Secret infrastructure") {
					t.Errorf("norm page %s does not show exactly the public practice", n)
				}
			}
			got := decode[struct{ Items []compendium.Practice }](t, anon.Get(t, "/api/v1/practices?norm=gge2015-j"))
			if len(got.Items) != 0 {
				t.Errorf("an unmarked measure is listed: %+v", got.Items)
			}
		})
		t.Run("a State may not unmark another State's practice, its own it may", func(t *testing.T) {
			if resp := rig.Anonymous(t).Do(t, "DELETE", "/api/v1/practices/k-ken-1", nil, bearer(fraEditor)); resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d", resp.StatusCode)
			}
			if resp := rig.Anonymous(t).Do(t, "DELETE", "/api/v1/practices/k-fra-1", nil, bearer(fraEditor)); resp.StatusCode != http.StatusNoContent {
				t.Errorf("status %d", resp.StatusCode)
			}
			got := decode[struct{ Items []compendium.Practice }](t, rig.Anonymous(t).Get(t, "/api/v1/practices?norm=gge2015-g"))
			if len(got.Items) != 0 {
				t.Errorf("unmarked practice still listed")
			}
		})
		t.Run("the marking page lists the State's own measures", func(t *testing.T) {
			c := rig.SignIn(t, rig.User(t, auth.RoleStateApprover, "FRA"))
			page := c.GetBody(t, "/compendium/practices/mark")
			if !strings.Contains(page, "Vulnerability disclosure policy") || strings.Contains(page, "National CERT hotline") {
				t.Error("the marking page shows the wrong measures")
			}
			resp := c.PostForm(t, "/compendium/practices", url.Values{"measure_id": {"m-fra-2"}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("mark by form: %d", resp.StatusCode)
			}
		})
	})
}

func TestSearchAcrossTheCompendium(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		publish(t, rig, "FRA", 2025, "public",
			measure{ID: "m1", Key: "k1", Norm: "gge2015-g", Title: "Critical infrastructure resilience act", Desc: "Operators of essential services must report ransomware incidents.", Type: "legislation", Status: "implemented"})
		publish(t, rig, "KEN", 2024, "public",
			measure{ID: "m2", Key: "k2", Norm: "gge2015-g", Title: "Ransomware task force", Desc: "An inter-agency team on ransomware.", Type: "institution", Status: "in_progress"})
		publish(t, rig, "DEU", 2025, "confidential",
			measure{ID: "m3", Key: "k3", Norm: "gge2015-g", Title: "Ransomware secret plan", Desc: "Confidential ransomware plan.", Type: "policy", Status: "planned"})
		svc := service(rig)
		res, err := svc.SyncSearch(rig.Ctx)
		if err != nil || res.Reports != 2 || res.Measures != 2 {
			t.Fatalf("sync: %+v %v", res, err)
		}
		if again, _ := svc.SyncSearch(rig.Ctx); again.Reports != 0 {
			t.Errorf("a second sync re-indexed %d reports", again.Reports)
		}
		anon := rig.Anonymous(t)
		get := func(q string) search.Results {
			resp := anon.Get(t, "/api/v1/search?"+q)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", q, resp.StatusCode, testrig.Body(resp))
			}
			return decode[search.Results](t, resp)
		}
		tests := []struct {
			name, q string
			want    []string
		}{
			{"measures are found, confidential ones never", "q=ransomware", []string{"m2", "m1"}},
			{"the State filter", "q=ransomware&state=KEN", []string{"m2"}},
			{"the regional group filter", "q=ransomware&region=weog", []string{"m1"}},
			{"the year and type filters", "q=ransomware&year=2025&type=legislation", []string{"m1"}},
			{"the status filter", "q=ransomware&status=in_progress", []string{"m2"}},
			{"recommendations are searchable by norm", "q=supply+chain&kind=recommendation&norm=gge2015-i", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := get(tt.q)
				var got []string
				for _, h := range r.Hits {
					if h.Kind == compendium.KindMeasure {
						got = append(got, h.Ref)
					}
					if h.State == "DEU" {
						t.Errorf("confidential measure %s found", h.Ref)
					}
				}
				if tt.want == nil {
					if len(r.Hits) == 0 {
						t.Error("no recommendations found")
					}
					return
				}
				if strings.Join(got, ",") != strings.Join(tt.want, ",") && !(len(got) == 2 && len(tt.want) == 2 && got[0] == tt.want[1]) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			})
		}
		t.Run("the search page highlights matches", func(t *testing.T) {
			page := anon.GetBody(t, "/compendium/search?q=ransomware&kind=measure")
			if !strings.Contains(page, "<mark>ransomware</mark>") && !strings.Contains(page, "<mark>Ransomware</mark>") {
				t.Error("no highlighted snippet")
			}
		})
		for _, bad := range []struct{ q, field string }{{"year=abc", "year"}, {"state=XXX", "state"}, {"kind=secret", "kind"}, {"limit=5000", "limit"}, {"norm=a%27b", "norm"}, {"region=mars", "region"}} {
			t.Run("a bad "+bad.field+" is a 422 naming it", func(t *testing.T) {
				resp := anon.Get(t, "/api/v1/search?"+bad.q)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), `"field":"`+bad.field+`"`) {
					t.Errorf("status %d body %s", resp.StatusCode, testrig.Body(resp))
				}
				if page := anon.Get(t, "/compendium/search?"+bad.q); page.StatusCode != http.StatusBadRequest {
					t.Errorf("page status %d", page.StatusCode)
				}
			})
		}
		t.Run("a report made confidential leaves the index", func(t *testing.T) {
			if _, err := rig.DB.ExecContext(context.Background(), `UPDATE report_versions SET published = ? WHERE state_iso3 = 'KEN'`, false); err != nil {
				t.Fatal(err)
			}
			if _, err := rig.DB.ExecContext(context.Background(), `UPDATE report_measures SET published = ? WHERE state_iso3 = 'KEN'`, false); err != nil {
				t.Fatal(err)
			}
			if res, err := svc.SyncSearch(rig.Ctx); err != nil || res.Removed != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			if r := get("q=ransomware&state=KEN"); len(r.Hits) != 0 {
				t.Errorf("still found: %+v", r.Hits)
			}
		})
	})
}

// The practices list pages by a keyset, so a page costs the same however
// many practices there are; the pages together hold each practice once, in
// the list's order (newest cycle, then State, then title).
func TestPracticesArePaged(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		var want []string
		for _, st := range []string{"FRA", "KEN", "BRA", "JPN", "CAN"} {
			for _, year := range []int{2024, 2025} {
				var ms []measure
				for j := range 3 {
					k := fmt.Sprintf("k-%s-%d-%d", st, year, j)
					ms = append(ms, measure{ID: "m" + k[1:], Key: k, Norm: "gge2015-h", Title: fmt.Sprintf("Measure %d of %s in %d", j, st, year),
						Desc: "A hotline.", Type: "institution", Status: "implemented"})
				}
				publish(t, rig, st, year, "public", ms...)
			}
		}
		sec := rig.Token(t, rig.User(t, auth.RoleSecretariat, ""))
		for _, year := range []int{2025, 2024} {
			for _, st := range []string{"BRA", "CAN", "FRA", "JPN", "KEN"} {
				for j := range 3 {
					k := fmt.Sprintf("k-%s-%d-%d", st, year, j)
					if resp := rig.Anonymous(t).Do(t, "POST", "/api/v1/practices", `{"measure_id":"m`+k[1:]+`"}`, bearer(sec)); resp.StatusCode != http.StatusCreated {
						t.Fatalf("mark %s: %d %s", k, resp.StatusCode, testrig.Body(resp))
					}
					want = append(want, k)
				}
			}
		}
		anon := rig.Anonymous(t)
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("the pages do not end")
			}
			page := decode[struct {
				Items      []compendium.Practice
				NextCursor string `json:"next_cursor"`
			}](t, anon.Get(t, "/api/v1/practices?norm=gge2015-h&limit=4&cursor="+cursor))
			if len(page.Items) > 4 {
				t.Fatalf("a page of %d, limit 4", len(page.Items))
			}
			for _, p := range page.Items {
				got = append(got, p.MeasureKey)
			}
			if page.NextCursor == "" {
				break
			}
			cursor = page.NextCursor
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("paged list\n got %v\nwant %v", got, want)
		}
		for _, bad := range []string{"limit=0", "limit=201", "cursor=!!!", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte("k-nope"))} {
			resp := anon.Get(t, "/api/v1/practices?"+bad)
			if body := testrig.Body(resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field"`) {
				t.Errorf("%s: %d %s, want 400 naming the field", bad, resp.StatusCode, body)
			}
		}

		// The norm's page shows 20 at a time, with a link to the next ones.
		body := testrig.Body(anon.Get(t, "/compendium/norms/gge2015-h"))
		if !strings.Contains(body, "30 good practices serve this norm.") || !strings.Contains(body, `rel="next"`) ||
			!strings.Contains(body, "Measure 1 of CAN in 2024") || strings.Contains(body, "Measure 2 of CAN in 2024") {
			t.Fatalf("first page of the norm's practices:\n%s", body)
		}
		next := regexp.MustCompile(`href="(/compendium/norms/gge2015-h\?after=[^"#]+)#practices" rel="next"`).FindStringSubmatch(body)
		if next == nil {
			t.Fatal("no link to the next practices")
		}
		second := testrig.Body(anon.Get(t, html.UnescapeString(next[1])))
		if !strings.Contains(second, "Measure 2 of CAN in 2024") || !strings.Contains(second, "Measure 2 of KEN in 2024") ||
			strings.Contains(second, "Measure 0 of BRA in 2025") || strings.Contains(second, `rel="next"`) {
			t.Errorf("second page of the norm's practices:\n%s", second)
		}
		if resp := anon.Get(t, "/compendium/norms/gge2015-h?after=k-nope"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a page after a removed practice: %d, want 400", resp.StatusCode)
		}
	})
}

// A practice is listed and counted by its measure's current published row:
// when a newer report carries the measure forward with another title and
// norms, the practice moves with it after the sync; when that report is
// withdrawn from the public, it returns to the older row; unmarked, it is
// counted nowhere (the lists and counts read the compendium's own copy of
// the order and norms, migration 0304).
func TestPracticesFollowTheirMeasure(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		svc := service(rig)
		publish(t, rig, "FRA", 2024, "public", measure{ID: "m-old", Key: "k-1", Norm: "gge2015-c", Others: []string{"gge2015-h"}, Title: "Old title", Desc: "First.", Type: "policy", Status: "planned"})
		ctx := auth.WithUser(rig.Ctx, rig.User(t, auth.RoleSecretariat, ""))
		if _, err := svc.MarkPractice(ctx, compendium.PracticeInput{MeasureID: "m-old"}); err != nil {
			t.Fatal(err)
		}
		check := func(step string, want map[string]string) {
			t.Helper()
			counts, err := svc.PracticeCounts(rig.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, norm := range []string{"gge2015-c", "gge2015-h", "gge2015-j"} {
				list, _, err := svc.Practices(rig.Ctx, compendium.PracticeFilter{Norm: norm}, "en")
				if err != nil {
					t.Fatal(err)
				}
				var titles []string
				for _, p := range list {
					titles = append(titles, p.Title)
				}
				if got := strings.Join(titles, ","); got != want[norm] || counts[norm] != len(titles) {
					t.Errorf("%s, %s: listed %q (count %d), want %q", step, norm, got, counts[norm], want[norm])
				}
			}
		}
		check("marked", map[string]string{"gge2015-c": "Old title", "gge2015-h": "Old title"})

		newer := publish(t, rig, "FRA", 2025, "public", measure{ID: "m-new", Key: "k-1", Norm: "gge2015-j", Title: "New title", Desc: "Carried forward.", Type: "policy", Status: "implemented"})
		if _, err := svc.SyncSearch(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		check("carried forward", map[string]string{"gge2015-j": "New title"})

		for _, table := range []string{"report_versions", "report_measures", "report_measure_norms"} {
			where := "report_id = ?"
			if table == "report_measure_norms" {
				where = "measure_id IN (SELECT id FROM report_measures WHERE report_id = ?)"
			}
			if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE `+table+` SET published = ? WHERE `+where, false, newer); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.SyncSearch(rig.Ctx); err != nil {
			t.Fatal(err)
		}
		check("newer report withdrawn", map[string]string{"gge2015-c": "Old title", "gge2015-h": "Old title"})

		if err := svc.UnmarkPractice(ctx, "k-1"); err != nil {
			t.Fatal(err)
		}
		check("unmarked", map[string]string{})
	})
}
