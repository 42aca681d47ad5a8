package seed

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustConsultation(t *testing.T) Consultation {
	t.Helper()
	c, err := AustraliaConsultation()
	if err != nil {
		t.Fatalf("AustraliaConsultation: %v", err)
	}
	return c
}

func TestConsultationTitleAndIntroduction(t *testing.T) {
	c := mustConsultation(t)
	if want := "Cybersecurity Tech Accord submission to Australian consultation on: Responsible state behavior in cyberspace"; c.Title != want {
		t.Errorf("title %q, want %q", c.Title, want)
	}
	openings := []string{
		"The Cybersecurity Tech Accord signatories are grateful to the Australian government",
		"The Cybersecurity Tech Accord is a public commitment of over 140 companies",
		"- Provide our customers, users and the developer ecosystem",
		"While the Cybersecurity Tech Accord signatories are pleased",
		// Cut by a page break and two footnotes, joined again.
		"We have also been heartened by the UN Intersessional meeting in December, where we were honored to be able to highlight our views on confidence building measures in particular², building on our work and contributions to responsible state behavior",
		"- Implement and uphold international norms:",
		"Taking these as a baseline",
	}
	if len(c.Introduction) != len(openings) {
		t.Fatalf("%d introduction paragraphs, want %d:\n%s", len(c.Introduction), len(openings), strings.Join(c.Introduction, "\n\n"))
	}
	for i, want := range openings {
		if !strings.HasPrefix(c.Introduction[i], want) {
			t.Errorf("paragraph %d starts %q, want %q", i+1, clip(c.Introduction[i]), want)
		}
	}
	if n := strings.Count(c.Introduction[2], "\n- ") + 1; n != 4 {
		t.Errorf("first list has %d items, want 4", n)
	}
}

func TestConsultationQuestions(t *testing.T) {
	c := mustConsultation(t)
	tests := []struct {
		opening, ending string
		answers         []string // first words of each answer paragraph
	}{
		{"What existing and emerging threats should inform Australia's approach", "in the OEWG and GGE?", []string{
			"The Cybersecurity Tech Accord signatories welcome the fact", "Keeping this continuous evolution in mind",
			"Instead, we encourage the Australian government", "Moreover, we encourage trainings or briefings"}},
		{"What role should the business/government/NGO/academic community play", "or any Australian contribution to the annex to the GGE report?", []string{
			"As mentioned at the onset of this contribution", "The private industry develops, owns and maintains",
			"Furthermore, it is pivotal", "It is also important that these discussions"}},
		{"The mandate of the GGE invites members to annex to the GGE report", "If so, how would you like to see these areas addressed?", []string{
			"First of all, the Cybersecurity Tech Accord signatories wish to thank", "In a similar vein",
			"Nevertheless, the Cybersecurity Tech Accord signatories are concerned"}},
		// No question mark, and cut by a page break.
		{"Another key Australian objective is for any report of the OEWG and/or GGE to make recommendations on better coordinating global cyber capacity building.",
			"We welcome suggestions on how coordination of global cyber capacity building might be improved, as well as how you would like this to be addressed in any OEWG and/or GGE report(s).", []string{
				"No other area under consideration", "Instead of replicating any existing efforts", "We believe that this latter effort"}},
		{"Are there any specific areas of the Framework for Responsible State Behaviour in Cyberspace", "how would you like to see these areas addressed in any OEWG and/or GGE report(s)?", []string{
			"While recognition of the applicability of the international law", "Moreover, a number of multistakeholder initiatives",
			`- "Prevent malign interference`}},
		// A question mark in the middle only.
		{"As stated above, a key Australian objective is for the OEWG and/or GGE to provide practical guidance", "which could be considered for incorporation into any report of the OEWG and/or GGE.", []string{
			"The Cybersecurity Tech Accord signatories in particular welcome", "In the table below",
			"2015 GGE consensus report norms and implementation recommendations:"}},
	}
	if len(c.Questions) != len(tests) {
		for _, q := range c.Questions {
			t.Logf("%d: %s", q.Number, clip(q.Text))
		}
		t.Fatalf("%d questions, want %d", len(c.Questions), len(tests))
	}
	for i, tt := range tests {
		q := c.Questions[i]
		t.Run("question "+string(rune('1'+i))+" and its answer", func(t *testing.T) {
			if q.Number != i+1 {
				t.Errorf("number %d, want %d", q.Number, i+1)
			}
			if !strings.HasPrefix(q.Text, tt.opening) || !strings.HasSuffix(q.Text, tt.ending) {
				t.Errorf("text %q,\nwant %q … %q", q.Text, tt.opening, tt.ending)
			}
			if len(q.Answer) != len(tt.answers) {
				t.Fatalf("%d answer paragraphs, want %d:\n%s", len(q.Answer), len(tt.answers), strings.Join(q.Answer, "\n\n"))
			}
			for j, want := range tt.answers {
				if !strings.HasPrefix(q.Answer[j], want) {
					t.Errorf("answer paragraph %d starts %q, want %q", j+1, clip(q.Answer[j]), want)
				}
			}
		})
	}
}

func TestConsultationAnswersAreClean(t *testing.T) {
	c := mustConsultation(t)
	all := append([]string{c.Title}, c.Introduction...)
	for _, q := range c.Questions {
		all = append(all, q.Text)
		all = append(all, q.Answer...)
	}
	for _, p := range all {
		for _, bad := range []string{"<https://", "](#)", "<p>", "<ul", "▪", "\t", "Call for inclusion of additional voices"} {
			if strings.Contains(p, bad) {
				t.Errorf("paragraph contains %q: %q", bad, clip(p))
			}
		}
		if _, _, ok := footnoteMarker(p); ok {
			t.Errorf("footnote left in the text: %q", clip(p))
		}
		if startsLower(p) {
			t.Errorf("paragraph starts in lower case, a page-break fragment: %q", clip(p))
		}
	}
	// The answer to question 2 is cut by a page break mid-sentence.
	if a := c.Questions[1].Answer[1]; !strings.Contains(a, "the options governments are discussing are sufficiently future proof") {
		t.Errorf("page break not mended: %q", a)
	}
	// A link to "#" keeps its label.
	if q := c.Questions[2].Text; !strings.Contains(q, `the application of international law to cyberspace in 2017 and 2019 \[PDF\]. Are there`) {
		t.Errorf("dead link not unwrapped: %q", q)
	}
}

func TestConsultationNormsTableBelongsToTheLastAnswer(t *testing.T) {
	c := mustConsultation(t)
	norms := mustNorms(t)
	for _, q := range c.Questions[:5] {
		if q.Norms != nil {
			t.Errorf("question %d has a norms table", q.Number)
		}
	}
	q := c.Questions[5]
	if !reflect.DeepEqual(q.Norms, norms) {
		t.Errorf("question 6 table differs from Norms()")
	}
	if q.NormsAt != 3 {
		t.Errorf("table after %d answer paragraphs, want 3", q.NormsAt)
	}
}

func TestConsultationReferences(t *testing.T) {
	c := mustConsultation(t)
	if len(c.References) != 8 {
		t.Fatalf("%d references, want 8: %+v", len(c.References), c.References)
	}
	for i, r := range c.References {
		if r.Number != i+1 {
			t.Errorf("reference %d numbered %d", i+1, r.Number)
		}
		if !strings.HasPrefix(r.URL, "https://") || strings.ContainsAny(r.URL, "<> ") {
			t.Errorf("reference %d: URL %q", r.Number, r.URL)
		}
		if strings.HasSuffix(r.Title, ":") || strings.Contains(r.Title, "http") {
			t.Errorf("reference %d: title %q", r.Number, r.Title)
		}
	}
	tests := []Reference{
		{1, "Call for inclusion of additional voices in international debates on responsible nation state behavior in cyberspace",
			"https://cybertechaccord.org/call-for-inclusion-of-multi-stakeholders-in-international-debates-on-responsible-nation-state-behavior-in-cyberspace/"},
		// A space before the colon.
		{4, "Promoting international peace and stability by building trust between states in cyberspace: The importance of effective confidence-building measures",
			"https://cybertechaccord.org/uploads/prod/2019/04/FINALOASWP.pdf"},
		// A bare address.
		{6, "Paris Call on Trust and Security endorsement", "https://cybertechaccord.org/endorsees_paris_call/"},
		// No colon.
		{7, "Global Commission on enhancing stability in cyberspace",
			"https://cybertechaccord.org/the-cybersecurity-tech-accord-welcomes-the-global-commissions-singapore-norm-package-offers-comments-on-enhancing-stability-in-cyberspace/"},
		// An address alone.
		{8, "", "https://pariscall.international/en/"},
	}
	for _, want := range tests {
		if got := c.References[want.Number-1]; got != want {
			t.Errorf("reference %d:\n got %+v\nwant %+v", want.Number, got, want)
		}
	}
}

func TestParisCallPrinciplesAreTheQuotedBullets(t *testing.T) {
	got, err := ParisCallPrinciples()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Prevent malign interference by foreign actors aimed at undermining electoral processes through malicious cyber activities",
		"Prevent ICT-enabled theft of intellectual property, including trade secrets or other confidential business information, with the intent of providing competitive advantages to companies or commercial sector",
		"Prevent activity that intentionally and substantially damages the general availability or integrity of the public core of the Internet",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	src, _ := SourceText(ConsultationSource())
	for _, p := range got {
		if !strings.Contains(string(src), p) {
			t.Errorf("principle not quoted verbatim from the source: %q", p)
		}
	}
}

func TestParseConsultationOnSmallSamples(t *testing.T) {
	read := func(t *testing.T, name string) Consultation {
		t.Helper()
		f, err := os.Open(filepath.Join("testdata", "consultation", name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		c, err := ParseConsultation(f)
		if err != nil {
			t.Fatalf("ParseConsultation: %v", err)
		}
		return c
	}
	t.Run("questions, page breaks and footnotes", func(t *testing.T) {
		c := read(t, "valid.txt")
		want := Consultation{
			Title: "Submission to a consultation on: Something that matters",
			Introduction: []string{
				"An introduction that cites a source¹ and lists points:",
				"- first point;\n- second point.",
				"Should you have questions, write to us. This is still the introduction.",
			},
			Questions: []Question{
				{Number: 1, Text: "What is the first question?", Answer: []string{
					"The first answer is cut by a page break in the middle, and goes on.",
					"A second paragraph of the first answer."}},
				{Number: 2, Text: "The second question asks for your views on lists, without a question mark.",
					Answer: []string{"- an answer in a list\n- with two items"}},
				{Number: 3, Text: "A third question, in two paragraphs?\n\nAnd what about the linked document \\[PDF\\]?",
					Answer: []string{"Answer three."}},
			},
			References: []Reference{
				{1, "A source", "https://example.org/one"},
				{2, "Another source", "https://example.org/two"},
			},
		}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("got  %#v\nwant %#v", c, want)
		}
	})
	t.Run("a table in an answer", func(t *testing.T) {
		c := read(t, "valid-with-table.txt")
		if len(c.Questions) != 4 {
			t.Fatalf("%d questions, want 4", len(c.Questions))
		}
		q := c.Questions[3]
		if len(q.Norms) != 11 || q.NormsAt != 1 || !reflect.DeepEqual(q.Answer, []string{"Here it is:", "After the table."}) {
			t.Errorf("question 4: %d norms at %d, answer %q", len(q.Norms), q.NormsAt, q.Answer)
		}
	})
}

func TestParseConsultationRejectsBrokenInput(t *testing.T) {
	tests := []struct {
		file string
		want error
		line int
	}{
		{"empty.txt", ErrNoTitle, 1},
		{"no-questions.txt", ErrNoQuestions, 5},
		{"unanswered.txt", ErrNoAnswer, 36},
		{"table-missing-letter.txt", ErrMissingNorm, 17},
		{"table-before-questions.txt", ErrMalformedRow, 5},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "consultation", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, err = ParseConsultation(f)
			checkParseError(t, err, tt.want, tt.line)
		})
	}
}

func TestParseConsultationRejectsTruncatedSource(t *testing.T) {
	src, err := SourceText(ConsultationSource())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(src), "\n")
	head := func(n int) string { return strings.Join(lines[:n], "") }
	tests := []struct {
		name  string
		input string
		want  error
		line  int
	}{
		{"cut in the introduction", head(30), ErrNoQuestions, 30},
		{"cut after the first question", head(45), ErrNoAnswer, 44},
		{"cut inside the norms table", head(110), ErrMissingNorm, 109},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConsultation(strings.NewReader(tt.input))
			checkParseError(t, err, tt.want, tt.line)
		})
	}
}
