// Package markdown renders text written by users (measure descriptions,
// statements, bulletin items) as safe HTML: CommonMark by goldmark, raw HTML
// in the source escaped, and the output cleaned by bluemonday's policy for
// user-generated content (no scripts, styles, event handlers or javascript:
// links; links get rel="nofollow noopener").
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// MaxSource bounds what is rendered; longer input is cut, never rejected
// here (validation of lengths belongs to the module that accepts the text).
const MaxSource = 200_000

// Renderer converts markdown to sanitised HTML; safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a renderer with GitHub-flavoured tables, strikethrough and
// autolinks.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return &Renderer{md: goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify)), policy: p}
}

// HTML renders src.
func (r *Renderer) HTML(src string) template.HTML {
	if len(src) > MaxSource {
		src = src[:MaxSource]
	}
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes()))
}

var std = New()

// HTML renders src with the shared renderer.
func HTML(src string) template.HTML { return std.HTML(src) }
