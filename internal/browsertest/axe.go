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
func RequireAxe(t *testing.T) {
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
