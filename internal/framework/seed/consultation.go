package seed

import (
	"io"
	"regexp"
	"strings"
)

// Consultation is a written submission to a public consultation: a title, an
// introduction, and the consultation's questions each with the submitter's
// answer.
type Consultation struct {
	// Title is the submission's title, on one line.
	Title string
	// Introduction holds the paragraphs before the first question.
	Introduction []string
	// Questions are the consultation's questions in order.
	Questions []Question
	// References are the document's footnotes, in the order they appear.
	References []Reference
}

// Question is one question of a consultation and the submitter's answer.
//
// Paragraphs are markdown-ish plain text, one line each; a bulleted list is
// one paragraph of "- " lines joined by "\n". Footnote markers (¹, ²…) stay
// in the text and refer to Consultation.References; links whose target was
// lost ("[label](#)") are reduced to their label.
type Question struct {
	// Number is the question's position, from 1.
	Number int
	// Text is the question as the consultation put it; a question of several
	// paragraphs has them joined by a blank line.
	Text string
	// Answer holds the answer's paragraphs, without the norms table.
	Answer []string
	// Norms is the norms table given in the answer, if any.
	Norms []NormRow
	// NormsAt is the number of Answer paragraphs that come before Norms.
	NormsAt int
}

// Reference is a footnote: "¹ Title: <https://…>".
type Reference struct {
	// Number is the footnote's number, as its superscript marker shows it.
	Number int
	// Title is the footnote's text without the address; it may be empty.
	Title string
	// URL is the footnote's address; it may be empty.
	URL string
}

// questionEnd matches a paragraph that ends with a question mark, perhaps
// followed by closing quotes or emphasis.
var questionEnd = regexp.MustCompile(`\?["”’*)\]]*$`)

// asksSomething matches a paragraph that puts a question to the reader: a
// sentence ending in "?" or an address to "you".
var asksSomething = regexp.MustCompile(`\?(?:["”’*)\]]*(?:\s|$))|(?i:\b(?:you|your|yours)\b)`)

// ParseConsultation parses a consultation submission.
//
// The first paragraph is the title. The introduction runs up to the first
// paragraph that ends with "?". From there on, a paragraph that asks the
// reader something — a sentence ending in "?" or words addressed to "you" —
// is a question (a consultation's prompts are in the consultation's voice,
// answers in the submitter's), and the paragraphs up to the next question
// are its answer; consecutive question paragraphs are one question. Lines
// starting with a superscript number are footnotes, collected as References.
// A paragraph cut by a page break (it stops mid-sentence and the next starts
// in lower case, perhaps after footnotes) is joined again. A norms table (see
// ParseNormsTable) belongs to the answer it appears in.
//
// Errors are *ParseError values wrapping ErrNoTitle, ErrNoQuestions,
// ErrNoAnswer, ErrMalformedRow or the other table errors, or ErrTooLarge.
func ParseConsultation(r io.Reader) (Consultation, error) {
	lines, err := readLines(r)
	if err != nil {
		return Consultation{}, err
	}
	var (
		ps    []para
		table []NormRow
	)
	if start := findTableHeader(lines); start >= 0 {
		end := tableEnd(lines, start)
		if table, err = parseTable(lines[start:end]); err != nil {
			return Consultation{}, err
		}
		ps = splitParagraphs(lines[:start])
		ps = append(ps, para{first: lines[start].n, last: lines[end-1].n, table: true})
		ps = append(ps, splitParagraphs(lines[end:])...)
	} else {
		ps = splitParagraphs(lines)
	}
	body, notes := mendBreaks(ps)

	var c Consultation
	for _, n := range notes {
		c.References = append(c.References, parseReference(n.text))
	}
	if len(body) == 0 || body[0].table {
		return Consultation{}, parseErr(1, ErrNoTitle, "the document has no text before any table")
	}
	c.Title = strings.ReplaceAll(unwrapDeadLinks(body[0].text), "\n", " ")

	first := -1
	for i := 1; i < len(body); i++ {
		if !body[i].list && !body[i].table && questionEnd.MatchString(body[i].text) {
			first = i
			break
		}
	}
	if first < 0 {
		return Consultation{}, parseErr(lastLine(lines), ErrNoQuestions, "no paragraph ends with a question mark")
	}
	for _, p := range body[1:first] {
		if p.table {
			return Consultation{}, parseErr(p.first, ErrMalformedRow, "norms table before the first question")
		}
		c.Introduction = append(c.Introduction, unwrapDeadLinks(p.text))
	}

	var cur *Question
	curLine := 0
	answered := func() bool { return cur != nil && (len(cur.Answer) > 0 || cur.Norms != nil) }
	for _, p := range body[first:] {
		text := unwrapDeadLinks(p.text)
		switch {
		case !p.list && !p.table && asksSomething.MatchString(p.text):
			if cur != nil && !answered() {
				cur.Text += "\n\n" + text
				continue
			}
			c.Questions = append(c.Questions, Question{Number: len(c.Questions) + 1, Text: text})
			cur, curLine = &c.Questions[len(c.Questions)-1], p.first
		case p.table:
			cur.Norms, cur.NormsAt = table, len(cur.Answer)
		default:
			cur.Answer = append(cur.Answer, text)
		}
	}
	if !answered() {
		return Consultation{}, parseErr(curLine, ErrNoAnswer, "question %d has no answer", cur.Number)
	}
	return c, nil
}

// footnoteURL matches the address of a footnote, in angle brackets or bare.
var footnoteURL = regexp.MustCompile(`<(https?://[^>\s]+)>|(https?://\S+)`)

// parseReference reads a footnote paragraph.
func parseReference(s string) Reference {
	n, rest, _ := footnoteMarker(s)
	ref := Reference{Number: n}
	if m := footnoteURL.FindStringSubmatchIndex(rest); m != nil {
		if m[2] >= 0 {
			ref.URL = rest[m[2]:m[3]]
		} else {
			ref.URL = rest[m[4]:m[5]]
		}
		rest = rest[:m[0]] + rest[m[1]:]
	}
	ref.Title = strings.TrimRight(strings.TrimSpace(rest), " :")
	return ref
}

// ParisCallPrinciples returns the Paris Call principles the submission quotes:
// the items of the list introduced by a paragraph that names the Paris Call
// and its principles, each without its quotation marks and list punctuation.
func (c Consultation) ParisCallPrinciples() []string {
	flows := [][]string{c.Introduction}
	for _, q := range c.Questions {
		flows = append(flows, q.Answer)
	}
	for _, flow := range flows {
		for i := 0; i+1 < len(flow); i++ {
			p := flow[i]
			if strings.Contains(p, "Paris Call") && strings.Contains(strings.ToLower(p), "principle") &&
				strings.HasSuffix(p, ":") && strings.HasPrefix(flow[i+1], "- ") {
				return listQuotes(flow[i+1])
			}
		}
	}
	return nil
}

// listQuotes returns the quoted text of each item of a "- " list.
func listQuotes(list string) []string {
	var out []string
	for _, item := range strings.Split(list, "\n") {
		s := quoted(strings.TrimPrefix(item, "- "))
		s = strings.TrimRight(strings.TrimSpace(s), ";,.")
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// quoted returns the text between the first pair of matching quotation
// marks in s, or s itself if it quotes nothing.
func quoted(s string) string {
	best, text := len(s), s
	for _, q := range [][2]string{{`"`, `"`}, {"“", "”"}} {
		i := strings.Index(s, q[0])
		if i < 0 || i >= best {
			continue
		}
		rest := s[i+len(q[0]):]
		if j := strings.Index(rest, q[1]); j >= 0 {
			best, text = i, rest[:j]
		}
	}
	return text
}
