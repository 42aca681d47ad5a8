package monitoring_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

var testCtx = context.Background()

type figures struct {
	Caption string
	Columns []struct{ Key, Label string }
	Rows    []struct {
		Key, Label string
		Values     []any
	}
}

type view struct {
	Title   string
	Figures figures
	Extra   *figures
}

func getJSON(t *testing.T, c *testrig.Client, path string) view {
	t.Helper()
	resp := c.Get(t, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, testrig.Body(resp))
	}
	var v view
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func cellString(v any) string {
	switch x := v.(type) {
	case float64:
		return fmt.Sprint(int(x))
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// table maps a row label to its cells, as the page's table shows them.
func table(page, caption string) map[string][]string {
	i := strings.Index(page, ">"+html.EscapeString(caption)+"</span></caption>")
	if i < 0 {
		i = strings.Index(page, ">"+caption+"</span></caption>")
	}
	if i < 0 {
		return nil
	}
	page = page[i:]
	page = page[:strings.Index(page, "</table>")]
	out := map[string][]string{}
	rowRE := regexp.MustCompile(`<tr><th scope="row">(.*?)</th>(.*?)</tr>`)
	cellRE := regexp.MustCompile(`<td[^>]*>(.*?)</td>`)
	for _, m := range rowRE.FindAllStringSubmatch(page, -1) {
		var cells []string
		for _, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			cells = append(cells, html.UnescapeString(c[1]))
		}
		out[unbdi(m[1])] = cells
	}
	return out
}

// unbdi is the text of a header cell: unescaped, without its isolation.
func unbdi(s string) string {
	return html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(s, "<bdi>"), "</bdi>"))
}

// rows reads a table drawn row for row from the figures.
func rows(page string, v view) map[string][]string { return table(page, v.Figures.Caption) }

// transposed reads a table drawn by Figures.TransposedHTML (a row per
// column of the figures) back into the figures' rows.
func transposed(page string, v view) map[string][]string {
	tbl := table(page, v.Figures.Caption)
	if tbl == nil {
		return nil
	}
	out := map[string][]string{}
	for i, r := range v.Figures.Rows {
		for _, c := range v.Figures.Columns {
			if cells := tbl[c.Label]; i < len(cells) {
				out[r.Label] = append(out[r.Label], cells[i])
			}
		}
	}
	return out
}

// matrix reads a table drawn by Figures.MatrixHTML (a row group per row of
// the figures, a line per part, a column per group) back into the
// figures' rows, whose columns run group by group.
func matrix(page string, v view) map[string][]string {
	i := strings.Index(page, ">"+html.EscapeString(v.Figures.Caption)+"</span></caption>")
	if i < 0 {
		return nil
	}
	page = page[i:]
	page = page[:strings.Index(page, "</table>")]
	out := map[string][]string{}
	groupRE := regexp.MustCompile(`(?s)<tbody><tr><th scope="rowgroup" rowspan="\d+">(.*?)</th>(.*?)</tbody>`)
	partRE := regexp.MustCompile(`<th scope="row" class="part">.*?</th>(.*?)</tr>`)
	cellRE := regexp.MustCompile(`<td[^>]*>(.*?)</td>`)
	for _, g := range groupRE.FindAllStringSubmatch(page, -1) {
		var parts [][]string
		for _, p := range partRE.FindAllStringSubmatch(g[2], -1) {
			var cells []string
			for _, c := range cellRE.FindAllStringSubmatch(p[1], -1) {
				cells = append(cells, html.UnescapeString(c[1]))
			}
			parts = append(parts, cells)
		}
		var row []string
		for j := 0; len(parts) > 0 && j < len(parts[0]); j++ {
			for _, p := range parts {
				row = append(row, p[j])
			}
		}
		out[unbdi(g[1])] = row
	}
	return out
}

// sameEverywhere checks that the JSON figures, the CSV and the page's table
// (read back by read) hold the same numbers, row by row.
func sameEverywhere(t *testing.T, c *testrig.Client, api, csvPath, pagePath string, read func(page string, v view) map[string][]string) view {
	t.Helper()
	v := getJSON(t, c, api)
	resp := c.Get(t, csvPath)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%s: %d %s", csvPath, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(v.Figures.Rows)+1 {
		t.Fatalf("CSV has %d rows, JSON %d", len(recs)-1, len(v.Figures.Rows))
	}
	for i, col := range v.Figures.Columns {
		if recs[0][i+2] != col.Key {
			t.Errorf("CSV column %d is %q, JSON %q", i, recs[0][i+2], col.Key)
		}
	}
	tbl := read(c.GetBody(t, pagePath), v)
	if tbl == nil {
		t.Fatalf("no table captioned %q on %s", v.Figures.Caption, pagePath)
	}
	for i, row := range v.Figures.Rows {
		rec := recs[i+1]
		if rec[0] != row.Key {
			t.Errorf("CSV row %d is %s, JSON %s", i, rec[0], row.Key)
		}
		cells := tbl[row.Label]
		if len(cells) != len(row.Values) {
			t.Fatalf("table row %q has %d cells, JSON %d", row.Label, len(cells), len(row.Values))
		}
		for j, val := range row.Values {
			s := cellString(val)
			if rec[j+2] != s || cells[j] != s {
				t.Errorf("%s / %s: JSON %q, CSV %q, table %q", row.Key, v.Figures.Columns[j].Key, s, rec[j+2], cells[j])
			}
		}
	}
	return v
}

func row(v view, key string) []string {
	for _, r := range v.Figures.Rows {
		if r.Key == key {
			var out []string
			for _, c := range r.Values {
				out = append(out, cellString(c))
			}
			return out
		}
	}
	return nil
}

func seed(t *testing.T, rig *testrig.Rig) {
	inTx(t, rig, func(tx *db.Tx) error {
		report(t, tx, "FRA", 2024, "public", false, stat{"gge2015-c", "policy", "implemented", 2})
		report(t, tx, "FRA", 2025, "public", false, stat{"gge2015-c", "legislation", "implemented", 3}, stat{"gge2015-c", "policy", "implemented", 1}, stat{"gge2015-c", "policy", "planned", 5}, stat{"gge2015-g", "institution", "in_progress", 2})
		report(t, tx, "KEN", 2025, "public", true, stat{"gge2015-g", "strategy", "implemented", 4})
		report(t, tx, "DEU", 2025, "confidential", false, stat{"gge2015-c", "policy", "implemented", 9})
		return nil
	})
}

func TestWorldMap(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		seed(t, rig)
		c := rig.Anonymous(t)
		v := sameEverywhere(t, c, "/api/v1/statistics/map?norm=gge2015-c", "/monitoring/map.csv?norm=gge2015-c", "/monitoring/map?norm=gge2015-c", rows)
		tests := []struct {
			name, state string
			want        []string
		}{
			{"a public report counts its implemented measures", "FRA", []string{"Western European and other States", "Yes", "4"}},
			{"a State that reported none under the norm shows 0", "KEN", []string{"African States", "Yes", "0"}},
			{"a confidential report shows as no public report", "DEU", []string{"Western European and other States", "No", ""}},
			{"a State that did not report has no number", "USA", []string{"Western European and other States", "No", ""}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := row(v, tt.state); strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			})
		}
		if len(v.Figures.Rows) != 195 {
			t.Errorf("%d States in the table, want 195", len(v.Figures.Rows))
		}
		page := c.GetBody(t, "/monitoring/map?norm=gge2015-c")
		for _, want := range []string{`role="img"`, "<title>France: 4 implemented measures</title>", "<title>Germany: no public report</title>", "chart-noreport", "No public report"} {
			if !strings.Contains(page, want) {
				t.Errorf("the map page lacks %q", want)
			}
		}
		if strings.Contains(page, "Germany: 9") {
			t.Error("the confidential report's figure is on the map")
		}
		t.Run("an earlier cycle is chosen by id", func(t *testing.T) {
			v := getJSON(t, c, "/api/v1/statistics/map?norm=gge2015-c&cycle=cycle-2024")
			if got := row(v, "FRA"); got[2] != "2" {
				t.Errorf("FRA in 2024: %v", got)
			}
			if got := row(v, "KEN"); got[1] != "No" {
				t.Errorf("KEN in 2024: %v", got)
			}
		})
		t.Run("the regional group filter keeps that group's States", func(t *testing.T) {
			v := getJSON(t, c, "/api/v1/statistics/map?norm=gge2015-c&group=african")
			if row(v, "FRA") != nil || row(v, "KEN") == nil {
				t.Error("wrong States for the African group")
			}
		})
		t.Run("a new submission shows at once", func(t *testing.T) {
			inTx(t, rig, func(tx *db.Tx) error {
				report(t, tx, "USA", 2025, "public", false, stat{"gge2015-c", "cbm", "implemented", 7})
				return nil
			})
			if got := row(getJSON(t, c, "/api/v1/statistics/map?norm=gge2015-c"), "USA"); got[2] != "7" {
				t.Errorf("USA after submitting: %v", got)
			}
		})
		for _, bad := range []struct{ q, field string }{{"norm=gge2015-z", "norm"}, {"group=mars", "group"}, {"norm=gge2015-a&cycle=nope", "cycle"}} {
			t.Run("a bad "+bad.field+" is refused naming it", func(t *testing.T) {
				resp := c.Get(t, "/api/v1/statistics/map?"+bad.q)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(testrig.Body(resp), `"field":"`+bad.field+`"`) {
					t.Errorf("API: %d", resp.StatusCode)
				}
				if resp := c.Get(t, "/monitoring/map?"+bad.q); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("page: %d", resp.StatusCode)
				}
				if resp := c.Get(t, "/monitoring/map.csv?"+bad.q); resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("CSV: %d", resp.StatusCode)
				}
			})
		}
	})
}

func TestStateProfile(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		seed(t, rig)
		c := rig.Anonymous(t)
		v := sameEverywhere(t, c, "/api/v1/statistics/states/FRA", "/monitoring/states/FRA/profile.csv", "/monitoring/states/FRA", matrix)
		// Columns: 2024 measures, 2024 implemented, 2025 measures, 2025 implemented.
		if got := strings.Join(row(v, "gge2015-c"), ","); got != "2,2,9,4" {
			t.Errorf("FRA norm (c): %s", got)
		}
		if got := strings.Join(row(v, "gge2015-g"), ","); got != "0,0,2,0" {
			t.Errorf("FRA norm (g): %s", got)
		}
		if v.Extra == nil || len(v.Extra.Rows) != 2 {
			t.Fatalf("participation history: %+v", v.Extra)
		}
		t.Run("a confidential report is not shown by State", func(t *testing.T) {
			v := getJSON(t, c, "/api/v1/statistics/states/DEU")
			for _, r := range v.Figures.Rows {
				for _, cell := range r.Values {
					if cellString(cell) != "" {
						t.Fatalf("DEU %s shows %v", r.Key, r.Values)
					}
				}
			}
			page := c.GetBody(t, "/monitoring/states/DEU")
			if strings.Contains(page, ">9<") {
				t.Error("the confidential figure is on the page")
			}
		})
		t.Run("an unknown State is a 404", func(t *testing.T) {
			if resp := c.Get(t, "/monitoring/states/XXX"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("page: %d", resp.StatusCode)
			}
			if resp := c.Get(t, "/api/v1/statistics/states/XXX"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("API: %d", resp.StatusCode)
			}
		})
	})
}

func TestParticipation(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		seed(t, rig)
		c := rig.Anonymous(t)
		v := sameEverywhere(t, c, "/api/v1/statistics/participation", "/monitoring/participation.csv", "/monitoring/participation", rows)
		// reported, on time, late, public, confidential, did not report
		if got := strings.Join(row(v, "2025"), ","); got != "3,2,1,2,1,192" {
			t.Errorf("2025: %s", got)
		}
		if got := strings.Join(row(v, "2024"), ","); got != "1,1,0,1,0,194" {
			t.Errorf("2024: %s", got)
		}
		page := c.GetBody(t, "/monitoring/participation")
		if !strings.Contains(page, "include confidential reports") {
			t.Error("the page does not say that confidential reports are counted")
		}
		groups := map[string]string{}
		for _, r := range v.Extra.Rows {
			var cells []string
			for _, x := range r.Values {
				cells = append(cells, cellString(x))
			}
			groups[r.Key] = strings.Join(cells, ",")
		}
		if groups["weog"] != "1,2" || groups["african"] != "0,1" {
			t.Errorf("by group: %v", groups)
		}
	})
}

func TestTrends(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		seed(t, rig)
		c := rig.Anonymous(t)
		v := sameEverywhere(t, c, "/api/v1/statistics/trends?norm=gge2015-c", "/monitoring/trends.csv?norm=gge2015-c", "/monitoring/trends?norm=gge2015-c", transposed)
		cols := map[string]int{}
		for i, col := range v.Figures.Columns {
			cols[col.Key] = i
		}
		r := row(v, "2025")
		// Public only: FRA's 9 measures under (c); DEU's confidential 9 are not counted.
		if r[cols["total"]] != "9" || r[cols["type_legislation"]] != "3" || r[cols["type_policy"]] != "6" || r[cols["status_planned"]] != "5" || r[cols["status_implemented"]] != "4" {
			t.Errorf("2025 under (c): %v", r)
		}
		all := getJSON(t, c, "/api/v1/statistics/trends")
		if got := row(all, "2025")[cols["total"]]; got != "15" {
			t.Errorf("2025 all norms: total %s, want 15", got)
		}
	})
}
