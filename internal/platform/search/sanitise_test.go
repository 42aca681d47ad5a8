package search

import (
	"strings"
	"testing"
	"unicode"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, fts, pg string
	}{
		{"plain words become quoted terms", "supply chain", `"supply" "chain"`, `"supply" "chain"`},
		{"a quoted phrase stays one term", `"critical infrastructure" CERT`, `"critical infrastructure" "cert"`, `"critical infrastructure" "cert"`},
		{"punctuation inside a word makes a phrase", "supply-chain", `"supply chain"`, `"supply chain"`},
		{"FTS5 operators are only words", `title:foo OR NEAR(a b) *`, `"title foo" "or" "near a" "b"`, `"title foo" "or" "near a" "b"`},
		{"an unterminated quote ends at the end", `"open phrase`, `"open phrase"`, `"open phrase"`},
		{"symbols alone give nothing", `*()":^-+`, ``, ``},
		{"non-Latin scripts are kept", "Информационная безопасность", `"информационная" "безопасность"`, `"информационная" "безопасность"`},
		{"empty input gives nothing", "   ", ``, ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := Parse(tt.in)
			if got := FTS5(terms); got != tt.fts {
				t.Errorf("FTS5(Parse(%q)) = %q, want %q", tt.in, got, tt.fts)
			}
			if got := Websearch(terms); got != tt.pg {
				t.Errorf("Websearch(Parse(%q)) = %q, want %q", tt.in, got, tt.pg)
			}
		})
	}
}

func TestParseBoundsTermsAndLength(t *testing.T) {
	terms := Parse(strings.Repeat("word ", 100))
	if len(terms) != MaxTerms {
		t.Errorf("got %d terms, want %d", len(terms), MaxTerms)
	}
	terms = Parse(strings.Repeat("x", 300))
	if n := len([]rune(terms[0].Words[0])); n != MaxTermRunes {
		t.Errorf("a long word kept %d runes, want %d", n, MaxTermRunes)
	}
}

func TestFragments(t *testing.T) {
	got := Fragments("the \x02supply\x03 of \x02chain\x03s")
	want := []Fragment{{"the ", false}, {"supply", true}, {" of ", false}, {"chain", true}, {"s", false}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("fragment %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestValidateRefusesFreeTextInFacets(t *testing.T) {
	for _, q := range []Query{{Norm: "a' OR 1=1"}, {State: "FR A"}, {Year: 12}, {Limit: 1000}, {Offset: -1}, {Kinds: []string{"%"}}} {
		if err := q.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted it", q)
		}
	}
	q := Query{Norm: "gge2015-a", State: "FRA", Year: 2024}
	if err := q.Validate(); err != nil || q.Limit != 20 {
		t.Errorf("Validate(%+v) = %v, limit %d", q, err, q.Limit)
	}
}

// FuzzParse checks that whatever is typed, the FTS5 expression is a run of
// double-quoted strings holding only letters, digits and spaces, and the
// PostgreSQL one likewise.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"supply chain", `"a b" c`, `NEAR(a b, 3)`, `title:x*`, `a"b"c"`, "\x00\xff", `^a -b +c`, `'; DROP TABLE x; --`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		terms := Parse(in)
		if len(terms) > MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, expr := range []string{FTS5(terms), Websearch(terms)} {
			inQuote := false
			for _, r := range expr {
				switch {
				case r == '"':
					inQuote = !inQuote
				case r == ' ':
				case !inQuote:
					t.Fatalf("%q: %q outside quotes in %q", in, r, expr)
				case !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)):
					t.Fatalf("%q: %q inside quotes in %q", in, r, expr)
				}
			}
			if inQuote {
				t.Fatalf("%q: unbalanced quotes in %q", in, expr)
			}
		}
	})
}
