package contacts_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// relay is a loopback SMTP server that keeps what it receives and refuses
// some recipients for good (550), as a relay does for unknown mailboxes.
type relay struct {
	host   string
	port   int
	refuse map[string]bool

	mu  sync.Mutex
	got map[string]int
}

func startRelay(tb testing.TB, refuse map[string]bool) *relay {
	tb.Helper()
	rl := &relay{refuse: refuse, got: map[string]int{}}
	srv := smtp.NewServer(rl)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a := l.Addr().(*net.TCPAddr)
	rl.host, rl.port = a.IP.String(), a.Port
	go func() { _ = srv.Serve(l) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return rl
}

func (rl *relay) NewSession(*smtp.Conn) (smtp.Session, error) { return &relaySession{rl: rl}, nil }

type relaySession struct {
	rl *relay
	to string
}

func (s *relaySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.rl.refuse[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	s.to = to
	return nil
}
func (s *relaySession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.rl.mu.Lock()
	s.rl.got[s.to]++
	s.rl.mu.Unlock()
	return nil
}
func (s *relaySession) Reset()        {}
func (s *relaySession) Logout() error { return nil }

// TestRoundTo400ContactsThroughSMTP sends a round to 400 contacts through
// the platform's pooled SMTP sender to a loopback relay that refuses three
// addresses: 397 contacts get exactly one message each, the three are
// recorded as bounced with the relay's answer, and running the queue again
// sends nothing more.
func TestRoundTo400ContactsThroughSMTP(t *testing.T) {
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		refuse := map[string]bool{"duty0@cert.aut.example": true, "duty1@cert." + strings.ToLower(states.All()[0].ISO3) + ".example": true, "cyber@mfa.chl.example": true}
		rl := startRelay(t, refuse)
		pool, err := cnmail.NewSMTPPool(cnmail.SMTPConfig{Host: rl.host, Port: rl.port, TLS: cnmail.TLSNone, From: "cybernorms <noreply@cybernorms.example>", HeloName: "test.example"}, 8)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pool.Close() })
		rig.App.Services.Mailer = pool

		svc := contacts.NewService(rig.App.Services)
		made := 0
		add := func(st states.State, in contacts.ContactInput) {
			ctx := auth.WithUser(rig.Ctx, &auth.User{ID: "t-" + st.ISO3, Role: auth.RoleStateApprover, StateISO3: st.ISO3})
			in.Name, in.TimeZone = in.Kind+" "+st.ISO3, "UTC"
			if _, err := svc.Draft(ctx, st.ISO3, in); err != nil {
				t.Fatal(err)
			}
			made++
		}
		all := states.All()
		for _, st := range all { // 195 × 2
			slug := strings.ToLower(st.ISO3)
			add(st, contacts.ContactInput{Kind: "diplomatic", Email: "cyber@mfa." + slug + ".example"})
			add(st, contacts.ContactInput{Kind: "technical", Email: "duty0@cert." + slug + ".example"})
		}
		for _, st := range all[:400-made] { // and a second technical contact for the first ten
			add(st, contacts.ContactInput{Kind: "technical", Email: "duty1@cert." + strings.ToLower(st.ISO3) + ".example"})
		}
		secU := rig.User(t, auth.RoleSecretariat, "")
		sec := apiClient{rig.Anonymous(t), rig.Token(t, secU), secU}
		st, b := sec.do(t, "POST", "/api/v1/contacts/rounds", map[string]any{"title": "400 contacts", "hours": 48})
		want(t, "start", st, 201, b)
		if b["contacts"].(float64) != 400 {
			t.Fatalf("round to %v contacts", b["contacts"])
		}
		rid := b["id"].(string)
		start := time.Now()
		rig.DrainJobs(t)
		took := time.Since(start)
		t.Logf("400 check e-mails through the SMTP pool in %v (%.0f msgs/s)", took, 400/took.Seconds())
		rl.mu.Lock()
		total := 0
		for addr, n := range rl.got {
			total += n
			if n != 1 {
				t.Errorf("%s got %d copies", addr, n)
			}
		}
		rl.mu.Unlock()
		if total != 397 {
			t.Errorf("the relay took %d messages, want 397", total)
		}
		if n := count(t, rig, `SELECT COUNT(*) FROM contacts_pings WHERE round_id = ? AND bounced_at IS NOT NULL AND bounce_reason LIKE '%550%'`, rid); n != 3 {
			t.Errorf("%d bounces recorded, want 3", n)
		}
		if n := count(t, rig, `SELECT COUNT(*) FROM contacts_pings WHERE round_id = ? AND sent_at IS NOT NULL`, rid); n != 397 {
			t.Errorf("%d pings marked sent, want 397", n)
		}
		rig.DrainJobs(t)
		rl.mu.Lock()
		again := 0
		for _, n := range rl.got {
			again += n
		}
		rl.mu.Unlock()
		if again != total {
			t.Errorf("running the queue again sent %d more", again-total)
		}
	})
}
