package testrig

import (
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPSink is a real SMTP server on loopback that counts what it receives
// per recipient, for tests that send through the platform's SMTP pool,
// possibly from other processes (give them Host and Port as --smtp-host,
// --smtp-port and --smtp-tls=none).
type SMTPSink struct {
	Host string
	Port int
	// Delay is how long the sink takes to accept each message, so that a
	// send lasts long enough to be interrupted.
	Delay time.Duration

	mu  sync.Mutex
	got map[string]int
	n   int
}

// StartSMTPSink listens on a free loopback port until the test ends.
func StartSMTPSink(tb testing.TB, delay time.Duration) *SMTPSink {
	tb.Helper()
	s := &SMTPSink{Delay: delay, got: map[string]int{}}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // a killed sender resets its connections
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = a.IP.String(), a.Port
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// Copies returns how many messages each recipient received.
func (s *SMTPSink) Copies() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.got))
	for k, v := range s.got {
		out[k] = v
	}
	return out
}

// Count is the number of messages received.
func (s *SMTPSink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// NewSession implements smtp.Backend.
func (s *SMTPSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *SMTPSink
	to []string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if ss.s.Delay > 0 {
		time.Sleep(ss.s.Delay)
	}
	ss.s.mu.Lock()
	for _, to := range ss.to {
		ss.s.got[to]++
	}
	ss.s.n++
	ss.s.mu.Unlock()
	return nil
}
func (ss *sinkSession) Reset()        { ss.to = nil }
func (ss *sinkSession) Logout() error { return nil }
