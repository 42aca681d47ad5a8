package capacity

import (
	"strings"
	"time"
	"unicode/utf8"
)

// icalText escapes an iCalendar TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon and comma escaped, line breaks as \n, other controls dropped.
func icalText(s string) string {
	var b strings.Builder
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
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icalLine writes one content line folded at 75 octets (RFC 5545 §3.1),
// never inside a UTF-8 character, each physical line ended by CRLF.
func icalLine(b *strings.Builder, line string) {
	width := 0
	for _, r := range line {
		n := utf8.RuneLen(r)
		if width+n > 75 {
			b.WriteString("\r\n ")
			width = 1
		}
		b.WriteRune(r)
		width += n
	}
	b.WriteString("\r\n")
}

const icalUTC = "20060102T150405Z"

// ICalendar renders events as an RFC 5545 VCALENDAR. Times are in UTC (the
// "Z" form, which needs no VTIMEZONE); each event names its own time zone
// in its description, and a cancelled event is STATUS:CANCELLED so that
// calendars that imported it remove it. The description is written in
// lang, t being the catalog in that language (the reader's: the page's
// the link came from carries ?lang=), State organisers named in it.
func ICalendar(name string, events []Event, link func(string) string, stamp time.Time, lang string, t func(key string, args ...any) string) string {
	var b strings.Builder
	line := func(s string) { icalLine(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//cybernorms//capacity building//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icalText(name))
	for _, e := range events {
		localEvent(&e, lang, t)
		line("BEGIN:VEVENT")
		line("UID:" + e.ID + "@capacity.cybernorms")
		line("DTSTAMP:" + stamp.UTC().Format(icalUTC))
		line("DTSTART:" + e.StartsAt.UTC().Format(icalUTC))
		line("DTEND:" + e.EndsAt.UTC().Format(icalUTC))
		line("LAST-MODIFIED:" + e.UpdatedAt.UTC().Format(icalUTC))
		line("SUMMARY:" + icalText(e.Title))
		desc := t("capacity.ics.organised", t("capacity.ekind."+e.Kind), e.Organiser) + "\n" + t("capacity.ics.local_time", e.Local(e.StartsAt), e.TZ)
		if e.OnlineURL != "" {
			desc += "\n" + t("capacity.ics.online", e.OnlineURL)
		}
		if e.Agenda != "" {
			desc += "\n\n" + e.Agenda
		}
		line("DESCRIPTION:" + icalText(desc))
		loc := e.Place
		if loc == "" {
			loc = e.OnlineURL
		}
		if loc != "" {
			line("LOCATION:" + icalText(loc))
		}
		line("ORGANIZER;CN=" + icalParam(e.Organiser) + ":" + link("/capacity/events?organiser="+e.OrganiserKey))
		line("URL:" + link("/capacity/events/"+e.ID))
		for _, d := range e.Documents {
			line("ATTACH;FMTTYPE=application/pdf:" + link(d.URL))
		}
		if e.Status == "cancelled" {
			line("STATUS:CANCELLED")
		} else {
			line("STATUS:CONFIRMED")
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.String()
}

// icalParam quotes a parameter value (RFC 5545 §3.2: no DQUOTE inside, no
// controls).
func icalParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return `"` + s + `"`
}
