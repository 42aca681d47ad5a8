package seed

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxInputSize is the largest input, in bytes, the parsers accept. The seed
// documents are a few tens of kilobytes.
const MaxInputSize = 4 << 20

// line is one line of input with its 1-based number.
type line struct {
	n int
	s string
}

// readLines reads all of r and splits it into lines, dropping a byte-order
// mark and carriage returns.
func readLines(r io.Reader) ([]line, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInputSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(b) > MaxInputSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxInputSize)
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	raw := strings.Split(string(b), "\n")
	if len(raw) > 0 && raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1] // the final newline does not start a line
	}
	lines := make([]line, len(raw))
	for i, s := range raw {
		lines[i] = line{n: i + 1, s: strings.TrimRight(s, "\r ")}
	}
	return lines, nil
}

// lastLine is the number to report for an error found at the end of input.
func lastLine(lines []line) int {
	if len(lines) == 0 {
		return 1
	}
	return lines[len(lines)-1].n
}

// normalise decodes HTML entities and collapses every run of white space
// (including no-break spaces and tabs) into one space.
func normalise(s string) string {
	s = html.UnescapeString(s)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u00A0'
	}), " ")
}

// deadLink matches a markdown link whose target is "#": the extraction of the
// source PDF kept the label and lost the address.
var deadLink = regexp.MustCompile(`\[((?:\\.|[^\]\\])*)\]\(#\)`)

// unwrapDeadLinks replaces [label](#) with label.
func unwrapDeadLinks(s string) string {
	return deadLink.ReplaceAllString(s, "$1")
}

// superscripts maps the superscript digits used as footnote markers.
var superscripts = map[rune]int{
	'⁰': 0, '¹': 1, '²': 2, '³': 3, '⁴': 4, '⁵': 5, '⁶': 6, '⁷': 7, '⁸': 8, '⁹': 9,
}

// footnoteMarker reports whether s starts with a footnote marker (superscript
// digits followed by white space) and returns the number and the rest.
func footnoteMarker(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		d, isDigit := superscripts[r]
		if !isDigit {
			break
		}
		if n < 1e6 {
			n = n*10 + d
		}
		i += size
	}
	if i == 0 || i == len(s) {
		return 0, "", false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if !unicode.IsSpace(r) {
		return 0, "", false
	}
	return n, strings.TrimSpace(s[i:]), true
}

// para is a paragraph: a run of non-blank lines.
type para struct {
	first, last int // line numbers
	text        string
	list        bool // a bulleted list; items are "- " lines joined by "\n"
	footnote    bool
	table       bool // stands for the norms table in a consultation
}

// listItem reports whether s starts a markdown list item.
func listItem(s string) bool {
	return strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "* ")
}

// splitParagraphs groups lines into paragraphs at blank lines. Lines of a
// paragraph are joined by a space; lines of a list stay one item a line.
func splitParagraphs(lines []line) []para {
	var out []para
	var cur *para
	var items []string
	flush := func() {
		if cur == nil {
			return
		}
		if cur.list {
			cur.text = strings.Join(items, "\n")
		}
		out = append(out, *cur)
		cur, items = nil, nil
	}
	for _, l := range lines {
		s := normalise(l.s)
		if s == "" {
			flush()
			continue
		}
		if cur == nil {
			cur = &para{first: l.n, list: listItem(s)}
			if _, _, ok := footnoteMarker(s); ok {
				cur.footnote = true
			}
		}
		cur.last = l.n
		switch {
		case cur.list && listItem(s):
			items = append(items, "- "+strings.TrimSpace(s[2:]))
		case cur.list:
			items[len(items)-1] += " " + s
		case cur.text == "":
			cur.text = s
		default:
			cur.text += " " + s
		}
	}
	flush()
	return out
}

// endsOpen reports whether a paragraph stops mid-sentence, the sign of a page
// break: its last character is a letter, a digit or a comma.
func endsOpen(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == ','
}

// startsLower reports whether s begins with a lower-case letter.
func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// mendBreaks takes footnotes out of the flow and joins what page breaks split:
// a paragraph that stops mid-sentence continues in the next one if that starts
// in lower case (footnotes printed at the foot of the page may sit between
// them), and consecutive lists are one list.
func mendBreaks(ps []para) (body, notes []para) {
	for _, p := range ps {
		if p.footnote {
			notes = append(notes, p)
			continue
		}
		if n := len(body); n > 0 {
			prev := &body[n-1]
			switch {
			case prev.list && p.list:
				prev.text += "\n" + p.text
				prev.last = p.last
				continue
			case !prev.list && !prev.table && !p.list && !p.table &&
				endsOpen(prev.text) && startsLower(p.text):
				prev.text += " " + p.text
				prev.last = p.last
				continue
			}
		}
		body = append(body, p)
	}
	return body, notes
}
