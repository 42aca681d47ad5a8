package reporting_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/reporting"
)

func TestCyclePhases(t *testing.T) {
	c := reporting.Cycle{OpensAt: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), DueAt: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), ClosesAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"a day before opening it is upcoming", c.OpensAt.Add(-time.Hour), "upcoming"},
		{"at the opening instant it is open", c.OpensAt, "open"},
		{"just before the due date it is open", c.DueAt.Add(-time.Second), "open"},
		{"after the due date it is overdue but accepting", c.DueAt, "overdue"},
		{"at the closing instant it is closed", c.ClosesAt, "closed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Phase(tc.at); got != tc.want {
				t.Errorf("Phase = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLinksMustBeHTTP(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://example.org/a", true},
		{"http://example.org", true},
		{"javascript:alert(1)", false},
		{"data:text/html,hi", false},
		{"ftp://example.org/", false},
		{"https://", false},
		{"//example.org/x", false},
		{"https://example.org/a b", false},
		{"https://example.org/\"onmouseover=x", false},
		{"https://example.org/" + strings.Repeat("a", 2100), false},
	} {
		t.Run(tc.url[:min(len(tc.url), 40)], func(t *testing.T) {
			if err := reporting.CheckLink(tc.url); (err == nil) != tc.ok {
				t.Errorf("CheckLink(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestValidateRefusesBadContentNamingTheField(t *testing.T) {
	s := reporting.NewRulesService()
	good := func() reporting.Measure {
		return reporting.Measure{NormID: "gge2015-a", Title: "t", Type: "policy", Status: "implemented"}
	}
	for _, tc := range []struct {
		name  string
		edit  func(*reporting.Content)
		field string
	}{
		{"an unknown norm", func(c *reporting.Content) { c.Measures[0].NormID = "gge2015-z" }, "measures[0].norm_id"},
		{"a norm that is not reportable", func(c *reporting.Content) { c.Measures[0].NormID = "paris-call-1" }, "measures[0].norm_id"},
		{"an unknown type", func(c *reporting.Content) { c.Measures[0].Type = "treaty" }, "measures[0].type"},
		{"an unknown status", func(c *reporting.Content) { c.Measures[0].Status = "done" }, "measures[0].status"},
		{"a malformed date", func(c *reporting.Content) { c.Measures[0].Date = "2026-13-01" }, "measures[0].date"},
		{"a javascript link", func(c *reporting.Content) { c.Measures[0].Links = []reporting.Link{{URL: "javascript:alert(1)"}} }, "measures[0].links[0].url"},
		{"too many links", func(c *reporting.Content) {
			for range reporting.MaxLinks + 1 {
				c.Measures[0].Links = append(c.Measures[0].Links, reporting.Link{URL: "https://example.org"})
			}
		}, "measures[0].links"},
		{"an oversized title", func(c *reporting.Content) { c.Measures[0].Title = strings.Repeat("é", reporting.MaxTitle+1) }, "measures[0].title"},
		{"an oversized description", func(c *reporting.Content) { c.Measures[0].Description = strings.Repeat("x", reporting.MaxText+1) }, "measures[0].description"},
		{"an unknown other norm", func(c *reporting.Content) { c.Measures[0].OtherNorms = []string{"nope"} }, "measures[0].other_norms[0]"},
		{"notes for an unknown norm", func(c *reporting.Content) { c.Notes = []reporting.NormNotes{{NormID: "x", Challenges: "c"}} }, "notes[0].norm_id"},
		{"notes twice for a norm", func(c *reporting.Content) {
			c.Notes = []reporting.NormNotes{{NormID: "gge2015-a", Challenges: "c"}, {NormID: "gge2015-a", Challenges: "d"}}
		}, "notes[1].norm_id"},
		{"invalid UTF-8", func(c *reporting.Content) { c.ILawSummary = "\xff" }, "international_law_summary"},
		{"an international-law link that is not http", func(c *reporting.Content) { c.ILawLinks = []reporting.Link{{URL: "file:///etc/passwd"}} }, "international_law_links[0].url"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			c := reporting.Content{Measures: []reporting.Measure{good()}}
			tc.edit(&c)
			err := s.Validate(&c)
			var p *reporting.Problem
			if !errors.As(err, &p) || p.Status != 422 || p.Field != tc.field {
				t.Fatalf("Validate = %v, want a 422 on %s", err, tc.field)
			}
		})
	}
	t.Run("accepts an empty report: no field is mandatory", func(t *testing.T) {
		c := reporting.Content{Measures: []reporting.Measure{{NormID: "gge2015-k"}}}
		if err := s.Validate(&c); err != nil {
			t.Fatal(err)
		}
		if m := c.Measures[0]; m.Type != "other" || m.Status != "planned" || m.Key == "" {
			t.Errorf("defaults not applied: %+v", m)
		}
	})
}

func TestCompareNormByNorm(t *testing.T) {
	old := reporting.Content{Measures: []reporting.Measure{
		{Key: "k1", NormID: "gge2015-a", Title: "Kept", Status: "planned"},
		{Key: "k2", NormID: "gge2015-a", Title: "Progressed", Status: "planned"},
		{Key: "k3", NormID: "gge2015-b", Title: "Dropped"},
	}}
	new := reporting.Content{Measures: []reporting.Measure{
		{Key: "k1", NormID: "gge2015-a", Title: "Kept", Status: "planned"},
		{Key: "k2", NormID: "gge2015-a", Title: "Progressed", Status: "implemented"},
		{Key: "k4", NormID: "gge2015-c", Title: "New"},
	}, Notes: []reporting.NormNotes{{NormID: "gge2015-b", Challenges: "staff"}}}
	d := reporting.Compare([]string{"gge2015-a", "gge2015-b", "gge2015-c"}, old, new)
	if d.Added != 1 || d.Changed != 1 || d.Removed != 1 {
		t.Fatalf("added %d changed %d removed %d, want 1 each", d.Added, d.Changed, d.Removed)
	}
	var order []string
	for _, n := range d.Norms {
		order = append(order, n.NormID)
	}
	if !slices.Equal(order, []string{"gge2015-a", "gge2015-b", "gge2015-c"}) {
		t.Errorf("norms in order %v", order)
	}
	if a := d.Norms[0]; a.Unchanged != 1 || a.Changes[0].Kind != reporting.Changed || !slices.Equal(a.Changes[0].Fields, []string{"status"}) {
		t.Errorf("norm (a): %+v", a)
	}
	if !d.Norms[1].NotesChanged {
		t.Errorf("norm (b) notes change not seen")
	}
	t.Run("a content compared with itself has no changes", func(t *testing.T) {
		d := reporting.Compare(nil, new, new)
		if d.Added+d.Changed+d.Removed != 0 || d.ILawChanged {
			t.Errorf("%+v", d)
		}
	})
}

func TestMarkdownIsSafe(t *testing.T) {
	for _, tc := range []struct{ in, want, never string }{
		{"**bold** and *it*", "<strong>bold</strong> and <em>it</em>", ""},
		{"[site](https://example.org/x)", `<a href="https://example.org/x" rel="nofollow noopener">site</a>`, ""},
		{"[x](javascript:alert(1))", "[x](javascript:alert(1))", "<a"},
		{"<script>alert(1)</script>", "&lt;script&gt;", "<script"},
		{"- one\n- two", "<ul><li>one</li><li>two</li></ul>", ""},
		{`[a](https://e.org/"onclick=x)`, "", `"onclick`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			out := string(reporting.Markdown(tc.in))
			if tc.want != "" && !strings.Contains(out, tc.want) {
				t.Errorf("Markdown(%q) = %q, want it to contain %q", tc.in, out, tc.want)
			}
			if tc.never != "" && strings.Contains(out, tc.never) {
				t.Errorf("Markdown(%q) = %q contains %q", tc.in, out, tc.never)
			}
		})
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**a**", "[x](https://e.org)", "<b>", "- a\n\n# h", "[<x>](https://a.b/*c*)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := strings.ToLower(string(reporting.Markdown(s)))
		for _, bad := range []string{"<script", "javascript:", "<img", "<iframe", " on"} {
			if strings.Contains(out, bad) && !strings.Contains(strings.ToLower(s), strings.TrimSpace(bad)) {
				t.Fatalf("Markdown(%q) = %q contains %q", s, out, bad)
			}
		}
		if strings.Contains(out, "<script") || strings.Contains(out, `href="javascript`) {
			t.Fatalf("Markdown(%q) = %q", s, out)
		}
	})
}

// FuzzReportJSON decodes arbitrary bodies as a draft save strictly, as the
// API does, and validates them: nothing may panic, and whatever is accepted
// holds only known norms, types and statuses and http(s) links.
func FuzzReportJSON(f *testing.F) {
	f.Add(`{"revision":1,"content":{"measures":[{"norm_id":"gge2015-a","title":"t","type":"policy","status":"planned","links":[{"url":"https://e.org"}],"other_norms":["paris-call-1"]}],"notes":[{"norm_id":"gge2015-b","challenges":"c"}],"international_law_summary":"s","international_law_links":[]}}`)
	f.Add(`{"revision":-1,"content":{"measures":[{"norm_id":"gge2015-z"}]}}`)
	f.Add(`{"content":{"measures":[{"norm_id":"gge2015-a","links":[{"url":"javascript:x"}]}]}}`)
	f.Add(`{"content":{"measures":null,"notes":[{"norm_id":"gge2015-a"},{"norm_id":"gge2015-a"}]}}`)
	s := reporting.NewRulesService()
	f.Fuzz(func(t *testing.T, body string) {
		var in reporting.SaveInput
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.DisallowUnknownFields()
		if dec.Decode(&in) != nil {
			return
		}
		if err := s.Validate(&in.Content); err != nil {
			var p *reporting.Problem
			if !errors.As(err, &p) || p.Status != 422 || p.Field == "" {
				t.Fatalf("refusal is not a 422 naming a field: %v", err)
			}
			return
		}
		for _, m := range in.Content.Measures {
			if !strings.HasPrefix(m.NormID, "gge2015-") || !slices.Contains(reporting.MeasureTypes, m.Type) || !slices.Contains(reporting.MeasureStatuses, m.Status) || m.Key == "" {
				t.Fatalf("accepted a bad measure: %+v", m)
			}
			for _, l := range m.Links {
				if reporting.CheckLink(l.URL) != nil {
					t.Fatalf("accepted link %q", l.URL)
				}
			}
		}
	})
}
