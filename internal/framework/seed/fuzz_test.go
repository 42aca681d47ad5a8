package seed

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addSeeds adds the embedded sources and every file in testdata/dir to f's
// corpus.
func addSeeds(f *testing.F, dir string) {
	f.Helper()
	for _, s := range Sources() {
		b, err := SourceText(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// checkFuzzError checks that a failure is a located *ParseError.
func checkFuzzError(t *testing.T, err error) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if pe.Line < 1 || pe.Err == nil {
		t.Fatalf("error %#v has no line or cause", pe)
	}
}

// checkRows checks what a successful parse promises about the rows.
func checkRows(t *testing.T, rows []NormRow) {
	t.Helper()
	if len(rows) != len(NormLetters) {
		t.Fatalf("%d rows without an error", len(rows))
	}
	for i, r := range rows {
		if r.Letter != string(NormLetters[i]) || r.Text == "" || len(r.Recommendations) == 0 {
			t.Fatalf("row %d: %#v", i, r)
		}
		for _, rec := range r.Recommendations {
			if rec == "" || strings.ContainsAny(rec, "▪•○◦\t") {
				t.Fatalf("row (%s): recommendation %q", r.Letter, rec)
			}
		}
	}
}

func FuzzParseNormsTable(f *testing.F) {
	addSeeds(f, "norms")
	f.Add("GGE\tRecommendation\n<p>(a) x</p>\t<ul><li>y")
	f.Add("GGE (2015)\tRecommendations\n\t<ul> ○ \n<p>(a)</p>\t▪")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ParseNormsTable(strings.NewReader(s))
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		checkRows(t, rows)
	})
}

func FuzzParseConsultation(f *testing.F) {
	addSeeds(f, "consultation")
	f.Add("T\n\nQ?\n\nA.\n\n¹ n: <https://x>\n")
	f.Add("T\n\nQ?\n\nyou?\n\n- a\n\n- b\n\nand c")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConsultation(strings.NewReader(s))
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if c.Title == "" || len(c.Questions) == 0 {
			t.Fatalf("no title or questions without an error: %#v", c)
		}
		for i, q := range c.Questions {
			if q.Number != i+1 || q.Text == "" || len(q.Answer) == 0 && q.Norms == nil {
				t.Fatalf("question %d: %#v", i+1, q)
			}
			if q.Norms != nil {
				checkRows(t, q.Norms)
			}
		}
		_ = c.ParisCallPrinciples()
	})
}

func FuzzParseStatement(f *testing.F) {
	addSeeds(f, "statement")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseStatement(strings.NewReader(s))
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if st.Title == "" || st.Date.IsZero() || len(st.Body) == 0 {
			t.Fatalf("incomplete statement without an error: %#v", st)
		}
		for _, n := range st.ProposedNorms() {
			if n.Title == "" || n.Description == "" {
				t.Fatalf("proposed norm %#v", n)
			}
		}
	})
}
