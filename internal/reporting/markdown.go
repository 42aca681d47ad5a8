package reporting

import (
	"html/template"
	"strings"
)

// Markdown renders the small subset of Markdown that measure descriptions
// use — paragraphs, "-"/"*" bullet lists, "#" headings (shown as strong
// lines), **bold**, *italic* and [text](https://…) links — to HTML. Every
// character of the input is escaped first and only http(s) links become
// anchors, so the result is safe by construction: no raw HTML passes.
func Markdown(src string) template.HTML {
	if src == "" {
		return ""
	}
	var b strings.Builder
	b.Grow(len(src) + len(src)/4 + 32)
	markdownTo(&b, src)
	return template.HTML(b.String())
}

// markdownTo writes Markdown(src) into b.
func markdownTo(b *strings.Builder, src string) {
	if strings.Contains(src, "\r\n") {
		src = strings.ReplaceAll(src, "\r\n", "\n")
	}
	inList, inPara := false, false
	closeAll := func() {
		if inList {
			b.WriteString("</ul>")
			inList = false
		}
		if inPara {
			b.WriteString("</p>")
			inPara = false
		}
	}
	for rest, more := src, true; more; {
		var line string
		line, rest, more = strings.Cut(rest, "\n")
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			closeAll()
		case strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* "):
			if inPara {
				b.WriteString("</p>")
				inPara = false
			}
			if !inList {
				b.WriteString("<ul>")
				inList = true
			}
			b.WriteString("<li>")
			inline(b, t[2:])
			b.WriteString("</li>")
		case strings.HasPrefix(t, "#"):
			closeAll()
			b.WriteString("<p><strong>")
			inline(b, strings.TrimSpace(strings.TrimLeft(t, "#")))
			b.WriteString("</strong></p>")
		default:
			if inList {
				b.WriteString("</ul>")
				inList = false
			}
			if inPara {
				b.WriteString("<br>")
			} else {
				b.WriteString("<p>")
				inPara = true
			}
			inline(b, t)
		}
	}
	closeAll()
}

// escaper escapes as html.EscapeString does, writing into a builder
// instead of making a string of each piece.
var escaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

// inline writes s with **bold**, *italic* and [text](http…) links; every
// other character is escaped. Emphasis does not nest, and link text is
// plain, so the output is always well formed.
func inline(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '*' && strings.HasPrefix(s[i:], "**"):
			if j := strings.Index(s[i+2:], "**"); j > 0 {
				b.WriteString("<strong>")
				escaper.WriteString(b, s[i+2:i+2+j])
				b.WriteString("</strong>")
				i += j + 4
				continue
			}
		case c == '*':
			if j := strings.IndexByte(s[i+1:], '*'); j > 0 {
				b.WriteString("<em>")
				escaper.WriteString(b, s[i+1:i+1+j])
				b.WriteString("</em>")
				i += j + 2
				continue
			}
		case c == '[':
			if j := strings.Index(s[i:], "]("); j > 1 && !strings.ContainsAny(s[i+1:i+j], "[]") {
				rest := s[i+j+2:]
				if k := strings.IndexByte(rest, ')'); k > 0 {
					u := rest[:k]
					if CheckLink(u) == nil {
						b.WriteString(`<a href="`)
						escaper.WriteString(b, u)
						b.WriteString(`" rel="nofollow noopener">`)
						escaper.WriteString(b, s[i+1:i+j])
						b.WriteString("</a>")
						i += j + 2 + k + 1
						continue
					}
				}
			}
		}
		// Copy up to the next special character, escaped.
		j := i + 1
		for j < len(s) && s[j] != '*' && s[j] != '[' {
			j++
		}
		escaper.WriteString(b, s[i:j])
		i = j
	}
}
