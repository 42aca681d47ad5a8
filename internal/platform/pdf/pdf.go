// Package pdf turns a page the server has rendered into a tagged PDF with
// an outline, through a headless Chromium that the server drives (an
// optional runtime dependency: without one, Render answers ErrUnavailable).
//
// The HTML is handed to the browser in-process (Page.setDocumentContent on
// about:blank): Chromium fetches nothing. Every network request of the
// page is blocked and host names resolve to nothing, so a link or image in
// the content can never make the server's browser reach another machine.
// Renders are bounded (Renderer.Concurrency at a time, each within
// Renderer.Timeout), and each runs in a fresh browser with a throw-away
// profile, so a crash or a hung page affects that render alone.
package pdf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ErrUnavailable means no Chromium is configured or installed.
var ErrUnavailable = errors.New("PDF generation is not available on this server: no Chromium is installed (install Debian's chromium package or set --chromium)")

// ErrBusy means the renders in progress did not free a place in time.
var ErrBusy = errors.New("the server is busy making other PDFs; try again in a minute")

// FindChromium returns the browser binary: path itself when set ("off"
// disables PDFs), else the first of chromium, chromium-browser and
// google-chrome on PATH or /usr/bin/chromium; "" when there is none.
func FindChromium(path string) string {
	switch path {
	case "off":
		return ""
	case "":
	default:
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// ChromiumOptions are the command line of a headless Chromium that the
// platform drives, for the server's PDFs and the browser tests alike: the
// binary at path, no sandbox (it runs as a service user or in a container),
// no GPU, nothing fetched on its own (updates, sync, QUIC, background
// requests), /tmp instead of a small /dev/shm, and a fresh profile in
// profileDir.
func ChromiumOptions(path, profileDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
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
		chromedp.UserDataDir(profileDir),
	}
}

// Renderer makes PDFs. The zero value has no browser (ErrUnavailable).
type Renderer struct {
	// Path is the Chromium binary; "" means PDFs are not available.
	Path string
	// Concurrency is how many renders run at once (at least 1).
	Concurrency int
	// Timeout bounds one render, from the wait for a place to the last byte.
	Timeout time.Duration

	once sync.Once
	sem  chan struct{}
}

// Available reports whether a browser is configured and present.
func (r *Renderer) Available() error {
	if r == nil || r.Path == "" {
		return ErrUnavailable
	}
	if _, err := os.Stat(r.Path); err != nil {
		return fmt.Errorf("%w (%s: %v)", ErrUnavailable, r.Path, err)
	}
	return nil
}

// Options of one document.
type Options struct {
	// Footer is the HTML of the page footer (Chromium's template: elements
	// of class pageNumber and totalPages are filled in); "" for none.
	Footer string
}

// Render prints html (a whole document, with its styles inline) to an A4
// PDF, tagged for assistive technology and with an outline of its headings.
func (r *Renderer) Render(ctx context.Context, html string, opt Options) ([]byte, error) {
	if err := r.Available(); err != nil {
		return nil, err
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.once.Do(func() { r.sem = make(chan struct{}, max(r.Concurrency, 1)) })
	select {
	case r.sem <- struct{}{}:
		defer func() { <-r.sem }()
	case <-ctx.Done():
		return nil, ErrBusy
	}
	dir, err := os.MkdirTemp("", "cybernorms-pdf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	opts := append(ChromiumOptions(r.Path, dir),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		// No JIT: the document needs almost no script, and without
		// writable-executable memory the browser runs under systemd's
		// MemoryDenyWriteExecute (deploy/systemd).
		chromedp.Flag("js-flags", "--jitless"),
	)
	// The browser lives as long as this render: cancelling the allocator
	// ends the process and its children.
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		return nil, fmt.Errorf("start chromium: %w", err)
	}
	load := func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		block := []*network.BlockPattern{{URLPattern: "*://*:*/*", Block: true}}
		if _, err := cdp.Call(ctx, t, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: block}); err != nil {
			return err
		}
		tree, err := cdp.Call(ctx, t, page.GetFrameTree, cdp.Empty{})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: html})
		return err
	}
	if err := chromedp.Do(bctx, chromedp.Func(load)); err != nil {
		return nil, fmt.Errorf("load the document: %w", err)
	}
	// Fonts are local; wait until they are laid out.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.fonts.ready.then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		return nil, fmt.Errorf("wait for fonts: %w", err)
	}
	pdfOpts := []chromedp.PDFOption{chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFOutlineAndTagged(), chromedp.PDFPreferCSSPageSize(), chromedp.PDFStream()}
	if opt.Footer != "" {
		pdfOpts = append(pdfOpts, chromedp.PDFHeaderTemplate("<span></span>"), chromedp.PDFFooterTemplate(opt.Footer))
	}
	out, err := chromedp.Run(bctx, chromedp.PrintToPDF(pdfOpts...))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("make PDF: took longer than %s: %w", timeout, err)
		}
		return nil, fmt.Errorf("make PDF: %w", err)
	}
	return out, nil
}
