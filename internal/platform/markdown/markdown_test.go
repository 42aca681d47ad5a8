package markdown

import (
	"strings"
	"testing"
)

func TestHTMLIsSafe(t *testing.T) {
	tests := []struct {
		name, src     string
		want, mustNot string
	}{
		{"emphasis and lists render", "**bold** and *it*\n\n- one\n- two", "<strong>bold</strong>", ""},
		{"raw script is not passed through", "<script>alert(1)</script>", "", "<script"},
		{"javascript links are dropped", "[x](javascript:alert(1))", "", "javascript:"},
		{"event handlers are dropped", `<img src=x onerror="alert(1)">`, "", "onerror"},
		{"links get nofollow", "[site](https://example.org)", `rel="nofollow"`, ""},
		{"tables render", "| a | b |\n| - | - |\n| 1 | 2 |", "<table>", ""},
		{"style attributes are dropped", `<p style="color:red">x</p>`, "", "style="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(HTML(tt.src))
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
			if tt.mustNot != "" && strings.Contains(strings.ToLower(got), tt.mustNot) {
				t.Errorf("got %q, must not contain %q", got, tt.mustNot)
			}
		})
	}
}

func FuzzHTML(f *testing.F) {
	for _, s := range []string{"# t", "<a href='javascript:x'>y</a>", "[a](b)", "```\ncode\n```", "<svg onload=alert(1)>", "| a |\n|-|\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := strings.ToLower(string(HTML(src)))
		for _, bad := range []string{"<script", "javascript:", "onerror=", "onload=", "<iframe", "<style"} {
			if strings.Contains(out, bad) {
				t.Fatalf("%q rendered to %q", src, out)
			}
		}
	})
}
