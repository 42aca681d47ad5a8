package seed

import (
	"strings"
	"unicode/utf8"
)

// tokenKind classifies the pieces of a table cell.
type tokenKind int

const (
	tokText      tokenKind = iota // plain text
	tokOpen                       // an opening (or self-closing) HTML tag
	tokClose                      // a closing HTML tag
	tokBullet                     // a top-level bullet glyph: ▪ • ■
	tokSubBullet                  // a second-level bullet glyph: ○ ◦
)

// token is one piece of a table cell.
type token struct {
	kind tokenKind
	name string // lower-case tag name, for tags
	text string // for text
}

// tokenize splits a table cell into text, HTML tags and bullet glyphs. A "<"
// that starts a tag ("<x" or "</") must be closed by ">" on the same line.
func tokenize(n int, s string) ([]token, error) {
	var toks []token
	var text strings.Builder
	emit := func(t token) {
		if text.Len() > 0 {
			toks = append(toks, token{kind: tokText, text: text.String()})
			text.Reset()
		}
		toks = append(toks, t)
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '<' && startsTag(s[i+1:]):
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return nil, parseErr(n, ErrMalformedRow, "unterminated tag %q", clip(s[i:]))
			}
			emit(parseTag(s[i+1 : i+end]))
			i += end + 1
			continue
		case r == '▪' || r == '•' || r == '■':
			emit(token{kind: tokBullet})
		case r == '○' || r == '◦':
			emit(token{kind: tokSubBullet})
		default:
			text.WriteString(s[i : i+size])
		}
		i += size
	}
	if text.Len() > 0 {
		toks = append(toks, token{kind: tokText, text: text.String()})
	}
	return toks, nil
}

// startsTag reports whether the text after a "<" begins an HTML tag.
func startsTag(s string) bool {
	if strings.HasPrefix(s, "/") {
		s = s[1:]
	}
	return s != "" && isASCIILetter(s[0])
}

// parseTag reads the inside of <…> into a token.
func parseTag(inner string) token {
	t := token{kind: tokOpen}
	if strings.HasPrefix(inner, "/") {
		t.kind = tokClose
		inner = inner[1:]
	}
	j := 0
	for j < len(inner) && (isASCIILetter(inner[j]) || inner[j] >= '0' && inner[j] <= '9') {
		j++
	}
	t.name = strings.ToLower(inner[:j])
	return t
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// stripTags removes HTML tags from s, leaving a space in their place.
func stripTags(s string) string {
	toks, err := tokenize(0, s)
	if err != nil {
		return s
	}
	var b strings.Builder
	for _, t := range toks {
		if t.kind == tokText {
			b.WriteString(t.text)
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}
