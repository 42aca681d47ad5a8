// Command screenshots takes screenshots of the monitoring pages of a
// running cybernorms (best one holding the demonstration data) with
// headless Chromium, at 1280 and 390 CSS px wide, in English and Arabic,
// and writes them as PNG files, one viewport high each, for
// docs/modules/monitoring.md. scripts/screenshots/monitoring.sh starts a
// demo and runs it.
//
//	go run ./scripts/screenshots -base http://127.0.0.1:8080 -out docs/modules/img
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// shot is one screenshot: a page, the element scrolled to the top of the
// viewport (empty: the top of the page), and the file's name.
type shot struct {
	name, path, scrollTo string
}

var shots = []shot{
	{"participation", "/monitoring/participation", "h1"},
	{"participation-groups", "/monitoring/participation", "h2"},
	{"map", "/monitoring/map?norm=gge2015-c", "figure"},
	{"state", "/monitoring/states/FRA", "h1"},
	{"state-matrix", "/monitoring/states/FRA", "table.matrix"},
	{"trends-table", "/monitoring/trends", "table"},
}

var sizes = []struct {
	label string
	w, h  int64
}{{"1280", 1280, 800}, {"390", 390, 844}}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "address of the running site")
	out := flag.String("out", "docs/modules/img", "folder for the PNG files")
	browser := flag.String("chromium", "", "Chromium binary (default: chromium on the PATH)")
	flag.Parse()
	path := *browser
	if path == "" {
		for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(n); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		log.Fatal("no Chromium found: install chromium or pass -chromium")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "screenshots")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(dir))
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	for _, lang := range []string{"en", "ar"} {
		for _, sz := range sizes {
			for _, s := range shots {
				file := filepath.Join(*out, fmt.Sprintf("monitoring-%s-%s-%s.png", s.name, lang, sz.label))
				if err := take(ctx, *base+s.path, lang, s.scrollTo, sz.w, sz.h, file); err != nil {
					log.Fatalf("%s: %v", file, err)
				}
				fmt.Println(file)
			}
		}
	}
}

func take(ctx context.Context, url, lang, scrollTo string, w, h int64, file string) error {
	sep := "?"
	for _, c := range url {
		if c == '?' {
			sep = "&"
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(url+sep+"lang="+lang)); err != nil {
		return err
	}
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (e) { e.scrollIntoView({block: "start"}); window.scrollBy(0, -8); } return true })()`, scrollTo)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
		return err
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(file, png, 0o644)
}
