package reporting

import (
	"html"
	"html/template"
	"regexp"
	"strings"
)

// Markdown renders the small subset of Markdown that measure descriptions
// use — paragraphs, "-"/"*" bullet lists, "#" headings (shown as strong
// lines), **bold**, *italic* and [text](https://…) links — to HTML. Every
// character of the input is escaped first and only http(s) links become
// anchors, so the result is safe by construction: no raw HTML passes.
func Markdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
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
	for _, line := range lines {
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
			b.WriteString("<li>" + inline(t[2:]) + "</li>")
		case strings.HasPrefix(t, "#"):
			closeAll()
			b.WriteString("<p><strong>" + inline(strings.TrimSpace(strings.TrimLeft(t, "#"))) + "</strong></p>")
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
			b.WriteString(inline(t))
		}
	}
	closeAll()
	return template.HTML(b.String())
}

var (
	mdLink   = regexp.MustCompile(`\[([^\]\n]{1,300})\]\((https?://[^\s)*]+)\)`)
	mdBold   = regexp.MustCompile(`\*\*([^*\n]{1,1000})\*\*`)
	mdItalic = regexp.MustCompile(`\*([^*\n]{1,1000})\*`)
)

// inline escapes s, then applies links, bold and italic to the escaped text.
// Escaping first means the patterns only ever see inert text; link targets
// are re-checked as http(s) and quoted by the escaper.
func inline(s string) string {
	e := html.EscapeString(s)
	e = mdLink.ReplaceAllStringFunc(e, func(m string) string {
		p := mdLink.FindStringSubmatch(m)
		u := html.UnescapeString(p[2])
		if CheckLink(u) != nil {
			return m
		}
		return `<a href="` + html.EscapeString(u) + `" rel="nofollow noopener">` + p[1] + `</a>`
	})
	e = mdBold.ReplaceAllString(e, "<strong>$1</strong>")
	e = mdItalic.ReplaceAllString(e, "<em>$1</em>")
	return e
}
