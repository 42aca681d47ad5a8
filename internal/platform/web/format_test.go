package web

import (
	"testing"
	"time"
)

func TestFormatNumberPerLanguage(t *testing.T) {
	cases := []struct {
		lang string
		v    any
		want string
	}{
		{"en", 25588, "25,588"},
		{"en", 171.0, "171"},
		{"en", 25588.0, "25,588"},
		{"en", 2.25, "2.2"},
		{"fr", 25588, "25\u00a0588"},
		{"fr", 3.5, "3,5"},
		{"ru", 3510, "3\u00a0510"},
		{"es", 3510, "3510"},
		{"es", 25588, "25.588"},
		{"es", 12.5, "12,5"},
		{"zh", 50000, "50,000"},
		{"ar", 50000, "50,000"},
		{"ar", 171.0, "171"},
		{"xx", 1000, "1,000"},
		{"fr", ptr(1234.5), "1\u00a0234,5"},
		{"en", (*float64)(nil), ""},
	}
	for _, c := range cases {
		if got := FormatNumber(c.lang, c.v); got != c.want {
			t.Errorf("FormatNumber(%s, %v) = %q, want %q", c.lang, c.v, got, c.want)
		}
	}
}

func TestLongDateInEachLanguage(t *testing.T) {
	d := time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	want := map[string]string{
		"en": "December 4, 2026",
		"fr": "4 décembre 2026",
		"es": "4 de diciembre de 2026",
		"ru": "4 декабря 2026\u202fг.",
		"zh": "2026年12月4日",
		"ar": "4 ديسمبر 2026",
	}
	for lang, w := range want {
		if got := LongDate(lang, d); got != w {
			t.Errorf("LongDate(%s) = %q, want %q", lang, got, w)
		}
	}
	if got := LongDate("fr", "2026-12-04"); got != "4 décembre 2026" {
		t.Errorf("an ISO date string: %q", got)
	}
	if got := LongDate("fr", "2026-12"); got != "2026-12" {
		t.Errorf("a partial date stays as it is: %q", got)
	}
	if LongDate("fr", time.Time{}) != "" {
		t.Error("a zero date must be empty")
	}
}

func ptr(f float64) *float64 { return &f }
