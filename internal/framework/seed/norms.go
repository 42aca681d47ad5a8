package seed

import (
	"io"
	"regexp"
	"strings"
)

// NormRow is one row of the Tech Accord's table "2015 GGE consensus report
// norms and implementation recommendations": a norm of paragraph 13 of the
// 2015 GGE report (A/70/174) and the Tech Accord's recommendations for
// implementing it.
type NormRow struct {
	// Letter is the norm's letter in paragraph 13, "a" to "k".
	Letter string
	// Text is the norm's official text as the table gives it, without the
	// "(a)" marker, on one line.
	Text string
	// Recommendations holds one entry per top-level bullet, in order, as
	// plain text on one line. Where a bullet has sub-bullets they follow its
	// text as markdown list lines ("\n- …").
	Recommendations []string
}

// NormLetters lists the letters of the eleven norms, in order.
const NormLetters = "abcdefghijk"

// ParseNormsTable finds the norms table in r and returns its eleven rows, (a)
// to (k) in order.
//
// The table starts at its header row, a line of two tab-separated cells
// whose first names the GGE report and whose second reads "Recommendation".
// Each row is a line "<p>(x) norm text</p><TAB><ul> ▪ item ▪ item …" (▪, •
// or <li> for items, ○ or ◦ for sub-items). Page breaks split rows: after a
// blank line, a line with no "(x)" marker continues the row above — its first
// cell continues the norm text, and text in its second cell before the first
// bullet continues the last recommendation. The table ends at the first
// non-blank line that is not a table line.
//
// Errors are *ParseError values wrapping ErrNoTable, ErrMissingNorm,
// ErrDuplicateNorm, ErrMalformedRow or ErrTooLarge.
func ParseNormsTable(r io.Reader) ([]NormRow, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	start := findTableHeader(lines)
	if start < 0 {
		return nil, parseErr(lastLine(lines), ErrNoTable,
			`no header row "GGE consensus report …<TAB>Recommendation"`)
	}
	end := tableEnd(lines, start)
	return parseTable(lines[start:end])
}

// findTableHeader returns the index of the table's header row, or -1.
func findTableHeader(lines []line) int {
	for i, l := range lines {
		cells := strings.Split(l.s, "\t")
		if len(cells) != 2 {
			continue
		}
		left, right := normalise(stripTags(cells[0])), normalise(stripTags(cells[1]))
		right = strings.ToLower(right)
		if strings.Contains(left, "GGE") && (right == "recommendation" || right == "recommendations") {
			return i
		}
	}
	return -1
}

// tableEnd returns the index just past the table that starts at lines[start]:
// past its last table line, leaving out blank lines that follow it.
func tableEnd(lines []line, start int) int {
	end := start + 1
	for i := start + 1; i < len(lines); i++ {
		s := strings.TrimSpace(lines[i].s)
		if s == "" {
			continue
		}
		if !isTableLine(lines[i].s) {
			break
		}
		end = i + 1
	}
	return end
}

// isTableLine reports whether s has the look of a table row or part of one.
func isTableLine(s string) bool {
	if strings.Contains(s, "\t") {
		return true
	}
	t := strings.TrimSpace(s)
	if strings.ContainsAny(t, "▪•○◦") {
		return true
	}
	for _, tag := range []string{"<p>", "<p ", "</p>", "<ul", "<li", "</ul>", "</li>"} {
		if strings.HasPrefix(t, tag) {
			return true
		}
	}
	return false
}

// normMarker matches the "(a)" that opens a row's norm text.
var normMarker = regexp.MustCompile(`^\(([a-z])\)\s*`)

// rowBuilder collects one row while its lines are read.
type rowBuilder struct {
	line   int // where the row starts
	letter string
	text   []string
	items  []*itemBuilder
}

// itemBuilder collects one recommendation and its sub-items.
type itemBuilder struct {
	text []string
	subs [][]string
}

// appendText adds text to the item's last open part: its last sub-item if
// it has any, else its own text.
func (it *itemBuilder) appendText(s string) {
	if s == "" {
		return
	}
	if n := len(it.subs); n > 0 {
		it.subs[n-1] = append(it.subs[n-1], s)
		return
	}
	it.text = append(it.text, s)
}

// parseTable parses the table lines, the header row first.
func parseTable(lines []line) ([]NormRow, error) {
	var (
		rows []NormRow
		cur  *rowBuilder
		seen = map[string]int{} // letter -> line
	)
	finish := func() error {
		if cur == nil {
			return nil
		}
		row, err := cur.build()
		if err != nil {
			return err
		}
		rows = append(rows, row)
		cur = nil
		return nil
	}
	for _, l := range lines[1:] {
		if strings.TrimSpace(l.s) == "" {
			continue // a page break or a gap between rows
		}
		cells := strings.Split(l.s, "\t")
		if len(cells) > 2 {
			return nil, parseErr(l.n, ErrMalformedRow, "%d cells, want 2", len(cells))
		}
		normCell, recCell := cells[0], ""
		if len(cells) == 2 {
			recCell = cells[1]
		} else if looksLikeRecommendations(normCell) {
			normCell, recCell = "", normCell
		}
		normText, err := parseNormCell(l.n, normCell)
		if err != nil {
			return nil, err
		}
		if m := normMarker.FindStringSubmatch(normText); m != nil {
			if err := finish(); err != nil {
				return nil, err
			}
			letter := m[1]
			if err := checkLetter(l.n, letter, len(rows), seen); err != nil {
				return nil, err
			}
			seen[letter] = l.n
			cur = &rowBuilder{line: l.n, letter: letter}
			normText = normText[len(m[0]):]
			if normText == "" {
				return nil, parseErr(l.n, ErrMalformedRow, "norm (%s) has no text", letter)
			}
		} else if cur == nil {
			return nil, parseErr(l.n, ErrMalformedRow, "row has no norm marker such as (a)")
		}
		if normText != "" {
			cur.text = append(cur.text, normText)
		}
		if err := cur.addRecommendations(l.n, recCell); err != nil {
			return nil, err
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	if len(rows) < len(NormLetters) {
		return nil, parseErr(lastLine(lines), ErrMissingNorm,
			"norm (%c) missing: the table ends after %d rows", NormLetters[len(rows)], len(rows))
	}
	return rows, nil
}

// checkLetter checks that letter is the next expected norm, the rows before
// it being done.
func checkLetter(n int, letter string, done int, seen map[string]int) error {
	if at, dup := seen[letter]; dup {
		return parseErr(n, ErrDuplicateNorm, "norm (%s) already given on line %d", letter, at)
	}
	i := strings.Index(NormLetters, letter)
	if i < 0 {
		return parseErr(n, ErrMalformedRow, "norm (%s) is not one of (a) to (k)", letter)
	}
	if i != done {
		return parseErr(n, ErrMissingNorm, "norm (%c) missing before norm (%s)", NormLetters[done], letter)
	}
	return nil
}

// looksLikeRecommendations reports whether a single cell holds bullets
// rather than norm text.
func looksLikeRecommendations(cell string) bool {
	return strings.ContainsAny(cell, "▪•○◦") || strings.Contains(cell, "<ul") || strings.Contains(cell, "<li")
}

// parseNormCell returns the plain text of a norm cell.
func parseNormCell(n int, cell string) (string, error) {
	toks, err := tokenize(n, cell)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	open := 0
	for _, t := range toks {
		switch t.kind {
		case tokText:
			b.WriteString(t.text)
		case tokOpen:
			if t.name == "p" {
				open++
			}
			b.WriteByte(' ')
		case tokClose:
			if t.name == "p" {
				open--
			}
			b.WriteByte(' ')
		case tokBullet, tokSubBullet:
			return "", parseErr(n, ErrMalformedRow, "bullet in the norm cell")
		}
	}
	if open != 0 {
		return "", parseErr(n, ErrMalformedRow, "unbalanced <p> in the norm cell")
	}
	return normalise(b.String()), nil
}

// addRecommendations reads a recommendation cell into the row.
func (rb *rowBuilder) addRecommendations(n int, cell string) error {
	toks, err := tokenize(n, cell)
	if err != nil {
		return err
	}
	var (
		depth   int  // <ul> nesting within this cell
		liOpen  bool // an <li> opened the last item or sub-item and no text followed yet
		pending strings.Builder
	)
	flush := func() error {
		s := normalise(pending.String())
		pending.Reset()
		if s == "" {
			return nil
		}
		if len(rb.items) == 0 {
			return parseErr(n, ErrMalformedRow, "recommendation text before the first bullet: %q", clip(s))
		}
		rb.items[len(rb.items)-1].appendText(s)
		liOpen = false
		return nil
	}
	for _, t := range toks {
		switch t.kind {
		case tokText:
			pending.WriteString(t.text)
			continue
		case tokOpen, tokClose:
			pending.WriteByte(' ')
		}
		if err := flush(); err != nil {
			return err
		}
		li := t.kind == tokOpen && t.name == "li"
		switch {
		case t.kind == tokOpen && t.name == "ul":
			depth++
		case t.kind == tokClose && t.name == "ul":
			depth = max(depth-1, 0)
		case liOpen && (t.kind == tokBullet || t.kind == tokSubBullet):
			liOpen = false // "<li> ▪": the glyph marks the item <li> opened
		case li && depth <= 1, t.kind == tokBullet:
			rb.items = append(rb.items, &itemBuilder{})
			liOpen = li
		case li, t.kind == tokSubBullet:
			if len(rb.items) == 0 {
				return parseErr(n, ErrMalformedRow, "sub-item before the first bullet")
			}
			it := rb.items[len(rb.items)-1]
			it.subs = append(it.subs, nil)
			liOpen = li
		}
	}
	return flush()
}

// build checks the row and renders it.
func (rb *rowBuilder) build() (NormRow, error) {
	row := NormRow{Letter: rb.letter, Text: normalise(strings.Join(rb.text, " "))}
	if len(rb.items) == 0 {
		return row, parseErr(rb.line, ErrMalformedRow, "norm (%s) has no recommendations", rb.letter)
	}
	for i, it := range rb.items {
		text := normalise(strings.Join(it.text, " "))
		if text == "" {
			return row, parseErr(rb.line, ErrMalformedRow,
				"norm (%s), recommendation %d is empty", rb.letter, i+1)
		}
		var b strings.Builder
		b.WriteString(text)
		for _, sub := range it.subs {
			s := normalise(strings.Join(sub, " "))
			if s == "" {
				return row, parseErr(rb.line, ErrMalformedRow,
					"norm (%s), recommendation %d has an empty sub-item", rb.letter, i+1)
			}
			b.WriteString("\n- ")
			b.WriteString(s)
		}
		row.Recommendations = append(row.Recommendations, b.String())
	}
	return row, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 40
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
