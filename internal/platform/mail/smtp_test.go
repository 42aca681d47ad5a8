package mail

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestSMTPPoolDeliversOverEveryTLSMode(t *testing.T) {
	tests := []struct {
		name string
		opts sinkOptions
	}{
		{"in clear text without authentication", sinkOptions{tls: TLSNone}},
		{"after STARTTLS with AUTH PLAIN", sinkOptions{tls: TLSStartTLS, username: "relay", password: "s3cret"}},
		{"over implicit TLS with AUTH PLAIN", sinkOptions{tls: TLSImplicit, username: "relay", password: "s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSink(t, tt.opts)
			pool, err := NewSMTPPool(s.config(), 2)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()

			m := testMessage(1)
			m.ReplyTo = "Zoë <questions@cybernorms.example>"
			if err := pool.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := s.received()
			if len(got) != 1 {
				t.Fatalf("received %d messages, want 1", len(got))
			}
			if got[0].From != "bulletin@cybernorms.example" {
				t.Errorf("envelope sender %q, want the configured From", got[0].From)
			}
			if len(got[0].To) != 1 || got[0].To[0] != "delegate1@foreign-ministry.example" {
				t.Errorf("envelope recipients %q", got[0].To)
			}
			p, err := parseMessage(bytes.NewReader(got[0].Data))
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != m.Subject || p.Text != m.Text+"\n" || p.HTML != m.HTML+"\n" {
				t.Errorf("received %+v, want the message sent", p)
			}
			if p.From != "Secretariat <bulletin@cybernorms.example>" {
				t.Errorf("From header %q, want the pool's default From", p.From)
			}
			if p.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Errorf("extra headers lost: %v", p.Header)
			}
		})
	}
}

func TestSMTPPoolRefusesWrongCredentials(t *testing.T) {
	s := startSink(t, sinkOptions{tls: TLSStartTLS, username: "relay", password: "s3cret"})
	cfg := s.config()
	cfg.Password = "wrong"
	pool, err := NewSMTPPool(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = pool.Send(context.Background(), testMessage(1))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageConnect {
		t.Fatalf("Send = %v, want a SendError at the connect stage", err)
	}
	if IsPermanent(err) {
		t.Error("an authentication failure was reported as a permanent refusal of the recipient")
	}
}

func TestSMTPPoolReusesAtMostSizeConnections(t *testing.T) {
	const messages, size, workers = 50, 4, 10
	s := startSink(t, sinkOptions{})
	pool, err := NewSMTPPool(s.config(), size)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	jobs := make(chan int)
	errs := make(chan error, messages)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := range jobs {
				errs <- pool.Send(context.Background(), testMessage(n))
			}
		})
	}
	for n := range messages {
		jobs <- n
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got := s.messageCount(); got != messages {
		t.Errorf("sink received %d messages, want %d", got, messages)
	}
	if got := s.sessionCount(); got > size {
		t.Errorf("%d SMTP sessions for %d messages, want at most %d", got, messages, size)
	}
	seen := map[string]bool{}
	for _, r := range s.received() {
		seen[r.To[0]] = true
	}
	if len(seen) != messages {
		t.Errorf("%d distinct recipients, want %d", len(seen), messages)
	}
}

func TestSMTPPoolClassifiesServerReplies(t *testing.T) {
	const rejected = "gone@foreign-ministry.example"
	reply := func(code int, enhanced smtp.EnhancedCode, msg string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
	}
	tests := []struct {
		name      string
		opts      sinkOptions
		from      string
		stage     Stage
		code      int
		enhanced  string
		permanent bool
	}{
		{
			name:  "a 550 to RCPT TO is a permanent refusal of the recipient",
			opts:  sinkOptions{rejectRcpt: map[string]*smtp.SMTPError{rejected: reply(550, smtp.EnhancedCode{5, 1, 1}, "No such user")}},
			stage: StageRcpt, code: 550, enhanced: "5.1.1", permanent: true,
		},
		{
			name:  "a 451 to RCPT TO is temporary",
			opts:  sinkOptions{rejectRcpt: map[string]*smtp.SMTPError{rejected: reply(451, smtp.EnhancedCode{4, 7, 1}, "Greylisted, try later")}},
			stage: StageRcpt, code: 451, enhanced: "4.7.1", permanent: false,
		},
		{
			name:  "a 554 after DATA is permanent",
			opts:  sinkOptions{rejectData: reply(554, smtp.EnhancedCode{5, 6, 0}, "Content refused")},
			stage: StageData, code: 554, enhanced: "5.6.0", permanent: true,
		},
		{
			name:  "a 452 after DATA is temporary",
			opts:  sinkOptions{rejectData: reply(452, smtp.EnhancedCode{4, 3, 1}, "Mailbox full for now")},
			stage: StageData, code: 452, enhanced: "4.3.1", permanent: false,
		},
		{
			name:  "a 550 to MAIL FROM concerns the sender, not the recipient",
			opts:  sinkOptions{rejectMail: map[string]*smtp.SMTPError{"bulletin@cybernorms.example": reply(550, smtp.EnhancedCode{5, 7, 1}, "Sender refused")}},
			stage: StageMail, code: 550, enhanced: "5.7.1", permanent: false,
		},
	}
	for _, mode := range transactionModes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				s, pool := modePool(t, mode, tt.opts, 1)
				// A first message makes the refused one go on a reused session.
				if tt.opts.rejectData == nil && tt.opts.rejectMail == nil {
					if err := pool.Send(context.Background(), testMessage(0)); err != nil {
						t.Fatal(err)
					}
				}
				m := testMessage(1)
				m.To = rejected
				err := pool.Send(context.Background(), m)
				var se *SendError
				if !errors.As(err, &se) {
					t.Fatalf("Send = %v, want a *SendError", err)
				}
				if se.Stage != tt.stage || se.Code != tt.code || se.EnhancedCode != tt.enhanced {
					t.Errorf("SendError at %q with %d %q, want %q with %d %q", se.Stage, se.Code, se.EnhancedCode, tt.stage, tt.code, tt.enhanced)
				}
				if got := IsPermanent(err); got != tt.permanent {
					t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
				}
				// The session is still good: the next message reuses it after RSET.
				if tt.opts.rejectData == nil && tt.opts.rejectMail == nil {
					if err := pool.Send(context.Background(), testMessage(2)); err != nil {
						t.Fatalf("Send after a refusal: %v", err)
					}
					if got := s.sessionCount(); got != 1 {
						t.Errorf("%d sessions, want the refused one reused", got)
					}
				}
			})
		}
	}
}

func TestSMTPPoolNetworkErrorsAreTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens on port any more

	pool, err := NewSMTPPool(SMTPConfig{Host: "127.0.0.1", Port: port, TLS: TLSNone, From: "a@cybernorms.example"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = pool.Send(context.Background(), testMessage(1))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageConnect || se.Code != 0 {
		t.Fatalf("Send = %v, want a connect SendError without reply code", err)
	}
	if IsPermanent(err) {
		t.Error("a refused connection was reported as permanent")
	}
}

// transactionModes are the two ways the pool runs a mail transaction: its
// commands pipelined (RFC 2920) when the server offers it, or one at a time.
// transactionMode is one way the pool runs a mail transaction.
type transactionMode struct {
	name         string
	noPipelining bool
}

var transactionModes = []transactionMode{{"pipelined", false}, {"one command at a time", true}}

func TestSMTPPoolReconnectsAfterTheServerDropsASession(t *testing.T) {
	for _, mode := range transactionModes {
		t.Run(mode.name, func(t *testing.T) {
			s, pool := modePool(t, mode, sinkOptions{}, 1)
			for n := range 3 {
				if n == 1 {
					s.dropConnections()
				}
				if err := pool.Send(context.Background(), testMessage(n)); err != nil {
					t.Fatalf("Send %d: %v", n, err)
				}
			}
			if got := s.messageCount(); got != 3 {
				t.Errorf("received %d messages, want 3", got)
			}
			if got := s.sessionCount(); got != 2 {
				t.Errorf("%d sessions, want 2: the first, and one after the drop", got)
			}
		})
	}
}

func TestSMTPPoolLimitsMessagesPerConnection(t *testing.T) {
	s := startSink(t, sinkOptions{})
	cfg := s.config()
	cfg.MaxPerConnection = 3
	pool, err := NewSMTPPool(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for n := range 7 {
		if err := pool.Send(context.Background(), testMessage(n)); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.sessionCount(); got != 3 {
		t.Errorf("%d sessions for 7 messages at 3 per connection, want 3", got)
	}
}

func TestSMTPPoolRefusesInvalidMessagesWithoutConnecting(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Message)
		want   error
	}{
		{"a subject carrying a Bcc header", func(m *Message) { m.Subject = "Hello\r\nBcc: everyone@example.org" }, ErrHeaderInjection},
		{"a recipient carrying a second recipient", func(m *Message) { m.To = "a@example.org\nTo: b@example.org" }, ErrHeaderInjection},
		{"an extra header carrying a body", func(m *Message) { m.Headers["List-Id"] = "x\r\n\r\nforged body" }, ErrHeaderInjection},
		{"an unparsable recipient", func(m *Message) { m.To = "not an address" }, ErrInvalidMessage},
	}
	s := startSink(t, sinkOptions{})
	pool, err := NewSMTPPool(s.config(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMessage(1)
			tt.modify(&m)
			if err := pool.Send(context.Background(), m); !errors.Is(err, tt.want) {
				t.Errorf("Send = %v, want %v", err, tt.want)
			}
		})
	}
	if got := s.sessionCount(); got != 0 {
		t.Errorf("%d sessions opened for invalid messages, want 0", got)
	}
}

func TestSMTPPoolHonoursTheContext(t *testing.T) {
	hold := make(chan struct{})
	s := startSink(t, sinkOptions{holdData: hold})
	defer close(hold)
	pool, err := NewSMTPPool(s.config(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := pool.Send(cancelled, testMessage(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want context.Canceled", err)
	}

	// The server accepts the data but never answers: the deadline ends it.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = pool.Send(ctx, testMessage(2))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send to a stalled server = %v, want context.DeadlineExceeded", err)
	}
	if IsPermanent(err) {
		t.Error("a timeout was reported as permanent")
	}
}

func TestSMTPPoolClose(t *testing.T) {
	s := startSink(t, sinkOptions{})
	pool, err := NewSMTPPool(s.config(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Send(context.Background(), testMessage(1)); err != nil {
		t.Fatal(err)
	}
	if err := pool.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := pool.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := pool.Send(context.Background(), testMessage(2)); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Send after Close = %v, want ErrPoolClosed", err)
	}
}

func TestNewSMTPPoolChecksItsConfiguration(t *testing.T) {
	tests := []struct {
		name string
		cfg  SMTPConfig
		size int
		want string
	}{
		{"no host", SMTPConfig{}, 1, "no host"},
		{"an unknown TLS mode", SMTPConfig{Host: "relay.example", TLS: "ssl"}, 1, "TLS mode"},
		{"a pool of no connections", SMTPConfig{Host: "relay.example"}, 0, "size"},
		{"an unparsable From", SMTPConfig{Host: "relay.example", From: "secretariat"}, 1, "From"},
		{"a DKIM key that is not PEM", SMTPConfig{Host: "relay.example", DKIM: &DKIMConfig{Domain: "d.example", Selector: "s", PrivateKeyPEM: "nope"}}, 1, "PEM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSMTPPool(tt.cfg, tt.size)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSMTPPool = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

func TestIsPermanentIgnoresOtherErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"no error", nil},
		{"a plain error", errors.New("550 looks permanent but is not an SMTP reply")},
		{"an invalid message", ErrHeaderInjection},
		{"a wrapped temporary reply", errors.Join(errors.New("batch"), &SendError{Stage: StageRcpt, Code: 421})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if IsPermanent(tt.err) {
				t.Errorf("IsPermanent(%v) = true", tt.err)
			}
		})
	}
	wrapped := errors.Join(errors.New("batch"), &SendError{Stage: StageRcpt, Code: 550})
	if !IsPermanent(wrapped) {
		t.Errorf("IsPermanent(%v) = false for a wrapped 550 to RCPT TO", wrapped)
	}
}

// sendAll sends n messages through pool from workers goroutines.
func sendAll(tb testing.TB, pool *SMTPPool, n, workers int) {
	tb.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := pool.Send(context.Background(), testMessage(i)); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		tb.Fatal(first)
	}
}

// cmpErr keeps the first error.
func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
