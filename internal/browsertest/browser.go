// Package browsertest drives a real headless Chromium against a running
// app, for the journeys people depend on. Tests skip (saying why) when no
// Chromium is installed, and fail instead when CYBERNORMS_REQUIRE_ALL=1.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath finds the browser binary.
func ChromiumPath() string {
	if p := os.Getenv("CYBERNORMS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
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
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 10*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}
