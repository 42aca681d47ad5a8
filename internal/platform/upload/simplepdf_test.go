package upload

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSimplePDF checks the demonstration PDF with poppler's pdftotext where
// it is installed: the file parses and its text is there.
func TestSimplePDF(t *testing.T) {
	pdf := SimplePDF("Agenda (demonstration)", []string{"1. Opening — welcome", "2. Threat briefing by industry", "Genève, café"})
	if err := CheckPDF("document", pdf, 1<<20); err != nil {
		t.Fatalf("the upload check refuses it: %v", err)
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but pdftotext (poppler-utils) is not installed")
		}
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	f := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-q", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	for _, want := range []string{"Agenda (demonstration)", "2. Threat briefing by industry", "Genève, café"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("text %q missing from %q", want, out)
		}
	}
}
