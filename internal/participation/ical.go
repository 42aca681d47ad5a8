package participation

import (
	"strings"
	"time"
	"unicode/utf8"
)

// CalendarEvent is one VEVENT of the iCalendar feed.
type CalendarEvent struct {
	UID         string
	Start, End  time.Time
	AllDay      bool
	Summary     string
	Description string
	Location    string
	URL         string
}

// EscapeText escapes an iCalendar TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon and comma are escaped, line breaks become \n, and other control
// characters, which TEXT may not hold, are dropped.
func EscapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || r == utf8.RuneError:
			// not allowed in TEXT
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldLine writes a content line folded at 75 octets (RFC 5545 §3.1), never
// splitting a UTF-8 character, each physical line ended with CRLF.
func foldLine(b *strings.Builder, line string) {
	const limit = 75
	width := 0
	for _, r := range line {
		n := utf8.RuneLen(r)
		if width+n > limit {
			b.WriteString("\r\n ")
			width = 1
		}
		b.WriteRune(r)
		width += n
	}
	b.WriteString("\r\n")
}

// Calendar renders a VCALENDAR with the events. stamp is the DTSTAMP of
// every event (the time the feed was produced).
func Calendar(name string, events []CalendarEvent, stamp time.Time) string {
	var b strings.Builder
	line := func(s string) { foldLine(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//cybernorms//participation//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + EscapeText(name))
	ts := stamp.UTC().Format("20060102T150405Z")
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + EscapeText(e.UID))
		line("DTSTAMP:" + ts)
		if e.AllDay {
			line("DTSTART;VALUE=DATE:" + e.Start.UTC().Format("20060102"))
			end := e.End
			if !end.After(e.Start) {
				end = e.Start
			}
			// DTEND of an all-day event is exclusive: the day after the last.
			line("DTEND;VALUE=DATE:" + end.UTC().AddDate(0, 0, 1).Format("20060102"))
		} else {
			line("DTSTART:" + e.Start.UTC().Format("20060102T150405Z"))
			end := e.End
			if !end.After(e.Start) {
				end = e.Start
			}
			line("DTEND:" + end.UTC().Format("20060102T150405Z"))
		}
		line("SUMMARY:" + EscapeText(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + EscapeText(e.Description))
		}
		if e.Location != "" {
			line("LOCATION:" + EscapeText(e.Location))
		}
		if e.URL != "" {
			line("URL:" + e.URL)
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}
