package participation

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecide(t *testing.T) {
	cases := []struct {
		name     string
		modality Modality
		majority Majority
		rec      Record
		want     Outcome
	}{
		{"open registration accredits everyone", ModalityOpen, MajoritySimple, Record{Objections: 5}, OutcomeAccredited},
		{"ecosoc accredits an organisation in consultative status", ModalityECOSOC, MajoritySimple, Record{ECOSOC: true, Objections: 3}, OutcomeAccredited},
		{"ecosoc refuses an organisation without status", ModalityECOSOC, MajoritySimple, Record{}, OutcomeRefused},
		{"veto accredits when nobody objects", ModalityVeto, MajoritySimple, Record{}, OutcomeAccredited},
		{"veto refuses on a single objection", ModalityVeto, MajoritySimple, Record{Objections: 1}, OutcomeRefused},
		{"veto ignores a vote that passed", ModalityVeto, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 100}}, OutcomeRefused},
		{"decision accredits when nobody objects", ModalityDecision, MajoritySimple, Record{}, OutcomeAccredited},
		{"decision with an objection and no vote would go to a vote", ModalityDecision, MajoritySimple, Record{Objections: 1}, OutcomeToVote},
		{"decision accredits when yes outnumber no", ModalityDecision, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 60, No: 40, Abstain: 90}}, OutcomeAccredited},
		{"decision refuses when no outnumber yes", ModalityDecision, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 40, No: 60}}, OutcomeRefused},
		{"decision refuses on a tie", ModalityDecision, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 50, No: 50}}, OutcomeRefused},
		{"decision refuses when only abstentions were cast", ModalityDecision, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Abstain: 20}}, OutcomeRefused},
		{"abstentions do not count against a simple majority", ModalityDecision, MajoritySimple, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 2, No: 1, Abstain: 150}}, OutcomeAccredited},
		{"two thirds is met at exactly two thirds", ModalityDecision, MajorityTwoThirds, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 20, No: 10}}, OutcomeAccredited},
		{"two thirds is not met just below", ModalityDecision, MajorityTwoThirds, Record{Objections: 1, Voted: true, Tally: Tally{Yes: 19, No: 10}}, OutcomeRefused},
		{"an unknown modality refuses", Modality("lottery"), MajoritySimple, Record{}, OutcomeRefused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason := Decide(c.modality, c.majority, c.rec)
			if got != c.want {
				t.Errorf("Decide = %s (%s), want %s", got, reason, c.want)
			}
			if reason == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestCompare(t *testing.T) {
	recs := []Record{
		{},              // nobody objected
		{ECOSOC: true},  // in status, nobody objected
		{Objections: 1}, // objected, no vote held (veto body)
		{Objections: 2, Voted: true, Tally: Tally{Yes: 90, No: 20}},
		{Objections: 1, Voted: true, Tally: Tally{Yes: 10, No: 20}},
		{ECOSOC: true, Objections: 1}, // in status but objected
	}
	got := Compare(MajoritySimple, recs)
	want := map[Modality]Comparison{
		ModalityECOSOC:   {Modality: ModalityECOSOC, Accredited: 2, Refused: 4},
		ModalityVeto:     {Modality: ModalityVeto, Accredited: 2, Refused: 4},
		ModalityDecision: {Modality: ModalityDecision, Accredited: 3, Refused: 1, ToVote: 2},
		ModalityOpen:     {Modality: ModalityOpen, Accredited: 6},
	}
	if len(got) != len(Modalities) {
		t.Fatalf("got %d rows, want one per modality", len(got))
	}
	for i, c := range got {
		if c.Modality != Modalities[i] {
			t.Errorf("row %d is %s, want %s", i, c.Modality, Modalities[i])
		}
		if c != want[c.Modality] {
			t.Errorf("%s: got %+v, want %+v", c.Modality, c, want[c.Modality])
		}
		if c.Accredited+c.Refused+c.ToVote != len(recs) {
			t.Errorf("%s: outcomes do not add up to the %d records", c.Modality, len(recs))
		}
	}
	t.Run("no records yield zero rows of counts", func(t *testing.T) {
		for _, c := range Compare(MajoritySimple, nil) {
			if c.Accredited+c.Refused+c.ToVote != 0 {
				t.Errorf("%+v", c)
			}
		}
	})
}

func TestStreak(t *testing.T) {
	cases := []struct {
		name             string
		objected         []bool
		current, longest int
	}{
		{"no history has no streak", nil, 0, 0},
		{"seven objections in a row", []bool{true, true, true, true, true, true, true}, 7, 7},
		{"a clean session ends the current streak", []bool{true, true, true, false}, 0, 3},
		{"the current streak restarts after a clean session", []bool{true, true, true, false, true, true}, 2, 3},
		{"never objected", []bool{false, false}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cur, long := Streak(c.objected)
			if cur != c.current || long != c.longest {
				t.Errorf("Streak = %d, %d; want %d, %d", cur, long, c.current, c.longest)
			}
		})
	}
}

func TestAddWorkingDays(t *testing.T) {
	mon := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"ten working days from a Monday end on the Monday two weeks later", mon, 10, mon.AddDate(0, 0, 14)},
		{"one working day from a Friday is the Monday", mon.AddDate(0, 0, 4), 1, mon.AddDate(0, 0, 7)},
		{"one working day from a Saturday is the Monday", mon.AddDate(0, 0, 5), 1, mon.AddDate(0, 0, 7)},
		{"zero days is the same moment", mon, 0, mon},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AddWorkingDays(c.from, c.n); !got.Equal(c.want) {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

// parseICS unfolds and splits a calendar back into content lines, checking
// CRLF endings and the 75-octet limit on the way.
func parseICS(t testing.TB, s string) []string {
	t.Helper()
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("calendar does not end with CRLF")
	}
	var lines []string
	for _, phys := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if strings.ContainsAny(phys, "\r\n") {
			t.Fatalf("bare CR or LF in %q", phys)
		}
		if len(phys) > 75 {
			t.Fatalf("line of %d octets: %q", len(phys), phys)
		}
		if !utf8.ValidString(phys) {
			t.Fatalf("folding split a UTF-8 character: %q", phys)
		}
		if strings.HasPrefix(phys, " ") {
			if len(lines) == 0 {
				t.Fatal("continuation before any line")
			}
			lines[len(lines)-1] += phys[1:]
			continue
		}
		lines = append(lines, phys)
	}
	return lines
}

// unescape reverses EscapeText.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' || s[i] == 'N' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestCalendarParsesBack(t *testing.T) {
	start := time.Date(2025, 7, 7, 0, 0, 0, 0, time.UTC)
	summary := "OEWG: tenth substantive session; \"final\", with a very long title that must be folded — over 75 octets, déjà vu 日本語"
	ics := Calendar("test", []CalendarEvent{
		{UID: "a@x", Start: start, End: start.AddDate(0, 0, 4), AllDay: true, Summary: summary, Description: "line one\nline two\\", Location: "New York, NY"},
		{UID: "b@x", Start: start.Add(-time.Hour), Summary: "Deadline"},
	}, time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
	lines := parseICS(t, ics)
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("not a VCALENDAR: %q … %q", lines[0], lines[len(lines)-1])
	}
	props := map[string][]string{}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("line without a colon: %q", l)
		}
		props[name] = append(props[name], value)
	}
	for _, want := range []string{"VERSION", "PRODID", "UID", "DTSTAMP", "SUMMARY"} {
		if len(props[want]) == 0 {
			t.Errorf("no %s", want)
		}
	}
	if n := len(props["BEGIN"]); n != 3 {
		t.Errorf("%d BEGIN lines, want 3", n)
	}
	if got := unescape(props["SUMMARY"][0]); got != summary {
		t.Errorf("summary round trip: %q", got)
	}
	if got := unescape(props["DESCRIPTION"][0]); got != "line one\nline two\\" {
		t.Errorf("description round trip: %q", got)
	}
	if props["DTSTAMP"][0] != "20250101T120000Z" {
		t.Errorf("DTSTAMP %q", props["DTSTAMP"][0])
	}
	if props["DTEND;VALUE=DATE"][0] != "20250712" {
		t.Errorf("all-day DTEND must be the day after the last day, got %q", props["DTEND;VALUE=DATE"][0])
	}
	if props["LOCATION"][0] != `New York\, NY` {
		t.Errorf("LOCATION %q", props["LOCATION"][0])
	}
}

func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"", "a,b;c\\d\ne", "\r\n\t\x00\x7f", "日本語,;", strings.Repeat("é", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := EscapeText(s)
		if strings.ContainsAny(e, "\r\n") {
			t.Fatalf("escaped text holds a line break: %q", e)
		}
		// Unescaping gives the input minus dropped controls, with CRLF and CR as LF.
		want := strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\r\n", "\n")
		want = strings.Map(func(r rune) rune {
			switch {
			case r == '\r':
				return '\n'
			case r == '\t':
				return ' '
			case r == '\n':
				return r
			case r < 0x20 || r == 0x7f || r == utf8.RuneError:
				return -1
			}
			return r
		}, want)
		if got := unescape(e); got != want {
			t.Fatalf("round trip of %q: got %q, want %q", s, got, want)
		}
		ics := Calendar("fuzz", []CalendarEvent{{UID: "u", Start: time.Unix(0, 0), Summary: s}}, time.Unix(0, 0))
		parseICS(t, ics)
	})
}

func TestCheckPDF(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"a PDF is accepted", []byte("%PDF-1.7\n..."), true},
		{"an HTML page renamed .pdf is refused", []byte("<html><script>alert(1)</script>"), false},
		{"an empty file is refused", nil, false},
		{"a PDF over the limit is refused", append([]byte("%PDF-1.4"), make([]byte, 100)...), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckPDF(c.data, 64); (err == nil) != c.ok {
				t.Errorf("CheckPDF = %v", err)
			}
		})
	}
}
