package monitoring_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/browsertest"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// seedYears writes ten cycles of public reports from States of every
// regional group, with a few hundred measures for France, so the charts
// have as many bars, ticks and legend entries as the demo's.
func seedYears(t *testing.T, rig *testrig.Rig) {
	statesByGroup := []string{"FRA", "DEU", "USA", "KEN", "NGA", "BRA", "MEX", "IND", "JPN", "EST", "POL", "AUS", "EGY", "ARG", "CHN"}
	norms := []string{"gge2015-a", "gge2015-c", "gge2015-e", "gge2015-g", "gge2015-k"}
	inTx(t, rig, func(tx *db.Tx) error {
		for year := 2017; year <= 2026; year++ {
			for i, st := range statesByGroup {
				if (year+i)%7 == 0 && st != "FRA" {
					continue // some States skip a cycle
				}
				vis := "public"
				if (year+i)%5 == 0 && st != "FRA" {
					vis = "confidential"
				}
				var stats []stat
				for j, n := range norms {
					k := 1 + (year*3+i*7+j*11)%9
					if st == "FRA" {
						k = 20 + (year+j)%9*3
					}
					stats = append(stats, stat{n, "policy", "implemented", k}, stat{n, "legislation", "planned", k / 2}, stat{n, "institution", "in_progress", k / 3})
				}
				report(t, tx, st, year, vis, (year+i)%3 == 0, stats...)
			}
		}
		return nil
	})
}

// chartLayoutJS lists what is wrong with the layout of the charts shown:
// a text or a legend swatch outside its drawing or over another, chart or
// legend text under 12 CSS px, a page wider than the window.
const chartLayoutJS = `(() => {
  const out = [];
  const shown = e => e.getClientRects().length > 0;
  const overlap = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 1 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 1;
  const pairs = (items, where) => {
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++)
      if (overlap(items[i].b, items[j].b)) out.push(where + ": " + items[i].what + " overlaps " + items[j].what);
  };
  document.querySelectorAll("svg.chart-svg").forEach((svg, n) => {
    if (!shown(svg)) return;
    const vb = svg.viewBox.baseVal, where = "chart " + n + " (" + svg.getAttribute("class") + ")";
    const scale = svg.getBoundingClientRect().width / vb.width;
    const items = [...svg.querySelectorAll("text")].map(t => ({el: t, b: t.getBBox(), what: "text " + JSON.stringify(t.textContent)}));
    for (const it of items) {
      const b = it.b;
      if (b.x < vb.x - .5 || b.y < vb.y - .5 || b.x + b.width > vb.x + vb.width + .5 || b.y + b.height > vb.y + vb.height + .5)
        out.push(where + ": " + it.what + " leaves the viewBox " + [b.x, b.y, b.width, b.height].map(Math.round));
      const px = parseFloat(getComputedStyle(it.el).fontSize) * scale;
      if (px < 12) out.push(where + ": " + it.what + " is " + px.toFixed(1) + " px");
    }
    pairs(items, where);
  });
  document.querySelectorAll(".chart-legend").forEach((ul, n) => {
    if (!shown(ul)) return;
    const box = ul.getBoundingClientRect(), where = "legend " + n, items = [];
    ul.querySelectorAll("li").forEach(li => {
      const label = li.querySelector("bdi");
      items.push({b: li.querySelector("svg").getBoundingClientRect(), what: "swatch of " + JSON.stringify(label.textContent)});
      items.push({b: label.getBoundingClientRect(), what: "label " + JSON.stringify(label.textContent)});
      const px = parseFloat(getComputedStyle(label).fontSize);
      if (px < 12) out.push(where + ": " + label.textContent + " is " + px + " px");
    });
    for (const it of items) {
      const b = it.b;
      if (b.x < Math.max(box.x, 0) - .5 || b.right > Math.min(box.right, document.documentElement.clientWidth) + .5)
        out.push(where + ": " + it.what + " is cut off");
    }
    pairs(items, where);
  });
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) out.push("the page scrolls sideways: " + root.scrollWidth + " px in a " + root.clientWidth + " px window");
  return JSON.stringify(out);
})()`

// TestChartsLaidOutForDirectionAndWidth is issue 19's items 6, 7 and 10
// in a real browser: on the participation page, the map and a State's
// profile, in English and Arabic, at 1280 and 390 px, no chart text or
// legend swatch leaves its drawing or covers another, chart text is at
// least 12 CSS px, the page never scrolls sideways and wide tables scroll
// in their own focusable region with their caption in view.
func TestChartsLaidOutForDirectionAndWidth(t *testing.T) {
	ctx := browsertest.New(t)
	rig := testrig.New(t)
	seedYears(t, rig)
	p := browsertest.Page{T: t, Ctx: ctx}
	for _, width := range []int64{1280, 390} {
		for _, lang := range []string{"en", "ar"} {
			for _, path := range []string{"/monitoring/participation", "/monitoring/map?norm=gge2015-c", "/monitoring/states/FRA", "/monitoring/trends"} {
				u := fmt.Sprintf("%s%s%slang=%s", rig.URL, path, map[bool]string{true: "&", false: "?"}[containsQuery(path)], lang)
				name := fmt.Sprintf("%s in %s at %d px", path, lang, width)
				p.Do(name, chromedp.EmulateViewport(width, 900), chromedp.Navigate(u))
				if got := p.Eval(`document.querySelectorAll("svg.chart-svg").length`); got == "0" {
					t.Fatalf("%s: no chart", name)
				}
				var problems []string
				if err := json.Unmarshal([]byte(p.Eval(chartLayoutJS)), &problems); err != nil {
					t.Fatal(err)
				}
				var tables []string
				if err := json.Unmarshal([]byte(p.Eval(tableLayoutJS)), &tables); err != nil {
					t.Fatal(err)
				}
				for _, pr := range append(problems, tables...) {
					t.Errorf("%s: %s", name, pr)
				}
				if os.Getenv("CYBERNORMS_AXE") != "" && width == 390 {
					vs, err := browsertest.Audit(ctx, u)
					if err != nil {
						t.Errorf("%s: %v", name, err)
					} else if len(vs) > 0 {
						t.Errorf("%s: %d accessibility violations:%s", name, len(vs), browsertest.Describe(vs))
					}
				}
			}
		}
	}
}

func containsQuery(path string) bool {
	for _, c := range path {
		if c == '?' {
			return true
		}
	}
	return false
}

// tableLayoutJS lists what is wrong with the tables: one wider than its
// column at 1280 px, one that scrolls but cannot take focus, a caption cut
// off.
const tableLayoutJS = `(() => {
  const out = [];
  document.querySelectorAll(".table-wrap").forEach(w => {
    const cap = w.querySelector("caption"), name = cap ? cap.textContent : "?";
    if (innerWidth >= 1280 && w.scrollWidth > w.clientWidth + 1) out.push("table " + JSON.stringify(name) + " scrolls sideways at " + innerWidth + " px");
    if (w.scrollWidth > w.clientWidth + 1 && w.tabIndex < 0) out.push("table " + JSON.stringify(name) + " scrolls but cannot take focus");
    if (cap) {
      const c = (cap.firstElementChild || cap).getBoundingClientRect(), r = w.getBoundingClientRect();
      if (c.right > r.right + .5 || c.left < r.left - .5) out.push("the caption " + JSON.stringify(name) + " is cut off: " + [c.left, c.right, r.left, r.right].map(Math.round));
    }
  });
  return JSON.stringify(out);
})()`
