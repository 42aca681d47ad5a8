package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Page is one person's browser in a test. Its steps fail the test with
// what went wrong and what the page said.
type Page struct {
	T   testing.TB
	Ctx context.Context
}

// Do runs the actions of a step.
func (p Page) Do(step string, actions ...chromedp.Action[chromedp.Void]) {
	p.T.Helper()
	if err := chromedp.Do(p.Ctx, actions...); err != nil {
		p.T.Fatalf("%s: %v (page: %.600s)", step, err, p.Text("main"))
	}
}

// Eval evaluates JavaScript in the page and returns its value as text.
func (p Page) Eval(js string) string {
	p.T.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[any](js))
	if err != nil {
		p.T.Fatalf("evaluate %.80s: %v", js, err)
	}
	return fmt.Sprint(v)
}

// Text is the text of every element matching the CSS selector, one per
// line ("" when none matches).
func (p Page) Text(sel string) string {
	p.T.Helper()
	s, err := chromedp.Run(p.Ctx, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.innerText).join("\n")`, sel)))
	if err != nil {
		p.T.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// Contains checks that the text of the elements matching sel holds every
// want, and returns that text.
func (p Page) Contains(step, sel string, want ...string) string {
	p.T.Helper()
	got := p.Text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.T.Fatalf("%s: %s lacks %q:\n%.800s", step, sel, w, got)
		}
	}
	return got
}

// Location is the page's address.
func (p Page) Location() string {
	p.T.Helper()
	loc, err := chromedp.Run(p.Ctx, chromedp.Location())
	if err != nil {
		p.T.Fatal(err)
	}
	return loc
}
