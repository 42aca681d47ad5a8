package reporting_test

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/pdf"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func requireChromium(t *testing.T) {
	t.Helper()
	if pdf.FindChromium(os.Getenv("CYBERNORMS_CHROMIUM")) == "" {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but no Chromium found to make PDFs (apt-get install chromium)")
		}
		t.Skip("PDF test skipped: no Chromium installed (apt-get install chromium, or set CYBERNORMS_CHROMIUM)")
	}
}

// get reads path as the client (with its token, if any).
func (a apiClient) get(t *testing.T, path string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{}
	if a.token != "" {
		h["Authorization"] = "Bearer " + a.token
	}
	resp := a.c.Do(t, "GET", path, nil, h)
	return resp, []byte(testrig.Body(resp))
}

// plainPDFString reports whether s is written as is in a PDF literal
// string: ASCII without the characters the format escapes.
func plainPDFString(s string) bool {
	for _, r := range s {
		if r >= 128 || r == '(' || r == ')' || r == '\\' {
			return false
		}
	}
	return true
}

var normHeading = regexp.MustCompile(`<h2 id="norm-(gge2015-[a-k])">\([a-k]\) ([^<]+)</h2>`)

// TestReportPDF fetches the PDF of a public version, a draft and a
// confidential version: a tagged PDF with an outline naming the norms and a
// contents page, refused (404) to those who may not read the version, sent
// "private, no-store" where the version is not public, and kept once made.
func TestReportPDF(t *testing.T) {
	requireChromium(t)
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		pub := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+pub+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{
			measure("gge2015-a", "National cyber strategy", "implemented"), measure("gge2015-c", "Hosting provider notice", "planned")}}})
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+pub+"/submit", map[string]any{"visibility": "public"})
		conf := w.kenAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.kenAp.must(t, 200, "PUT", "/api/v1/reports/"+conf+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{measure("gge2015-b", "Secret measure", "planned")}}})
		w.kenAp.must(t, 201, "POST", "/api/v1/reports/"+conf+"/submit", map[string]any{"visibility": "confidential"})
		// France's next report is a draft: reopen is for corrections, so a
		// draft of another report comes from a second cycle.
		next := w.sec.must(t, 201, "POST", "/api/v1/reporting/cycles", map[string]string{"name": "2027", "opens_on": day(-24 * time.Hour), "due_on": day(40 * 24 * time.Hour), "closes_on": day(70 * 24 * time.Hour)})
		draft := w.fraEd.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": next["id"]})["id"].(string)

		// The norms' titles as the print view shows them.
		_, printed := w.public.get(t, "/reports/"+pub+"/print")
		titles := map[string]string{}
		for _, m := range normHeading.FindAllSubmatch(printed, -1) {
			titles[string(m[1])] = html.UnescapeString(string(m[2]))
		}
		if len(titles) != 11 {
			t.Fatalf("%d norm headings in the print view, want 11", len(titles))
		}
		if !bytes.Contains(printed, []byte(`href="/reports/`+pub+`/export.pdf?version=1"`)) {
			t.Error("the print view does not link to the PDF")
		}
		if _, show := w.public.get(t, "/reports/"+pub); !bytes.Contains(show, []byte(`/reports/`+pub+`/export.pdf?version=1`)) {
			t.Error("the report page does not link to the PDF")
		}

		checkPDF := func(t *testing.T, resp *http.Response, body []byte, want ...string) {
			t.Helper()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("status %d, %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			for _, s := range append([]string{"%PDF-", "/StructTreeRoot", "/MarkInfo", "/Outlines"}, want...) {
				if !bytes.Contains(body, []byte(s)) {
					t.Errorf("the PDF has no %q", s)
				}
			}
		}
		t.Run("the public reads a public version's PDF, tagged, with the norms in its outline", func(t *testing.T) {
			resp, body := w.public.get(t, "/reports/"+pub+"/export.pdf")
			// A title is in the outline and the contents page; ASCII
			// titles are written as PDF literal strings.
			var want []string
			for _, id := range []string{"gge2015-a", "gge2015-c", "gge2015-k"} {
				if tl := titles[id]; plainPDFString(tl) {
					want = append(want, tl)
				}
			}
			if len(want) == 0 {
				t.Fatalf("no norm title to look for in %v", titles)
			}
			if f := os.Getenv("CYBERNORMS_KEEP_PDF"); f != "" {
				_ = os.WriteFile(f, body, 0o600)
			}
			checkPDF(t, resp, body, append(want, "Contents", "National cyber strategy")...)
			if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "private") || strings.Contains(cc, "no-store") {
				t.Errorf("a public version's PDF is sent %q", cc)
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "report-fra-2026-v1.pdf") {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
		t.Run("the API serves the same PDF", func(t *testing.T) {
			resp, body := w.public.get(t, "/api/v1/reports/"+pub+"/export.pdf?version=1")
			checkPDF(t, resp, body)
		})
		t.Run("a draft's PDF is its State's alone, private and not stored", func(t *testing.T) {
			resp, body := w.fraEd.get(t, "/reports/"+draft+"/export.pdf")
			checkPDF(t, resp, body)
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("a draft's PDF is sent Cache-Control %q", cc)
			}
			for name, c := range map[string]apiClient{"the public": w.public, "another State": w.kenAp} {
				if resp, _ := c.get(t, "/reports/"+draft+"/export.pdf?version=0"); resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s reads a draft's PDF: %d", name, resp.StatusCode)
				}
			}
		})
		t.Run("a confidential version's PDF is refused to others", func(t *testing.T) {
			resp, body := w.kenAp.get(t, "/reports/"+conf+"/export.pdf?version=1")
			checkPDF(t, resp, body, "Secret measure")
			if cc := resp.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("a confidential PDF is sent Cache-Control %q", cc)
			}
			for name, c := range map[string]apiClient{"the public": w.public, "another State": w.fraAp} {
				resp, body := c.get(t, "/reports/"+conf+"/export.pdf?version=1")
				if resp.StatusCode != http.StatusNotFound || bytes.Contains(body, []byte("Secret measure")) {
					t.Errorf("%s reads a confidential PDF: %d", name, resp.StatusCode)
				}
			}
		})
		t.Run("a made PDF is kept: it is served again without the browser", func(t *testing.T) {
			r := rig.App.Services.PDF
			path := r.Path
			r.Path = ""
			defer func() { r.Path = path }()
			resp, body := w.public.get(t, "/reports/"+pub+"/export.pdf?version=1")
			checkPDF(t, resp, body)
		})
	})
}

// TestReportPDFWithoutChromium answers 503 saying why, on the page and in
// the API, and the other exports still work.
func TestReportPDFWithoutChromium(t *testing.T) {
	testrig.EachWith(t, func(c *config.Config) { c.Chromium = "off" }, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		pub := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
		w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+pub+"/submit", map[string]any{"visibility": "public"})
		reason := html.EscapeString(rig.App.Services.Site.Catalog.T("en", "reporting.pdf_no_browser"))
		resp, body := w.public.get(t, "/reports/"+pub+"/export.pdf")
		if resp.StatusCode != http.StatusServiceUnavailable || !bytes.Contains(body, []byte(reason)) {
			t.Errorf("page: %d %.300s", resp.StatusCode, body)
		}
		resp, body = w.public.get(t, "/api/v1/reports/"+pub+"/export.pdf")
		var e struct {
			Error struct{ Code, Message string }
		}
		if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &e) != nil || e.Error.Code != "pdf_unavailable" || !strings.Contains(e.Error.Message, "Chromium") {
			t.Errorf("API: %d %s", resp.StatusCode, body)
		}
		if resp, _ := w.public.get(t, "/reports/"+pub+"/export.csv"); resp.StatusCode != http.StatusOK {
			t.Errorf("CSV without Chromium: %d", resp.StatusCode)
		}
	})
}

// TestReportPDFInArabicAndChinese makes the PDF of a report in Arabic and
// in Chinese and reads it back with poppler's pdftotext: the interface text
// (the contents page's heading) and the State's own words come out as
// text, not as empty boxes, which needs the server's fonts for those
// scripts (docs/deploy.md: fonts-noto-core, fonts-wqy-microhei).
func TestReportPDFInArabicAndChinese(t *testing.T) {
	requireChromium(t)
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	rig := testrig.New(t)
	w := newWorld(t, rig)
	const (
		arabic  = "الاستراتيجية الوطنية للأمن السيبراني"
		chinese = "国家网络安全战略"
	)
	id := w.fraAp.must(t, 201, "POST", "/api/v1/reports", map[string]any{"cycle_id": w.cycle})["id"].(string)
	w.fraAp.must(t, 200, "PUT", "/api/v1/reports/"+id+"/draft", map[string]any{"revision": 1, "content": map[string]any{"measures": []any{
		measure("gge2015-a", arabic, "implemented"), measure("gge2015-c", chinese, "planned")}}})
	w.fraAp.must(t, 201, "POST", "/api/v1/reports/"+id+"/submit", map[string]any{"visibility": "public"})
	// pdftotext writes Arabic in the order of the glyphs on the line, and
	// may keep their contextual forms: compare the letters, normalised
	// (NFKC) and without the spaces, forwards or backwards.
	letters := func(s string) string {
		return strings.Join(strings.Fields(norm.NFKC.String(s)), "")
	}
	reverse := func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}
	for _, lang := range []string{"ar", "zh"} {
		t.Run(lang, func(t *testing.T) {
			resp, body := w.public.get(t, "/reports/"+id+"/export.pdf?version=1&lang="+lang)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
				t.Fatalf("status %d, %s: %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			cmd := exec.Command(tool, "-enc", "UTF-8", "-", "-")
			cmd.Stdin = bytes.NewReader(body)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := letters(string(out))
			for _, want := range []string{rig.App.Services.Site.Catalog.T(lang, "reporting.contents"), arabic, chinese} {
				if w := letters(want); !strings.Contains(text, w) && !strings.Contains(text, reverse(w)) {
					t.Errorf("the %s PDF's text lacks %q:\n%.1500s", lang, want, out)
				}
			}
			// Chromium maps even a missing glyph's box back to its character,
			// so the text alone does not show tofu: the PDF must also embed a
			// font that, says fontconfig, covers the language.
			covering := map[string]bool{}
			fc, err := exec.Command("fc-list", ":lang="+lang, "postscriptname").Output()
			if err != nil {
				t.Fatalf("fc-list (fontconfig): %v", err)
			}
			for _, l := range strings.Split(string(fc), "\n") {
				if name := strings.TrimSpace(strings.TrimPrefix(l, ":postscriptname=")); name != "" {
					covering[name] = true
				}
			}
			if len(covering) == 0 {
				t.Fatalf("no font for %s is installed (docs/deploy.md: apt-get install fonts-noto-core fonts-wqy-microhei)", lang)
			}
			file := filepath.Join(t.TempDir(), "report.pdf")
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			fonts, err := exec.Command(filepath.Join(filepath.Dir(tool), "pdffonts"), file).Output()
			if err != nil {
				t.Fatalf("pdffonts: %v", err)
			}
			var embedded []string
			found := false
			for _, l := range strings.Split(string(fonts), "\n")[2:] {
				f := strings.Fields(l)
				if len(f) == 0 {
					continue
				}
				// A subset's name is prefixed with six letters and a plus.
				name := f[0][strings.Index(f[0], "+")+1:]
				embedded = append(embedded, name)
				found = found || covering[name]
			}
			if !found {
				t.Errorf("the %s PDF embeds no font for the language (embedded: %v; installed for %s: %v)", lang, embedded, lang, covering)
			}
		})
	}
}
