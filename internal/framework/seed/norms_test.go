package seed

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func mustNorms(t *testing.T) []NormRow {
	t.Helper()
	rows, err := Norms()
	if err != nil {
		t.Fatalf("Norms: %v", err)
	}
	return rows
}

func TestNormsHasElevenRowsInOrder(t *testing.T) {
	rows := mustNorms(t)
	if len(rows) != 11 {
		t.Fatalf("got %d rows, want 11", len(rows))
	}
	for i, r := range rows {
		if want := string(NormLetters[i]); r.Letter != want {
			t.Errorf("row %d: letter %q, want %q", i, r.Letter, want)
		}
	}
}

// The expected words and counts below were read off
// sources/techaccord-australia-consultation-2020.txt by hand.
func TestNormsMatchTheSource(t *testing.T) {
	rows := mustNorms(t)
	tests := []struct {
		letter          string
		opening, ending string
		recommendations int
	}{
		{"a", "Consistent with the purposes of the United Nations, including to maintain international peace and security, States should cooperate",
			"that are acknowledged to be harmful or that may pose threats to international peace and security.", 5},
		{"b", "In case of ICT incidents, States should consider all relevant information",
			"the challenges of attribution in the ICT environment and the nature and extent of the consequences;", 5},
		{"c", "States should not knowingly allow their territory", "for internationally wrongful acts using ICTs;", 4},
		{"d", "States should consider how best to cooperate to exchange information, assist each other,",
			"to address such threats. States may need to consider whether new measures need to be developed in this respect;", 5},
		{"e", "States, in ensuring the secure use of ICTs, should respect Human Rights Council resolutions 20/8 and 26/13",
			"to guarantee full respect for human rights, including the right to freedom of expression;", 3},
		{"f", "A State should not conduct or knowingly support ICT activity contrary to its obligations under international law",
			"impairs the use and operation of critical infrastructure to provide services to the public;", 4},
		{"g", "States should take appropriate measures to protect their critical infrastructure from ICT threats",
			"the protection of critical information infrastructures, and other relevant resolutions;", 4},
		{"h", "States should respond to appropriate requests for assistance by another State whose critical infrastructure is subject to malicious ICT acts.",
			"emanating from their territory, taking into account due regard for sovereignty;", 4},
		{"i", "States should take reasonable steps to ensure the integrity of the supply chain",
			"States should seek to prevent the proliferation of malicious ICT tools and techniques and the use of harmful hidden functions;", 4},
		{"j", "States should encourage responsible reporting of ICT vulnerabilities",
			"to limit and possibly eliminate potential threats to ICTs and ICT-dependent infrastructure;", 4},
		{"k", "States should not conduct or knowingly support activity to harm the information systems of the authorized emergency response teams",
			"A State should not use authorized emergency response teams to engage in malicious international activity", 3},
	}
	if len(rows) != len(tests) {
		t.Fatalf("got %d rows, want %d", len(rows), len(tests))
	}
	total := 0
	for i, tt := range tests {
		r := rows[i]
		t.Run("norm ("+tt.letter+") reads as in the table", func(t *testing.T) {
			if r.Letter != tt.letter {
				t.Fatalf("letter %q, want %q", r.Letter, tt.letter)
			}
			if !strings.HasPrefix(r.Text, tt.opening) {
				t.Errorf("text starts %q,\nwant %q", clip(r.Text), tt.opening)
			}
			if !strings.HasSuffix(r.Text, tt.ending) {
				t.Errorf("text ends …%q,\nwant …%q", r.Text[max(0, len(r.Text)-len(tt.ending)):], tt.ending)
			}
			if got := len(r.Recommendations); got != tt.recommendations {
				t.Errorf("%d recommendations, want %d:\n%s", got, tt.recommendations, strings.Join(r.Recommendations, "\n--\n"))
			}
		})
		total += len(r.Recommendations)
	}
	// The source has 45 "▪" bullets in all.
	if total != 45 {
		t.Errorf("%d recommendations in all, want 45", total)
	}
}

func TestNormTextsAreExact(t *testing.T) {
	rows := mustNorms(t)
	tests := []struct {
		letter, text string
	}{
		{"d", "States should consider how best to cooperate to exchange information, assist each other, prosecute terrorist and criminal use of ICTs and implement other cooperative measures to address such threats. States may need to consider whether new measures need to be developed in this respect;"},
		{"h", "States should respond to appropriate requests for assistance by another State whose critical infrastructure is subject to malicious ICT acts. States should also respond to appropriate requests to mitigate malicious ICT activity aimed at the critical infrastructure of another State emanating from their territory, taking into account due regard for sovereignty;"},
		{"k", "States should not conduct or knowingly support activity to harm the information systems of the authorized emergency response teams (sometimes known as computer emergency response teams or cybersecurity incident response teams) of another State. A State should not use authorized emergency response teams to engage in malicious international activity"},
	}
	for _, tt := range tests {
		t.Run("norm ("+tt.letter+") is verbatim", func(t *testing.T) {
			i := strings.Index(NormLetters, tt.letter)
			if got := rows[i].Text; got != tt.text {
				t.Errorf("got  %q\nwant %q", got, tt.text)
			}
		})
	}
}

func TestRecommendationsAcrossPageBreaks(t *testing.T) {
	rows := mustNorms(t)
	rec := func(letter string, n int) string {
		return rows[strings.Index(NormLetters, letter)].Recommendations[n]
	}
	tests := []struct {
		name, got, want string
		exact           bool
	}{
		{"(b) third bullet continues after the break", rec("b", 2),
			"Thirdly, initiatives, such as the EU Cyber Diplomacy Toolbox can help make clear what are some of the responses that states can deploy as part of their response to an incident. In particular it is important that diplomatic, economic, legal, and military options are all considered.", true},
		{"(b) fourth bullet starts a new item after the break", rec("b", 3), "Fourthly, we welcome", false},
		{"(d) second bullet follows the norm text's continuation", rec("d", 1), "Secondly, states should envision information sharing", false},
		{"(g) second bullet is joined mid-sentence", rec("g", 1),
			"Furthermore, we encourage state to leverage established security baseline approaches, such as ISO/IEC 27103 or the NIST Cybersecurity Framework, to ensure that frameworks are interoperable across regions and sectors, as well as promote continuity and understanding across highly integrated supply chains and operations.", true},
		{"(i) second bullet follows the break", rec("i", 1), "The Cybersecurity Tech Accord was partly created", false},
		{"(j) last bullet follows the break", rec("j", 3), "Finally, we encourage states to each adopt and publish respective Vulnerabilities Equities Processes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.exact && tt.got != tt.want || !tt.exact && !strings.HasPrefix(tt.got, tt.want) {
				t.Errorf("got  %q\nwant %q", tt.got, tt.want)
			}
		})
	}
}

func TestSubBulletsBecomeMarkdownLines(t *testing.T) {
	rows := mustNorms(t)
	tests := []struct {
		letter    string
		index     int
		lead      string
		subs      int
		firstSub  string
		lastSub   string
		otherRecs int // recommendations of the row with no sub-items
	}{
		{"g", 0, "Cybersecurity Tech Accord signatories have been encouraged by the increased focus by states around the world on protecting critical infrastructure and services from online threats. We urge states to continue focusing in this space and to:",
			3, "Establish comprehensive policies and plans for protecting critical infrastructure, based on risk management best practices;",
			"Promote innovation and investments by learning from policy and operations that can guide the allocation of resources for practices, programs, education, and research related to critical infrastructure protection.", 3},
		{"j", 3, "Finally, we encourage states to each adopt and publish respective Vulnerabilities Equities Processes, detailing how they evaluate whether to retain or disclose information on a potential ICT vulnerability. Cybersecurity Tech Accord signatories believe these should:",
			6, "Presume disclosure as the starting point;", "Ensure that any retained vulnerabilities are secure from theft (or loss).", 3},
	}
	for _, tt := range tests {
		t.Run("norm ("+tt.letter+") keeps its sub-items under their bullet", func(t *testing.T) {
			row := rows[strings.Index(NormLetters, tt.letter)]
			parts := strings.Split(row.Recommendations[tt.index], "\n- ")
			if parts[0] != tt.lead {
				t.Errorf("lead %q,\nwant %q", parts[0], tt.lead)
			}
			subs := parts[1:]
			if len(subs) != tt.subs {
				t.Fatalf("%d sub-items, want %d: %q", len(subs), tt.subs, subs)
			}
			if subs[0] != tt.firstSub || subs[len(subs)-1] != tt.lastSub {
				t.Errorf("sub-items %q … %q", subs[0], subs[len(subs)-1])
			}
			plain := 0
			for _, r := range row.Recommendations {
				if !strings.Contains(r, "\n") {
					plain++
				}
			}
			if plain != tt.otherRecs {
				t.Errorf("%d recommendations without sub-items, want %d", plain, tt.otherRecs)
			}
		})
	}
}

// checkClean reports text that still carries markup or layout debris.
func checkClean(t *testing.T, what, s string) {
	t.Helper()
	for _, bad := range []string{"<", ">", "▪", "•", "○", "◦", "\t", "  ", "&amp;", "&nbsp;", "\u00a0", "list-style"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s contains %q: %q", what, bad, clip(s))
		}
	}
	if s != strings.TrimSpace(s) {
		t.Errorf("%s has white space around it: %q", what, clip(s))
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(strings.TrimPrefix(l, "- ")) == "" {
			t.Errorf("%s has an empty line: %q", what, s)
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		t.Errorf("%s does not start with a capital, a sign of a fragment: %q", what, clip(s))
	}
}

func TestNormsHaveNoMarkupOrDebris(t *testing.T) {
	for _, r := range mustNorms(t) {
		checkClean(t, "norm ("+r.Letter+")", r.Text)
		if normMarker.MatchString(r.Text) {
			t.Errorf("norm (%s) keeps its marker: %q", r.Letter, clip(r.Text))
		}
		for i, rec := range r.Recommendations {
			checkClean(t, "norm ("+r.Letter+") recommendation "+string(rune('1'+i)), rec)
		}
	}
}

func TestParseNormsTableOnTheSmallSample(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "norms", "valid.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ParseNormsTable(f)
	if err != nil {
		t.Fatalf("ParseNormsTable: %v", err)
	}
	want := map[string]NormRow{
		"a": {"a", "Norm a text.", []string{"First a.", "Second a."}},
		"b": {"b", "Norm b text starts and continues;", []string{"First b.", "Second b is split across a page.", "Third b."}},
		"c": {"c", "Norm c & more;", []string{"Item one c.", "Item two c."}},
		"d": {"d", "Norm d;", []string{"Lead d:\n- sub one;\n- sub two.", "After d."}},
		"j": {"j", "Norm j;", []string{"Lead j:\n- sub one j;\n- sub two j continued.", "After j."}},
		"k": {"k", "Norm k", []string{"Only k."}},
	}
	if len(rows) != 11 {
		t.Fatalf("%d rows, want 11", len(rows))
	}
	for _, r := range rows {
		if w, ok := want[r.Letter]; ok && !reflect.DeepEqual(r, w) {
			t.Errorf("row (%s):\n got %#v\nwant %#v", r.Letter, r, w)
		}
	}
}

func TestParseNormsTableRejectsBrokenTables(t *testing.T) {
	tests := []struct {
		file string
		want error
		line int
	}{
		{"no-table.txt", ErrNoTable, 6},
		{"header-misspelt.txt", ErrNoTable, 26},
		{"missing-letter.txt", ErrMissingNorm, 15},
		{"out-of-order.txt", ErrMissingNorm, 13},
		{"truncated-after-i.txt", ErrMissingNorm, 19},
		{"duplicate-letter.txt", ErrDuplicateNorm, 17},
		{"truncated-in-norm-cell.txt", ErrMalformedRow, 24},
		{"truncated-in-tag.txt", ErrMalformedRow, 24},
		{"no-recommendations.txt", ErrMalformedRow, 12},
		{"text-before-bullet.txt", ErrMalformedRow, 14},
		{"orphan-continuation.txt", ErrMalformedRow, 6},
		{"three-cells.txt", ErrMalformedRow, 18},
		{"letter-beyond-k.txt", ErrMalformedRow, 25},
		{"sub-item-first.txt", ErrMalformedRow, 16},
		{"empty-norm-text.txt", ErrMalformedRow, 18},
		{"bullet-in-norm-cell.txt", ErrMalformedRow, 19},
		{"unclosed-paragraph.txt", ErrMalformedRow, 17},
		{"empty-sub-item.txt", ErrMalformedRow, 13},
		{"empty-recommendation.txt", ErrMalformedRow, 7},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "norms", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseNormsTable(bytes.NewReader(b))
			checkParseError(t, err, tt.want, tt.line)
		})
	}
}

// checkParseError checks that err is a *ParseError for line wrapping want.
func checkParseError(t *testing.T, err, want error, line int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if pe.Line != line {
		t.Errorf("error on line %d, want %d: %v", pe.Line, line, err)
	}
	if !strings.HasPrefix(err.Error(), "line ") {
		t.Errorf("message %q does not start with the line", err)
	}
}

// The real document cut short or altered in place: the parser must notice.
// (A cut inside the last recommendation cannot be told from a shorter one.)
func TestParseNormsTableRejectsDamagedSource(t *testing.T) {
	src, err := SourceText(ConsultationSource())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(src), "\n")
	head := func(n int) string { return strings.Join(lines[:n], "") }
	k := lines[124] // the (k) row
	tests := []struct {
		name  string
		input string
		want  error
		line  int
	}{
		{"cut before the table", head(100), ErrNoTable, 100},
		{"cut after row (b)", head(105), ErrMissingNorm, 105},
		{"cut at the page break inside row (d)", head(110), ErrMissingNorm, 109},
		{"cut inside the norm text of (k)", head(124) + k[:60], ErrMalformedRow, 125},
		{"cut inside the list tag of (k)", head(124) + k[:strings.Index(k, "\t")+12], ErrMalformedRow, 125},
		{"row (e) relabelled (d)", strings.Replace(string(src), "<p>(e)", "<p>(d)", 1), ErrDuplicateNorm, 112},
		{"row (h) removed", head(117) + strings.Join(lines[118:], ""), ErrMissingNorm, 118},
		{"header row removed", head(102) + strings.Join(lines[103:], ""), ErrNoTable, 124},
		{"bullets of (c) removed", strings.Replace(string(src),
			`none"> ▪ First and foremost`, `none"> First and foremost`, 1), ErrMalformedRow, 108},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNormsTable(strings.NewReader(tt.input))
			checkParseError(t, err, tt.want, tt.line)
		})
	}
}

func TestParseNormsTableLimitsInputSize(t *testing.T) {
	_, err := ParseNormsTable(strings.NewReader(strings.Repeat("x", MaxInputSize+1)))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}
