package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// numberPrinters format numbers by the CLDR conventions of each language
// (golang.org/x/text/message): "25,588" in English, "25 588" in French and
// Russian, "25.588" in Spanish. Arabic is written with Western digits
// (ar-u-nu-latn), as the UN's Arabic pages are: the choice is made here,
// once, for every page.
var numberPrinters = func() map[string]*message.Printer {
	m := map[string]*message.Printer{}
	for _, l := range Languages {
		tag := language.MustParse(l.Code)
		if l.Code == "ar" {
			tag = language.MustParse("ar-u-nu-latn")
		}
		m[l.Code] = message.NewPrinter(tag)
	}
	return m
}()

// FormatNumber writes a number (any integer or float type) in lang: with the
// language's thousands separator and decimal sign, a whole float without
// decimals ("171", never "171.0") and other floats with at most one.
// Spanish does not group four-digit numbers (CLDR's minimum grouping
// digits, which golang.org/x/text does not apply). A pointer to a float64
// or int is written as its value, and a nil one as nothing.
func FormatNumber(lang string, v any) string {
	p := numberPrinters[lang]
	if p == nil {
		p = numberPrinters["en"]
	}
	var f float64
	switch n := v.(type) {
	case *float64: // an optional figure (a median of nothing is nil)
		if n == nil {
			return ""
		}
		f = *n
	case *int:
		if n == nil {
			return ""
		}
		f = float64(*n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case int32:
		f = float64(n)
	case uint:
		f = float64(n)
	case uint64:
		f = float64(n)
	case uint32:
		f = float64(n)
	case float64:
		f = n
	case float32:
		f = float64(n)
	default:
		return p.Sprint(v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	if lang == "es" && math.Abs(f) < 10000 {
		s := strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
		return strings.Replace(s, ".", ",", 1)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return p.Sprint(number.Decimal(int64(f)))
	}
	return p.Sprint(number.Decimal(f, number.MaxFractionDigits(1)))
}

// cldrDate is a language's Gregorian month names and long date pattern
// (dates_cldr.go, generated from CLDR by scripts/cldrdates).
type cldrDate struct {
	Long   string
	Months [12]string
}

// LongDate writes a date for running text in lang, by CLDR's long date
// pattern: "December 4, 2026", "4 décembre 2026", "4 de diciembre de
// 2026", "4 декабря 2026 г.", "2026年12月4日", "4 ديسمبر 2026". Tables and
// data keep ISO dates (the date template function).
// It takes a time.Time or a "YYYY-MM-DD" string; any other value (a
// partial date, "2024-03") is written as it is.
func LongDate(lang string, v any) string {
	var t time.Time
	switch d := v.(type) {
	case time.Time:
		t = d
	case *time.Time:
		if d == nil {
			return ""
		}
		t = *d
	case string:
		p, err := time.Parse("2006-01-02", d)
		if err != nil {
			return d
		}
		t = p
	default:
		return fmt.Sprint(v)
	}
	if t.IsZero() {
		return ""
	}
	d, ok := cldrDates[lang]
	if !ok {
		d = cldrDates["en"]
	}
	t = t.UTC()
	var b strings.Builder
	pat := d.Long
	for i := 0; i < len(pat); {
		c := pat[i]
		if c == '\'' {
			j := strings.IndexByte(pat[i+1:], '\'')
			if j < 0 {
				b.WriteString(pat[i+1:])
				break
			}
			b.WriteString(pat[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if c != 'd' && c != 'M' && c != 'y' {
			b.WriteByte(c)
			i++
			continue
		}
		n := 1
		for i+n < len(pat) && pat[i+n] == c {
			n++
		}
		i += n
		switch {
		case c == 'd' && n == 1:
			b.WriteString(strconv.Itoa(t.Day()))
		case c == 'd':
			b.WriteString(t.Format("02"))
		case c == 'M' && n >= 3:
			b.WriteString(d.Months[t.Month()-1])
		case c == 'M' && n == 2:
			b.WriteString(t.Format("01"))
		case c == 'M':
			b.WriteString(strconv.Itoa(int(t.Month())))
		case c == 'y':
			b.WriteString(strconv.Itoa(t.Year()))
		}
	}
	return b.String()
}

// Num writes a number in the page's language (FormatNumber).
func (p Page) Num(v any) string { return FormatNumber(p.Lang, v) }

// LongDate writes a date for running text in the page's language (LongDate).
func (p Page) LongDate(v any) string { return LongDate(p.Lang, v) }
