package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AuditWidths are the window widths pages are audited at: a laptop's and
// a small phone's.
var AuditWidths = []int64{390, 1280}

// AuditLanguages are the languages pages are audited in: Arabic, right to
// left, and English last, so the browser is left in English.
var AuditLanguages = []string{"ar", "en"}

// AuditPages runs axe-core on each address in every AuditLanguages (set
// with ?lang=, unless the address names its own language) at every
// AuditWidths, as whoever the browser is signed in as, and reports each
// violation as an error of t, labelled with who. It leaves the browser in
// English at 1280 px. Without axe-core it skips the test, or fails it under
// CYBERNORMS_REQUIRE_ALL.
func AuditPages(t testing.TB, ctx context.Context, who string, urls ...string) {
	t.Helper()
	RequireAxe(t)
	defer func() {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			t.Errorf("set the window back to 1280 px: %v", err)
		}
	}()
	for _, u := range urls {
		langs := AuditLanguages
		if strings.Contains(u, "lang=") {
			langs = []string{""}
		}
		for _, lang := range langs {
			addr := u
			if lang != "" {
				sep := "?"
				if strings.Contains(u, "?") {
					sep = "&"
				}
				addr = u + sep + "lang=" + lang
			}
			for _, w := range AuditWidths {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 900)); err != nil {
					t.Fatalf("set the window to %d px: %v", w, err)
				}
				vs, err := Audit(ctx, addr)
				if err != nil {
					t.Errorf("%s, %s at %d px: %v", who, addr, w, err)
					continue
				}
				if len(vs) > 0 {
					t.Errorf("%s, %s at %d px: %d accessibility violations:%s", who, addr, w, len(vs), Describe(vs))
				}
			}
		}
	}
}

// axeScript is axe-core, read once from CYBERNORMS_AXE (a path to
// axe.min.js, installed by .ci/run from the npm registry).
var (
	axeOnce   sync.Once
	axeScript string
	axeErr    error
)

func loadAxe() (string, error) {
	axeOnce.Do(func() {
		path := os.Getenv("CYBERNORMS_AXE")
		if path == "" {
			axeErr = fmt.Errorf("CYBERNORMS_AXE is not set")
			return
		}
		b, err := os.ReadFile(path)
		axeScript, axeErr = string(b), err
	})
	return axeScript, axeErr
}

// Violation is one axe-core finding.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// WCAGTags are the axe-core rule tags for WCAG 2.2 level AA.
var WCAGTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// RequireAxe returns axe-core or skips (fails under CYBERNORMS_REQUIRE_ALL).
func RequireAxe(t testing.TB) {
	t.Helper()
	if _, err := loadAxe(); err != nil {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatalf("accessibility check needs axe-core: %v", err)
		}
		t.Skipf("accessibility test skipped: %v (npm pack axe-core; point CYBERNORMS_AXE at package/axe.min.js)", err)
	}
}

// Audit loads url in the browser and returns axe-core's WCAG 2.2 AA
// violations.
func Audit(ctx context.Context, url string) ([]Violation, error) {
	script, err := loadAxe()
	if err != nil {
		return nil, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return nil, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](script+";true")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	tags, _ := json.Marshal(WCAGTags)
	js := `axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var v []Violation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// Describe formats violations for a test failure.
func Describe(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, "\n    … %d more", len(v.Nodes)-3)
				break
			}
			fmt.Fprintf(&b, "\n    %v %.120s", n.Target, n.HTML)
		}
	}
	return b.String()
}
