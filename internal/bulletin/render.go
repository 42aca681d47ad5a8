package bulletin

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"

	"github.com/cybernorms/cybernorms/internal/platform/web"
)

//go:embed mailtmpl/*
var mailFS embed.FS

var (
	md     = goldmark.New()
	policy = bluemonday.UGCPolicy()
)

// Markdown renders contributor markdown as safe HTML: raw HTML in the
// source is escaped by goldmark, and the result is cleaned by a
// user-generated-content policy (no scripts, styles, event handlers or
// javascript: links).
func Markdown(src string) htmltemplate.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return htmltemplate.HTML(htmltemplate.HTMLEscapeString(src))
	}
	return htmltemplate.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// unsubscribePlaceholder stands for each recipient's own link in a
// rendered issue; it is replaced per message.
const unsubscribePlaceholder = "https://unsubscribe.invalid/PLACEHOLDER"

type mailData struct {
	C        *IssueContent
	T        func(key string, args ...any) string
	Unsub    string
	IssueURL string
}

// mailRenderer renders issues for the list, one template set per process.
type mailRenderer struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

func newMailRenderer() (*mailRenderer, error) {
	funcs := htmltemplate.FuncMap{"markdown": Markdown, "date": web.Funcs["date"], "str": func(k Kind) string { return string(k) }}
	h, err := htmltemplate.New("").Funcs(funcs).ParseFS(mailFS, "mailtmpl/issue.html")
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.New("").Funcs(texttemplate.FuncMap{"date": web.Funcs["date"], "str": func(k Kind) string { return string(k) },
		"indent": func(s string) string { return strings.TrimSpace(s) }}).ParseFS(mailFS, "mailtmpl/issue.txt")
	if err != nil {
		return nil, err
	}
	return &mailRenderer{html: h, text: t}, nil
}

// renderedIssue is an issue's email in one language, with the unsubscribe
// placeholder still in it.
type renderedIssue struct {
	Subject, HTML, Text string
}

func (s *Service) renderIssueMail(c *IssueContent, lang string) (renderedIssue, error) {
	T := func(key string, args ...any) string { return s.Site.Catalog.T(lang, key, args...) }
	d := mailData{C: c, T: T, Unsub: unsubscribePlaceholder, IssueURL: s.Link("/bulletin/issues/" + c.Issue.Slug)}
	var h, t bytes.Buffer
	if err := s.mails.html.ExecuteTemplate(&h, "issue.html", d); err != nil {
		return renderedIssue{}, err
	}
	if err := s.mails.text.ExecuteTemplate(&t, "issue.txt", d); err != nil {
		return renderedIssue{}, err
	}
	return renderedIssue{Subject: c.Issue.Title + " — " + T(c.Issue.LabelKey(), strconv.Itoa(c.Issue.Year), c.Issue.Quarter, c.Issue.Revision), HTML: h.String(), Text: t.String()}, nil
}
