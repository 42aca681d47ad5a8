package mail

import (
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// renderTime is a fixed Date for rendering tests.
var renderTime = time.Date(2025, 3, 4, 5, 6, 7, 8, time.UTC)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Message)
		want   error
	}{
		{"a complete message is valid", func(*Message) {}, nil},
		{"a message without HTML is valid", func(m *Message) { m.HTML = "" }, nil},
		{"a display name with accents is valid", func(m *Message) { m.From = "Zoë Müller <zoe@cybernorms.example>" }, nil},
		{"a CR in the subject is header injection", func(m *Message) { m.Subject = "Hi\rBcc: x@example.org" }, ErrHeaderInjection},
		{"an LF in the subject is header injection", func(m *Message) { m.Subject = "Hi\nBcc: x@example.org" }, ErrHeaderInjection},
		{"a CRLF in From is header injection", func(m *Message) { m.From = "a@example.org\r\nBcc: x@example.org" }, ErrHeaderInjection},
		{"an LF in To is header injection", func(m *Message) { m.To = "a@example.org\nCc: x@example.org" }, ErrHeaderInjection},
		{"a CR in Reply-To is header injection", func(m *Message) { m.ReplyTo = "a@example.org\r" }, ErrHeaderInjection},
		{"a CRLF in an extra header value is header injection", func(m *Message) { m.Headers["List-Id"] = "x\r\nBcc: y" }, ErrHeaderInjection},
		{"a CRLF in an extra header name is header injection", func(m *Message) { m.Headers["X-A\r\nBcc"] = "y" }, ErrHeaderInjection},
		{"an LF in the Message-ID is header injection", func(m *Message) { m.MessageID = "<a@b>\nBcc: y" }, ErrHeaderInjection},
		{"a missing From is invalid", func(m *Message) { m.From = "" }, ErrInvalidMessage},
		{"a missing To is invalid", func(m *Message) { m.To = "" }, ErrInvalidMessage},
		{"an address without a domain is invalid", func(m *Message) { m.To = "delegate" }, ErrInvalidMessage},
		{"two recipients are invalid", func(m *Message) { m.To = "a@example.org, b@example.org" }, ErrInvalidMessage},
		{"a bad Reply-To is invalid", func(m *Message) { m.ReplyTo = "nobody" }, ErrInvalidMessage},
		{"a long subject is refused", func(m *Message) { m.Subject = strings.Repeat("é", MaxSubjectLength+1) }, ErrSubjectTooLong},
		{"a subject of the longest length is valid", func(m *Message) { m.Subject = strings.Repeat("é", MaxSubjectLength) }, nil},
		{"a tab in the subject is valid", func(m *Message) { m.Subject = "a\tb" }, nil},
		{"another control character in the subject is invalid", func(m *Message) { m.Subject = "a\x00b" }, ErrInvalidMessage},
		{"invalid UTF-8 in the body is invalid", func(m *Message) { m.Text = "caf\xe9" }, ErrInvalidMessage},
		{"an empty text body is invalid", func(m *Message) { m.Text = "" }, ErrInvalidMessage},
		{"an extra header named like a reserved one is invalid", func(m *Message) { m.Headers["bcc"] = "x@example.org" }, ErrInvalidMessage},
		{"an extra header name with a colon is invalid", func(m *Message) { m.Headers["X-A:"] = "x" }, ErrInvalidMessage},
		{"an extra header name with a space is invalid", func(m *Message) { m.Headers["X A"] = "x" }, ErrInvalidMessage},
		{"an overlong extra header is invalid", func(m *Message) { m.Headers["X-Long"] = strings.Repeat("x", 1000) }, ErrInvalidMessage},
		{"a Message-ID without brackets is invalid", func(m *Message) { m.MessageID = "a@b" }, ErrInvalidMessage},
		{"a Message-ID without a domain is invalid", func(m *Message) { m.MessageID = "<abc>" }, ErrInvalidMessage},
		{"a Message-ID from NewMessageID is valid", func(m *Message) { m.MessageID = NewMessageID("cybernorms.example") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(1)
			m.From = "secretariat@cybernorms.example"
			tt.modify(&m)
			err := m.Validate()
			if !errIs(err, tt.want) {
				t.Errorf("Validate() = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !errors.Is(err, ErrInvalidMessage) {
				t.Errorf("Validate() = %v, which does not wrap ErrInvalidMessage", err)
			}
		})
	}
}

func TestRenderWritesTheHeadersAndParts(t *testing.T) {
	tests := []struct {
		name    string
		modify  func(*Message)
		want    []string
		notWant []string
	}{
		{
			name:   "an ASCII message keeps its headers readable",
			modify: func(*Message) {},
			want: []string{
				"Date: Tue, 04 Mar 2025 05:06:07 +0000\r\n",
				"From: <secretariat@cybernorms.example>\r\n",
				"To: <delegate1@foreign-ministry.example>\r\n",
				"Message-ID: <n1@cybernorms.example>\r\n",
				"MIME-Version: 1.0\r\n",
				"List-Unsubscribe: <https://cybernorms.example/unsubscribe/1>\r\n",
				"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
				"Content-Type: multipart/alternative;\r\n boundary=\"" + boundaryFor("<n1@cybernorms.example>") + "\"\r\n",
				"Content-Type: text/plain; charset=utf-8\r\n",
				"Content-Type: text/html; charset=utf-8\r\n",
				"Content-Transfer-Encoding: quoted-printable\r\n",
				"<p>The working group meets on <b>Monday</b>.</p>",
			},
		},
		{
			name:    "a message without HTML is a single text part",
			modify:  func(m *Message) { m.HTML = "" },
			want:    []string{"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe working group"},
			notWant: []string{"multipart", "text/html"},
		},
		{
			name:   "a non-ASCII subject becomes Q encoded words",
			modify: func(m *Message) { m.Subject = "Réunion du groupe" },
			want:   []string{"Subject: =?utf-8?q?R=C3=A9union_du_groupe?=\r\n"},
		},
		{
			name:   "a non-ASCII display name becomes an encoded word",
			modify: func(m *Message) { m.From = "Zoë Müller <zoe@cybernorms.example>" },
			want:   []string{"From: =?utf-8?q?Zo=C3=AB_M=C3=BCller?= <zoe@cybernorms.example>\r\n"},
		},
		{
			name:   "an ASCII display name is quoted",
			modify: func(m *Message) { m.ReplyTo = "Secretariat <questions@cybernorms.example>" },
			want:   []string{"Reply-To: \"Secretariat\" <questions@cybernorms.example>\r\n"},
		},
		{
			name:   "an ASCII subject that looks like an encoded word is encoded",
			modify: func(m *Message) { m.Subject = "=?utf-8?q?forged?=" },
			want:   []string{"Subject: =?utf-8?q?=3D=3Futf-8=3Fq=3Fforged=3F=3D?=\r\n"},
		},
		{
			name:   "a non-ASCII body is quoted-printable",
			modify: func(m *Message) { m.Text = "Délégation\nfin " },
			want:   []string{"D=C3=A9l=C3=A9gation\r\nfin=20"},
		},
		{
			name:   "bare LF and CR in a body become CRLF",
			modify: func(m *Message) { m.Text = "a\nb\rc\r\nd" },
			want:   []string{"\r\n\r\na\r\nb\r\nc\r\nd\r\n\r\n--"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(1)
			m.From = "secretariat@cybernorms.example"
			m.MessageID = "<n1@cybernorms.example>"
			tt.modify(&m)
			raw, err := Render(m, renderTime)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !bytes.Contains(raw, []byte(w)) {
					t.Errorf("rendered message lacks %q:\n%s", w, raw)
				}
			}
			for _, w := range tt.notWant {
				if bytes.Contains(raw, []byte(w)) {
					t.Errorf("rendered message contains %q:\n%s", w, raw)
				}
			}
			checkWellFormed(t, raw)
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	m := testMessage(1)
	m.From = "secretariat@cybernorms.example"
	first, err := Render(m, renderTime)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Render(m, renderTime)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Errorf("two renderings differ:\n%s\n---\n%s", first, again)
	}
	later, err := Render(m, renderTime.Add(time.Nanosecond))
	if err != nil {
		t.Fatal(err)
	}
	if id := headerOf(t, first, "Message-ID"); id == headerOf(t, later, "Message-ID") {
		t.Errorf("the same message rendered at two times got one Message-ID %s", id)
	}
	other := m
	other.To = "someone-else@foreign-ministry.example"
	otherRaw, err := Render(other, renderTime)
	if err != nil {
		t.Fatal(err)
	}
	if id := headerOf(t, first, "Message-ID"); id == headerOf(t, otherRaw, "Message-ID") {
		t.Errorf("two recipients got one Message-ID %s", id)
	}
	if !strings.HasSuffix(headerOf(t, first, "Message-ID"), "@cybernorms.example>") {
		t.Errorf("derived Message-ID %s is not in the sender's domain", headerOf(t, first, "Message-ID"))
	}
}

func TestRenderRoundTripsThroughTheParser(t *testing.T) {
	m := Message{
		From:    "Zoë Müller <zoe@cybernorms.example>",
		To:      "\"Délégation, Mission permanente\" <mission@foreign-ministry.example>",
		ReplyTo: "questions@cybernorms.example",
		Subject: strings.Repeat("Rapport national sur les normes — ", 5) + "2025",
		Text:    "Cher collègue,\n\n" + strings.Repeat("Une ligne assez longue pour être coupée en quoted-printable. ", 4) + "\n.\nFrom the secretariat\n",
		HTML:    "<p lang=\"fr\">Cher collègue, <a href=\"https://cybernorms.example/r?a=1&b=2\">rapport</a></p>\n",
		Headers: map[string]string{"List-Id": "Bulletin <bulletin.cybernorms.example>", "X-Note": "Délégation"},
	}
	raw, err := Render(m, renderTime)
	if err != nil {
		t.Fatal(err)
	}
	checkWellFormed(t, raw)
	p, err := parseMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ field, got, want string }{
		{"Subject", p.Subject, m.Subject},
		{"From", p.From, "Zoë Müller <zoe@cybernorms.example>"},
		{"To", p.To, "Délégation, Mission permanente <mission@foreign-ministry.example>"},
		{"Reply-To", p.ReplyTo, "questions@cybernorms.example"},
		{"Text", p.Text, m.Text},
		{"HTML", p.HTML, m.HTML},
		{"Message-ID", p.MessageID, headerOf(t, raw, "Message-ID")},
		{"X-Note", decodeHeader(p.Header.Get("X-Note")), "Délégation"},
		{"List-Id", p.Header.Get("List-Id"), m.Headers["List-Id"]},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if !p.Date.Equal(renderTime.Truncate(time.Second)) {
		t.Errorf("Date = %v, want %v", p.Date, renderTime)
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Zoë", "a@b.example", "Réunion — 2025", "Texte\r\nligne", "<p>x</p>", "List-Id", "<l.example>")
	f.Add("", "d@e.f", "=?utf-8?q?x?=", ".\n..\r.", "", "X-A", "=?x")
	f.Add("\"q\\\"x\", (y)", "<d@e.f>", strings.Repeat("ü ", 130), strings.Repeat("=", 200), "\x00", "X", "\t")
	f.Fuzz(func(t *testing.T, fromName, to, subject, text, html, headerName, headerValue string) {
		// The sender's display name goes through net/mail's own formatting,
		// so that most inputs reach the renderer; the recipient is raw.
		from := (&mail.Address{Name: fromName, Address: "secretariat@cybernorms.example"}).String()
		m := Message{From: from, To: to, Subject: subject, Text: text, HTML: html,
			Headers: map[string]string{headerName: headerValue}}
		raw, err := Render(m, renderTime)
		if err != nil {
			if !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("Render refused a message with %v, which is not ErrInvalidMessage", err)
			}
			return
		}
		checkWellFormed(t, raw)
		p, err := parseMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("rendered message does not parse: %v\n%s", err, raw)
		}
		if p.Text != normalizeBody(text) {
			t.Errorf("text body %q, want %q", p.Text, normalizeBody(text))
		}
		if html != "" && p.HTML != normalizeBody(html) {
			t.Errorf("HTML body %q, want %q", p.HTML, normalizeBody(html))
		}
		if utf8.ValidString(fromName) {
			addr, err := mail.ParseAddress(p.Header.Get("From"))
			if err != nil {
				t.Fatalf("From header %q does not parse: %v", p.Header.Get("From"), err)
			}
			if strings.Join(strings.Fields(addr.Name), " ") != strings.Join(strings.Fields(fromName), " ") {
				t.Errorf("From name %q, want %q", addr.Name, fromName)
			}
		}
		// Unfolding may merge runs of white space; the words must survive.
		if got, want := strings.Fields(p.Subject), strings.Fields(subject); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("subject %q, want %q", p.Subject, subject)
		}
	})
}

// checkWellFormed checks the line discipline of a rendered message: CRLF
// only, no line over 998 octets, and 7-bit content where the addresses are.
func checkWellFormed(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("message does not end with CRLF")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d octets long", i+1, len(line))
		}
	}
	header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(header, []byte("\r\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			t.Fatalf("header has a line of white space only:\n%s", header)
		}
	}
}

// headerOf returns one header of a rendered message.
func headerOf(t *testing.T, raw []byte, name string) string {
	t.Helper()
	p, err := parseMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return p.Header.Get(name)
}
