package web

import (
	"html/template"
	"strings"
	"unicode/utf8"
)

// pieceSize is the most a piece of Pieces holds: half of the 64 KiB up to
// which fmt keeps its print buffers for reuse.
const pieceSize = 32 << 10

// Pieces splits a long fragment (a map of the world is 140 kB) into pieces
// of at most pieceSize bytes, each cut before a tag where there is one, for
// a template to print in turn: {{range pieces .Map}}{{.}}{{end}}.
// text/template prints every value through fmt, whose buffer is kept for
// the next print only up to 64 KiB, so a longer value printed whole costs an
// allocation as long as itself, and a copy, on every request. The pieces
// are slices of h: nothing is copied.
func Pieces(h template.HTML) []template.HTML {
	s := string(h)
	out := make([]template.HTML, 0, len(s)/pieceSize+1)
	for len(s) > pieceSize {
		cut := strings.LastIndexByte(s[:pieceSize], '<')
		if cut <= 0 {
			cut = pieceSize
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		out = append(out, template.HTML(s[:cut])) // #nosec: a slice of h, already HTML
		s = s[cut:]
	}
	return append(out, template.HTML(s)) // #nosec: a slice of h, already HTML
}
