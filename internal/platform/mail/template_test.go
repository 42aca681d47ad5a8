package mail

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"html"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

const testPlaceholder = "https://unsubscribe.invalid/X"

// templateMessage has the placeholder at the start, in the middle of long
// lines, twice in a row and at the end of each body.
func templateMessage() Message {
	long := strings.Repeat("Analysis of the threat, with = signs and trailing spaces.  ", 6)
	return Message{
		From:    "Bulletin <bulletin@cybernorms.example>",
		Subject: "Bulletin 2026 Q4 — menaces",
		Text:    testPlaceholder + " first\n" + long + testPlaceholder + long + "\r\nLeave: " + testPlaceholder + testPlaceholder + "\nÉté " + testPlaceholder,
		HTML:    `<p><a href="` + testPlaceholder + `">x</a></p>` + "\n<p>" + long + `<a href="` + testPlaceholder + `">unsubscribe</a> ` + long + "</p>" + testPlaceholder,
		Headers: map[string]string{"List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "List-Id": "bulletin <bulletin.cybernorms.example>"},
	}
}

func TestTemplateCopiesDecodeAsRenderedMessages(t *testing.T) {
	m := templateMessage()
	tmpl, err := NewTemplate(m, testPlaceholder)
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range []string{
		"https://cybernorms.example/bulletin/unsubscribe?s=01ABC&t=x_y-z",
		" spaces around ",
		"",
		"https://cybernorms.example/" + strings.Repeat("long-path=", 30) + "?é=ü",
	} {
		rc := TemplateRecipient{To: "Délégué <delegate@foreign-ministry.example>", MessageID: "<issue.sub@cybernorms.example>",
			Headers: map[string]string{"List-Unsubscribe": "<" + value + ">"}, Value: value}
		got, err := tmpl.Render(rc, renderTime)
		if err != nil {
			t.Fatalf("value %q: %v", value, err)
		}
		if got.From != "bulletin@cybernorms.example" || got.To != "delegate@foreign-ministry.example" {
			t.Errorf("envelope %q → %q", got.From, got.To)
		}
		for i, line := range strings.Split(string(got.Data), "\r\n") {
			if len(line) > 78 && !strings.HasPrefix(line, "List-Unsubscribe:") {
				t.Errorf("value %q: line %d is %d long: %q", value, i, len(line), line)
			}
		}
		want := m
		want.To, want.MessageID = rc.To, rc.MessageID
		want.Headers = map[string]string{"List-Unsubscribe": rc.Headers["List-Unsubscribe"]}
		for k, v := range m.Headers {
			want.Headers[k] = v
		}
		want.Text = strings.ReplaceAll(m.Text, testPlaceholder, value)
		want.HTML = strings.ReplaceAll(m.HTML, testPlaceholder, html.EscapeString(value))
		wantRaw, err := Render(want, renderTime)
		if err != nil {
			t.Fatal(err)
		}
		a, err := parseMessage(bytes.NewReader(got.Data))
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseMessage(bytes.NewReader(wantRaw))
		if err != nil {
			t.Fatal(err)
		}
		if a.Text != b.Text || a.HTML != b.HTML {
			t.Errorf("value %q: bodies differ:\ntemplate %q\nrender   %q\ntemplate %q\nrender   %q", value, a.Text, b.Text, a.HTML, b.HTML)
		}
		if a.From != b.From || a.To != b.To || a.Subject != b.Subject || a.MessageID != b.MessageID || !a.Date.Equal(b.Date) {
			t.Errorf("value %q: header fields differ: %+v / %+v", value, a, b)
		}
		for _, name := range []string{"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Mime-Version"} {
			if a.Header.Get(name) != b.Header.Get(name) {
				t.Errorf("%s: %q, want %q", name, a.Header.Get(name), b.Header.Get(name))
			}
		}
	}
}

func TestAppendRenderReusesABufferForTheSameBytes(t *testing.T) {
	tmpl, err := NewTemplate(templateMessage(), testPlaceholder)
	if err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for _, value := range []string{"https://cybernorms.example/" + strings.Repeat("a-long-path/", 20), "short", ""} {
		rc := TemplateRecipient{To: "delegate@foreign-ministry.example", MessageID: "<issue.sub@cybernorms.example>", Value: value}
		want, err := tmpl.Render(rc, renderTime)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.AppendRender(buf[:0], rc, renderTime)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Data, want.Data) || got.From != want.From || got.To != want.To {
			t.Errorf("value %q: the copy written into the previous copy's buffer differs from Render's", value)
		}
		if buf != nil && &got.Data[0] != &buf[0] {
			t.Errorf("value %q: a buffer large enough was not reused", value)
		}
		buf = got.Data
	}
}

func TestTemplateOfATextOnlyMessage(t *testing.T) {
	m := templateMessage()
	m.HTML = ""
	tmpl, err := NewTemplate(m, testPlaceholder)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(TemplateRecipient{To: "a@example.org", Value: "https://x.example/u?a=b"}, renderTime)
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseMessage(bytes.NewReader(got.Data))
	if err != nil {
		t.Fatal(err)
	}
	if want := normalizeBody(strings.ReplaceAll(m.Text, testPlaceholder, "https://x.example/u?a=b")); p.Text != want || p.HTML != "" {
		t.Errorf("text %q, want %q", p.Text, want)
	}
	if !strings.HasPrefix(p.MessageID, "<") || !strings.HasSuffix(p.MessageID, "@cybernorms.example>") {
		t.Errorf("Message-ID %q", p.MessageID)
	}
}

func TestTemplateRefusesWhatRenderRefuses(t *testing.T) {
	if _, err := NewTemplate(templateMessage(), ""); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("empty placeholder: %v", err)
	}
	bad := templateMessage()
	bad.Subject = "a\r\nBcc: x@example.org"
	if _, err := NewTemplate(bad, testPlaceholder); !errors.Is(err, ErrHeaderInjection) {
		t.Errorf("subject with CRLF: %v", err)
	}
	tmpl, err := NewTemplate(templateMessage(), testPlaceholder)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rc   TemplateRecipient
		want error
	}{
		{"a line break in To is header injection", TemplateRecipient{To: "a@example.org\r\nBcc: b@example.org"}, ErrHeaderInjection},
		{"a line break in the value is header injection", TemplateRecipient{To: "a@example.org", Value: "x\nBcc: y"}, ErrHeaderInjection},
		{"a line break in a header is header injection", TemplateRecipient{To: "a@example.org", Headers: map[string]string{"List-Id": "a\r\nBcc: b"}}, ErrHeaderInjection},
		{"a reserved header is refused", TemplateRecipient{To: "a@example.org", Headers: map[string]string{"Subject": "x"}}, ErrInvalidMessage},
		{"an address without a domain is refused", TemplateRecipient{To: "delegate"}, ErrInvalidMessage},
		{"a malformed Message-ID is refused", TemplateRecipient{To: "a@example.org", MessageID: "nope"}, ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tmpl.Render(tt.rc, renderTime); !errors.Is(err, tt.want) {
				t.Errorf("Render = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSMTPPoolSendsTemplateCopies(t *testing.T) {
	for _, mode := range transactionModes {
		t.Run(mode.name, func(t *testing.T) {
			s, pool := modePool(t, mode, sinkOptions{}, 2)
			tmpl, err := NewTemplate(templateMessage(), testPlaceholder)
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range []string{"a@example.org", "b@example.org", "c@example.org"} {
				r, err := tmpl.Render(TemplateRecipient{To: to, Value: "https://x.example/u?s=" + to}, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				if err := pool.SendRendered(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			got := s.received()
			if len(got) != 3 {
				t.Fatalf("%d messages", len(got))
			}
			for _, r := range got {
				p, err := parseMessage(bytes.NewReader(r.Data))
				if err != nil {
					t.Fatal(err)
				}
				if r.From != "bulletin@cybernorms.example" || !strings.Contains(p.Text, "https://x.example/u?s="+r.To[0]) {
					t.Errorf("envelope %s → %v, text %q", r.From, r.To, p.Text)
				}
			}
			if err := pool.SendRendered(context.Background(), Rendered{From: "a@example.org", To: "b@example.org>\r\nRCPT TO:<c@example.org", Data: []byte("x")}); !errors.Is(err, ErrHeaderInjection) {
				t.Errorf("an envelope with a command in it: %v", err)
			}
		})
	}
}

// TestSMTPPoolPipelinesItsCommands talks to a hand-written server that
// offers PIPELINING and answers MAIL FROM only once RCPT TO and DATA have
// arrived too: the pool must send them together.
func TestSMTPPoolPipelinesItsCommands(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	served := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			served <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(conn)
		say := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
		line := func() string { s, _ := rd.ReadString('\n'); return strings.TrimRight(s, "\r\n") }
		say("220 test ESMTP")
		if l := line(); !strings.HasPrefix(l, "EHLO") {
			served <- errors.New("expected EHLO, got " + l)
			return
		}
		say("250-test\r\n250 PIPELINING")
		for n := range 2 {
			var cmds []string
			for len(cmds) == 0 || cmds[len(cmds)-1] != "DATA" {
				cmds = append(cmds, line())
				if rd.Buffered() == 0 && cmds[len(cmds)-1] != "DATA" {
					served <- errors.New("commands sent one at a time: " + strings.Join(cmds, " | "))
					return
				}
			}
			want := 3
			if n > 0 {
				want = 4 // RSET first on the reused session
			}
			if len(cmds) != want {
				served <- errors.New("unexpected group: " + strings.Join(cmds, " | "))
				return
			}
			for range cmds[:len(cmds)-1] {
				say("250 ok")
			}
			say("354 go on")
			for line() != "." {
			}
			say("250 queued")
		}
		served <- nil
		for {
			if l := line(); l == "" || l == "QUIT" {
				say("221 bye")
				return
			}
		}
	}()
	a := l.Addr().(*net.TCPAddr)
	pool, err := NewSMTPPool(SMTPConfig{Host: a.IP.String(), Port: a.Port, TLS: TLSNone, From: "a@cybernorms.example"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for n := range 2 {
		if err := pool.Send(context.Background(), testMessage(n)); err != nil {
			t.Fatalf("Send %d: %v", n, err)
		}
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

// OnCommit runs once per message, after the content and before the end of
// data: the server has nothing yet when it runs, and a refusal from it
// abandons the message without spoiling the pool.
func TestOnCommitIsThePointOfNoReturn(t *testing.T) {
	for _, mode := range transactionModes {
		t.Run(mode.name, func(t *testing.T) {
			s, pool := modePool(t, mode, sinkOptions{}, 1)
			m := testMessage(1)
			m.From = "bulletin@cybernorms.example"
			r, err := RenderMessage(m, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			r.OnCommit = func() error {
				calls++
				if n := s.messageCount(); n != 0 {
					t.Errorf("the server had %d messages before the end of data", n)
				}
				return errors.New("journal full")
			}
			if err := pool.SendRendered(context.Background(), r); err == nil || !strings.Contains(err.Error(), "journal full") {
				t.Fatalf("SendRendered = %v, want the commit hook's error", err)
			}
			if calls != 1 || s.messageCount() != 0 {
				t.Fatalf("%d calls, %d messages: an abandoned message reached the server", calls, s.messageCount())
			}
			r.OnCommit = func() error { calls++; return nil }
			if err := pool.SendRendered(context.Background(), r); err != nil {
				t.Fatalf("after an abandoned message: %v", err)
			}
			if calls != 2 || s.messageCount() != 1 {
				t.Fatalf("%d calls, %d messages, want 2 and 1", calls, s.messageCount())
			}
		})
	}
}

func TestOutboxOnCommitRunsBeforeTheFileAppears(t *testing.T) {
	dir := t.TempDir()
	o := Outbox{Dir: dir}
	m := testMessage(1)
	m.From = "bulletin@cybernorms.example"
	r, err := RenderMessage(m, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r.OnCommit = func() error { return errors.New("no") }
	if err := o.SendRendered(context.Background(), r); err == nil {
		t.Fatal("the hook's refusal was ignored")
	}
	if l, _ := List(dir, 0); len(l) != 0 {
		t.Fatalf("%d messages in the outbox after an abandoned write", len(l))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	ran := false
	r.OnCommit = func() error {
		l, _ := List(dir, 0)
		ran = len(l) == 0
		return nil
	}
	if err := o.SendRendered(context.Background(), r); err != nil || !ran {
		t.Fatalf("send %v, hook ran before the file: %v", err, ran)
	}
	if l, _ := List(dir, 0); len(l) != 1 {
		t.Fatalf("%d messages, want 1", len(l))
	}
}
