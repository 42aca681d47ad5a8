package bulletin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/bulletin/stix"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// sink is an SMTP server on loopback that keeps what it receives.
type sink struct {
	host    string
	port    int
	discard bool
	// stallTo, when set, is an address whose messages the sink keeps but
	// answers only when the test ends: the sender sees no reply to its
	// end of data.
	stallTo string
	stall   chan struct{}

	mu    sync.Mutex
	msgs  []sinkMsg
	count int
	// bytes counts what a discarding sink read; first is the first message
	// it read (for the benchmarks' bare client, which sends the same bytes).
	bytes int64
	first []byte
}

type sinkMsg struct {
	To   string
	Data []byte
}

func startSink(tb testing.TB, discard bool) *sink {
	tb.Helper()
	s := &sink{discard: discard, stall: make(chan struct{})}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a := l.Addr().(*net.TCPAddr)
	s.host, s.port = a.IP.String(), a.Port
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() {
		close(s.stall)
		_ = srv.Close()
	})
	return s
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct {
	s  *sink
	to string
}

func (ss *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = to
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	if ss.s.discard {
		ss.s.mu.Lock()
		keep := ss.s.first == nil
		ss.s.mu.Unlock()
		var n int64
		var err error
		var b []byte
		if keep {
			b, err = io.ReadAll(r)
			n = int64(len(b))
		} else {
			n, err = io.Copy(io.Discard, r)
		}
		ss.s.mu.Lock()
		ss.s.count++
		ss.s.bytes += n
		if keep && ss.s.first == nil {
			ss.s.first = b
		}
		ss.s.mu.Unlock()
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, sinkMsg{To: ss.to, Data: b})
	ss.s.count++
	ss.s.mu.Unlock()
	if ss.s.stallTo != "" && ss.to == ss.s.stallTo {
		<-ss.s.stall
	}
	return nil
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }

func (s *sink) messages() []sinkMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMsg(nil), s.msgs...)
}

// copies counts the messages the sink received per recipient.
func (s *sink) copies() map[string]int {
	got := map[string]int{}
	for _, m := range s.messages() {
		got[m.To]++
	}
	return got
}

func (s *sink) pool(tb testing.TB, size int) *cnmail.SMTPPool {
	p, err := cnmail.NewSMTPPool(cnmail.SMTPConfig{Host: s.host, Port: s.port, TLS: cnmail.TLSNone, From: "Bulletin <bulletin@cybernorms.example>", HeloName: "test.example"}, size)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

// outbox returns the messages in the rig's outbox, newest first.
func outbox(t *testing.T, rig *testrig.Rig) []cnmail.ParsedMessage {
	t.Helper()
	entries, err := cnmail.List(rig.OutboxDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []cnmail.ParsedMessage
	for _, e := range entries {
		m, err := cnmail.Read(rig.OutboxDir(), e.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// mailTo returns the newest outbox message to addr whose subject contains s.
func mailTo(t *testing.T, rig *testrig.Rig, addr, subject string) cnmail.ParsedMessage {
	t.Helper()
	for _, m := range outbox(t, rig) {
		if strings.Contains(m.To, addr) && strings.Contains(m.Subject, subject) {
			return m
		}
	}
	t.Fatalf("no message to %s about %q in the outbox", addr, subject)
	return cnmail.ParsedMessage{}
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkIn finds the first URL in text containing part.
func linkIn(t *testing.T, text, part string) string {
	t.Helper()
	for _, l := range linkRE.FindAllString(text, -1) {
		if strings.Contains(l, part) {
			return l
		}
	}
	t.Fatalf("no link with %q in:\n%s", part, text)
	return ""
}

// call sends a JSON API request with a bearer token and decodes the answer.
func call(t *testing.T, rig *testrig.Rig, token, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, rig.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}

func parseRaw(t *testing.T, data []byte) *mail.Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var _ = bulletin.KindThreat

func bulletinSvc(rig *testrig.Rig) *bulletin.Service {
	s, err := bulletin.NewService(rig.App.Services)
	if err != nil {
		panic(err)
	}
	return s
}

func rigNow() time.Time { return time.Now().UTC() }

// runRetriesNow makes the deliveries waiting for a retry, and the sending
// jobs waiting for them, due now, and runs the jobs.
func runRetriesNow(t *testing.T, rig *testrig.Rig) {
	t.Helper()
	if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE bulletin_deliveries SET next_at = ? WHERE status = 'pending'`, rigNow().Add(-1)); err != nil {
		t.Fatal(err)
	}
	if _, err := rig.DB.ExecContext(rig.Ctx, `UPDATE jobs SET run_at = ? WHERE state = 'queued'`, rigNow().Add(-1)); err != nil {
		t.Fatal(err)
	}
	rig.DrainJobs(t)
}

func withRefs(c stix.Common, refs ...stix.ExternalReference) stix.Common {
	c.ExternalReferences = refs
	return c
}
