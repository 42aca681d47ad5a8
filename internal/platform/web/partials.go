package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"text/template/parse"
)

// A module's partials (its templates folder's _*.html files) define
// templates that its pages call. Each page is its own template set (every
// page defines "title" and "content"), and html/template copies a set's
// trees rather than share them, so a partial parsed into every page of its
// module was held once per page: most of the templates' memory, which the
// garbage collector marks on every cycle. A page's set now holds only the
// partials it calls, directly or through another partial; the module's
// partialSet holds them all, for Fragment.

// partial is one partial file: the templates it defines and those it calls.
type partial struct {
	file          string
	defines, uses map[string]bool
}

// readPartials parses the partials of fsys for their names only.
func readPartials(fsys fs.FS) ([]partial, error) {
	files, err := fs.Glob(fsys, "_*.html")
	if err != nil {
		return nil, err
	}
	var out []partial
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		tr := parse.New(f)
		tr.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		if _, err := tr.Parse(string(src), "", "", trees); err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		p := partial{file: f, defines: map[string]bool{}, uses: map[string]bool{}}
		for name, t := range trees {
			p.defines[name] = true
			calls(t.Root, p.uses)
		}
		out = append(out, p)
	}
	return out, nil
}

// partialsFor returns the files of the partials that t's templates call,
// and those that these call in turn, in the order given.
func partialsFor(t *template.Template, partials []partial) []string {
	used := map[string]bool{}
	for _, x := range t.Templates() {
		if x.Tree != nil {
			calls(x.Tree.Root, used)
		}
	}
	in := make([]bool, len(partials))
	for added := true; added; {
		added = false
		for i, p := range partials {
			if in[i] || !callsAny(used, p.defines) {
				continue
			}
			in[i], added = true, true
			for name := range p.uses {
				used[name] = true
			}
		}
	}
	var files []string
	for i, p := range partials {
		if in[i] {
			files = append(files, p.file)
		}
	}
	return files
}

func callsAny(used, defines map[string]bool) bool {
	for name := range defines {
		if used[name] {
			return true
		}
	}
	return false
}

// calls adds to names the templates that n calls ({{template}}, {{block}}).
func calls(n parse.Node, names map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				calls(c, names)
			}
		}
	case *parse.TemplateNode:
		names[n.Name] = true
	case *parse.IfNode:
		calls(n.List, names)
		calls(n.ElseList, names)
	case *parse.RangeNode:
		calls(n.List, names)
		calls(n.ElseList, names)
	case *parse.WithNode:
		calls(n.List, names)
		calls(n.ElseList, names)
	}
}
