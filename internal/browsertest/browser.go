// Package browsertest drives a real headless Chromium against a running
// app, for the journeys people depend on. Tests skip (saying why) when no
// Chromium is installed, and fail instead when CYBERNORMS_REQUIRE_ALL=1.
package browsertest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cybernorms/cybernorms/internal/platform/pdf"
)

// ChromiumPath finds the browser binary: CYBERNORMS_CHROMIUM, else as the
// server finds it (pdf.FindChromium).
func ChromiumPath() string {
	return pdf.FindChromium(os.Getenv("CYBERNORMS_CHROMIUM"))
}

// New starts a headless browser for the test and returns its context.
func New(t *testing.T) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but no Chromium found (apt-get install chromium)")
		}
		t.Skip("browser test skipped: no Chromium installed (apt-get install chromium, or set CYBERNORMS_CHROMIUM)")
	}
	opts := append(pdf.ChromiumOptions(path, t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
