package seed

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustStatement(t *testing.T) Statement {
	t.Helper()
	s, err := OEWGStatement()
	if err != nil {
		t.Fatalf("OEWGStatement: %v", err)
	}
	return s
}

func TestStatementFromSource(t *testing.T) {
	s := mustStatement(t)
	if want := "Cybersecurity Tech Accord Statement – Informal Dialogue with the Chair of the Open-Ended Working Group"; s.Title != want {
		t.Errorf("title %q, want %q", s.Title, want)
	}
	if want := time.Date(2024, time.May, 17, 0, 0, 0, 0, time.UTC); !s.Date.Equal(want) {
		t.Errorf("date %v, want %v", s.Date, want)
	}
	body := []string{
		"Mr. Chair,",
		"The Cybersecurity Tech Accord is pleased to participate in today's session",
		"With respect to that subject",
		"The Cybersecurity Tech Accord, representing more than 150 companies",
		"The draft is nearly silent on how to include non-state actors",
		"In our view, the success of the PoA",
		"To this end, we propose",
		"On the scope of a permanent mechanism, this should include:",
		"- **capacity building** to support effectively implementing UN norms globally;\n- **monitoring progress and building consensus**",
		"Excellency, distinguished delegates",
	}
	if len(s.Body) != len(body) {
		t.Fatalf("%d body paragraphs, want %d:\n%s", len(s.Body), len(body), strings.Join(s.Body, "\n\n"))
	}
	for i, want := range body {
		if !strings.HasPrefix(s.Body[i], want) {
			t.Errorf("paragraph %d starts %q, want %q", i+1, clip(s.Body[i]), want)
		}
	}
	if s.Annex.Heading != "Annex from Statement in February 2023" {
		t.Errorf("annex heading %q", s.Annex.Heading)
	}
	annex := []string{"Our signatory companies have observed", "During our last intervention in December 2023", "A new norm would send a strong signal"}
	if len(s.Annex.Paragraphs) != len(annex) {
		t.Fatalf("%d annex paragraphs, want %d", len(s.Annex.Paragraphs), len(annex))
	}
	for i, want := range annex {
		if !strings.HasPrefix(s.Annex.Paragraphs[i], want) {
			t.Errorf("annex paragraph %d starts %q, want %q", i+1, clip(s.Annex.Paragraphs[i]), want)
		}
	}
}

func TestProposedNormIsTheSupplyChainNorm(t *testing.T) {
	got, err := ProposedNorms()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d proposed norms, want 1: %+v", len(got), got)
	}
	n := got[0]
	if n.Title != "Protection of ICT supply chain security" {
		t.Errorf("title %q", n.Title)
	}
	const (
		opening = "During our last intervention in December 2023, the Cybersecurity Tech Accord and our signatories called for a new voluntary international norm"
		ending  = "that same significance should also oblige states to not target the ICT supply chain with cyberattacks."
	)
	if !strings.HasPrefix(n.Description, opening) || !strings.HasSuffix(n.Description, ending) {
		t.Errorf("description %q", n.Description)
	}
	src, _ := SourceText(StatementSource())
	if !strings.Contains(string(src), "\n"+n.Description+"\n") {
		t.Errorf("description is not a paragraph quoted verbatim from the source")
	}
}

func TestParseStatementOnASmallSample(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "statement", "valid.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ParseStatement(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Statement{
		Title: "A Statement – To a Working Group",
		Date:  time.Date(2025, time.March, 3, 0, 0, 0, 0, time.UTC),
		Body: []string{
			"Madam Chair,",
			"We call for new norms on protection of undersea cables. We thank you.",
			"- **one** point;\n- **another** point.",
		},
		Annex: Annex{Heading: "Annex", Paragraphs: []string{
			"This annex explains why a new norm is needed, in one paragraph.",
			"A further paragraph.",
		}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got  %#v\nwant %#v", s, want)
	}
	norms := s.ProposedNorms()
	wantNorms := []ProposedNorm{{Title: "Protection of undersea cables", Description: want.Annex.Paragraphs[0]}}
	if !reflect.DeepEqual(norms, wantNorms) {
		t.Errorf("proposed norms %+v, want %+v", norms, wantNorms)
	}
}

func TestParseStatementRejectsBrokenInput(t *testing.T) {
	tests := []struct {
		file string
		want error
		line int
	}{
		{"empty.txt", ErrNoTitle, 2},
		{"title-only.txt", ErrNoDate, 1},
		{"no-date.txt", ErrNoDate, 3},
		{"no-body.txt", ErrNoBody, 3},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "statement", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = ParseStatement(f)
			checkParseError(t, err, tt.want, tt.line)
		})
	}
}
