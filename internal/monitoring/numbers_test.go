package monitoring_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// TestCountsAndNumbersInTheReadersLanguage: the dashboards' tables, charts
// and legends write their numbers with the language's separators
// (web.FormatNumber: "1,234", "1 234"), never "1234" or "171.0", and their
// counts take the language's plural forms ("No regional group (1 State)",
// "(1 государство)"), never "1 States".
func TestCountsAndNumbersInTheReadersLanguage(t *testing.T) {
	rig := testrig.New(t)
	inTx(t, rig, func(tx *db.Tx) error {
		report(t, tx, "FRA", 2025, "public", false, stat{"gge2015-a", "policy", "implemented", 1234}, stat{"gge2015-c", "policy", "planned", 2})
		report(t, tx, "KEN", 2025, "public", false, stat{"gge2015-a", "policy", "implemented", 1})
		return nil
	})
	c := rig.Anonymous(t)
	nbsp := "\u00a0"
	for _, tc := range []struct {
		lang      string
		want      []string
		notWanted []string
		mapWant   []string
		sep       string // the thousands separator
	}{
		{"en", []string{"(1 State)"}, []string{"(1 States)"}, []string{"France: 1,234 implemented measures", "Kenya: 1 implemented measure<"}, ","},
		{"ru", []string{"(1 государство)", "государств)"}, []string{"государств: "}, []string{"Франция: 1" + nbsp + "234 осуществлённые меры", "Кения: 1 осуществлённая мера<"}, nbsp},
		{"ar", []string{"(1 دولة)"}, nil, []string{"1,234"}, ","},
		{"fr", []string{"(1 État)"}, []string{"(1 États)"}, []string{"France : 1" + nbsp + "234 mesures mises en œuvre"}, nbsp},
	} {
		part := c.GetBody(t, "/monitoring/participation?lang="+tc.lang)
		for _, w := range tc.want {
			if !strings.Contains(part, w) {
				t.Errorf("%s participation: no %q", tc.lang, w)
			}
		}
		for _, w := range tc.notWanted {
			if strings.Contains(part, w) {
				t.Errorf("%s participation: %q", tc.lang, w)
			}
		}
		mp := c.GetBody(t, "/monitoring/map?norm=gge2015-a&lang="+tc.lang)
		for _, w := range tc.mapWant {
			if !strings.Contains(mp, w) {
				t.Errorf("%s map: no %q", tc.lang, w)
			}
		}
		// FRA's 1,234 implemented measures; 1,237 measures of the cycle.
		for p, want := range map[string]string{"/monitoring/states/FRA": "1" + tc.sep + "234", "/monitoring/trends": "1" + tc.sep + "237", "/monitoring/map?norm=gge2015-a": "1" + tc.sep + "234"} {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			body := c.GetBody(t, p+sep+"lang="+tc.lang)
			if !strings.Contains(body, ">"+want+"<") {
				t.Errorf("%s %s: no %q in a table or chart", tc.lang, p, want)
			}
			for _, m := range shownText.FindAllStringSubmatch(body, -1) {
				for _, n := range digits.FindAllString(m[1], -1) {
					if strings.HasSuffix(n, ".0") || len(n) > 4 || len(n) == 4 && !strings.HasPrefix(n, "20") && !strings.HasPrefix(n, "19") {
						t.Errorf("%s %s: a number is not formatted: %q in %q", tc.lang, p, n, m[1])
					}
				}
			}
		}
	}
}

// shownText is the text of a table cell, a chart's text or a tooltip;
// digits a number in it, as written (a year, "2025", is no count).
var (
	shownText = regexp.MustCompile(`>([^<]+)</(?:td|text|title|bdi)>`)
	digits    = regexp.MustCompile(`\d+(?:\.\d+)?`)
)
