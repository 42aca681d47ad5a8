package seed

import (
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Statement is a statement delivered to a UN body: a title, a date, the
// spoken text and an annex.
type Statement struct {
	// Title is the statement's title.
	Title string
	// Date is the day the statement was delivered (UTC midnight).
	Date time.Time
	// Body holds the statement's paragraphs, from the salutation to the
	// closing words, as markdown-ish plain text (see Question).
	Body []string
	// Annex is the annex, if the statement has one.
	Annex Annex
}

// Annex is a text attached to a statement.
type Annex struct {
	// Heading is the annex's heading exactly as the document gives it.
	Heading string
	// Paragraphs holds the annex's paragraphs.
	Paragraphs []string
}

// ProposedNorm is a new norm of responsible State behaviour that a
// statement proposes.
type ProposedNorm struct {
	// Title names the norm, in the statement's own words.
	Title string
	// Description is the annex paragraph that sets out the proposal, quoted.
	Description string
}

// dateLayouts are the ways a statement may write its date.
var dateLayouts = []string{"2 January 2006", "January 2, 2006", "2006-01-02"}

// ParseStatement parses a statement: the first paragraph is the title, the
// second the date ("17 May 2024"), then come the body paragraphs and, from a
// short heading line that starts with "Annex", the annex.
//
// Errors are *ParseError values wrapping ErrNoTitle, ErrNoDate or ErrNoBody,
// or ErrTooLarge.
func ParseStatement(r io.Reader) (Statement, error) {
	lines, err := readLines(r)
	if err != nil {
		return Statement{}, err
	}
	body, _ := mendBreaks(splitParagraphs(lines))
	if len(body) == 0 {
		return Statement{}, parseErr(lastLine(lines), ErrNoTitle, "the document is empty")
	}
	s := Statement{Title: strings.ReplaceAll(body[0].text, "\n", " ")}
	if len(body) < 2 {
		return Statement{}, parseErr(lastLine(lines), ErrNoDate, "nothing follows the title")
	}
	if s.Date, err = parseDate(body[1].text); err != nil {
		return Statement{}, parseErr(body[1].first, ErrNoDate, "%q is not a date like 17 May 2024", clip(body[1].text))
	}
	rest := body[2:]
	for i, p := range rest {
		if isAnnexHeading(p) {
			s.Annex.Heading = p.text
			for _, q := range rest[i+1:] {
				s.Annex.Paragraphs = append(s.Annex.Paragraphs, unwrapDeadLinks(q.text))
			}
			rest = rest[:i]
			break
		}
	}
	if len(rest) == 0 {
		return Statement{}, parseErr(body[1].last, ErrNoBody, "no paragraphs after the date")
	}
	for _, p := range rest {
		s.Body = append(s.Body, unwrapDeadLinks(p.text))
	}
	return s, nil
}

// parseDate reads a date in one of dateLayouts.
func parseDate(s string) (time.Time, error) {
	var err error
	for _, layout := range dateLayouts {
		var t time.Time
		if t, err = time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// isAnnexHeading reports whether p is an annex heading: one short line
// starting with the word "Annex", not a sentence.
func isAnnexHeading(p para) bool {
	return !p.list && p.first == p.last && len(p.text) <= 120 &&
		(p.text == "Annex" || strings.HasPrefix(p.text, "Annex ")) &&
		!strings.HasSuffix(p.text, ".")
}

// newNormOn finds the subject of a proposed norm: "new norm(s) on protection
// of …".
var newNormOn = regexp.MustCompile(`(?i)\bnew norms? on (?:the )?(protection of [^.;,:]+)`)

// newNormCall finds the paragraph that makes the proposal.
var newNormCall = regexp.MustCompile(`(?i)\bnew (?:voluntary )?(?:international )?norm\b`)

// ProposedNorms returns the new norms the statement proposes: each named by
// the words after "new norm(s) on" in the statement, and described by the
// first annex paragraph that calls for a new norm. It returns nil if the
// statement names or describes none.
func (s Statement) ProposedNorms() []ProposedNorm {
	var title string
	for _, p := range append(append([]string(nil), s.Body...), s.Annex.Paragraphs...) {
		if m := newNormOn.FindStringSubmatch(p); m != nil {
			title = upperFirst(strings.TrimSpace(m[1]))
			break
		}
	}
	if title == "" {
		return nil
	}
	for _, p := range s.Annex.Paragraphs {
		if newNormCall.MatchString(p) {
			return []ProposedNorm{{Title: title, Description: p}}
		}
	}
	return nil
}

// upperFirst returns s with its first letter in upper case.
func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
