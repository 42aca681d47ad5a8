package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the sink saw it.
type received struct {
	From string
	To   []string
	Data []byte
}

// sinkOptions shapes a test SMTP server.
type sinkOptions struct {
	// tls is TLSNone, TLSStartTLS or TLSImplicit.
	tls string
	// username and password, when set, are required through AUTH PLAIN.
	username, password string
	// rejectRcpt and rejectMail map an address to the reply refusing it.
	rejectRcpt, rejectMail map[string]*smtp.SMTPError
	// rejectData refuses every message after its data.
	rejectData *smtp.SMTPError
	// holdData, when set, makes Data wait until it is closed.
	holdData chan struct{}
	// discard drops messages instead of keeping them (for benchmarks).
	discard bool
}

// sink is an SMTP server on loopback that records what it receives.
type sink struct {
	opts sinkOptions
	host string
	port int
	// rootCAs trusts the sink's certificate.
	rootCAs *x509.CertPool

	mu       sync.Mutex
	sessions int
	resets   int
	messages []received
	conns    []net.Conn
	count    int
}

// startSink starts a sink on 127.0.0.1:0 and stops it when the test ends.
func startSink(tb testing.TB, opts sinkOptions) *sink {
	tb.Helper()
	s := &sink{opts: opts}
	server := smtp.NewServer(s)
	server.Domain = "localhost"
	server.AllowInsecureAuth = true
	server.ReadTimeout = 10 * time.Second
	server.WriteTimeout = 10 * time.Second
	server.MaxRecipients = 10

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	if opts.tls == TLSStartTLS || opts.tls == TLSImplicit {
		cert, pool := selfSigned(tb)
		s.rootCAs = pool
		server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		if opts.tls == TLSImplicit {
			l = tls.NewListener(l, server.TLSConfig)
		}
	}
	l = &trackingListener{Listener: l, sink: s}
	addr := l.Addr().(*net.TCPAddr)
	s.host, s.port = addr.IP.String(), addr.Port
	go func() { _ = server.Serve(l) }()
	tb.Cleanup(func() { _ = server.Close() })
	return s
}

// modePool starts a sink with opts and a pool of size connections to it
// that pipelines its commands or not, as mode says; both stop with the test.
func modePool(t *testing.T, mode transactionMode, opts sinkOptions, size int) (*sink, *SMTPPool) {
	t.Helper()
	s := startSink(t, opts)
	cfg := s.config()
	cfg.NoPipelining = mode.noPipelining
	pool, err := NewSMTPPool(cfg, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	return s, pool
}

// config returns an SMTPConfig that reaches the sink.
func (s *sink) config() SMTPConfig {
	cfg := SMTPConfig{
		Host:     s.host,
		Port:     s.port,
		TLS:      s.opts.tls,
		From:     "Secretariat <bulletin@cybernorms.example>",
		HeloName: "test.cybernorms.example",
		Username: s.opts.username,
		Password: s.opts.password,
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSNone
	}
	if s.rootCAs != nil {
		cfg.TLSConfig = &tls.Config{RootCAs: s.rootCAs}
	}
	return cfg
}

// sessionCount returns how many SMTP sessions the sink has accepted.
func (s *sink) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// received returns a copy of the messages received so far.
func (s *sink) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

// messageCount returns how many messages have been accepted.
func (s *sink) messageCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// dropConnections closes every connection from the server's side, as a relay
// that times idle sessions out would.
func (s *sink) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
	s.conns = nil
}

// NewSession implements smtp.Backend.
func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &sinkSession{sink: s}, nil
}

// sinkSession is one SMTP session of the sink.
type sinkSession struct {
	sink   *sink
	authed bool
	msg    received
}

// AuthMechanisms implements smtp.AuthSession.
func (ss *sinkSession) AuthMechanisms() []string {
	if ss.sink.opts.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth implements smtp.AuthSession.
func (ss *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.sink.opts.username || password != ss.sink.opts.password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.opts.username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	if e := ss.sink.opts.rejectMail[from]; e != nil {
		return e
	}
	ss.msg = received{From: from}
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if e := ss.sink.opts.rejectRcpt[to]; e != nil {
		return e
	}
	ss.msg.To = append(ss.msg.To, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	if ss.sink.opts.holdData != nil {
		<-ss.sink.opts.holdData
	}
	var data []byte
	var err error
	if ss.sink.opts.discard {
		_, err = io.Copy(io.Discard, r)
	} else {
		data, err = io.ReadAll(r)
	}
	if err != nil {
		return err
	}
	if ss.sink.opts.rejectData != nil {
		return ss.sink.opts.rejectData
	}
	ss.sink.mu.Lock()
	defer ss.sink.mu.Unlock()
	ss.sink.count++
	if !ss.sink.opts.discard {
		ss.msg.Data = data
		ss.sink.messages = append(ss.sink.messages, ss.msg)
	}
	return nil
}

func (ss *sinkSession) Reset() {
	ss.msg = received{}
	ss.sink.mu.Lock()
	ss.sink.resets++
	ss.sink.mu.Unlock()
}

func (ss *sinkSession) Logout() error { return nil }

// trackingListener remembers accepted connections so that a test can drop
// them.
type trackingListener struct {
	net.Listener
	sink *sink
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.sink.mu.Lock()
	l.sink.conns = append(l.sink.conns, c)
	l.sink.mu.Unlock()
	return c, nil
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(tb testing.TB) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// testMessage is a message to the n-th test recipient.
func testMessage(n int) Message {
	return Message{
		To:      "delegate" + strconv.Itoa(n) + "@foreign-ministry.example",
		Subject: "Bulletin n°" + strconv.Itoa(n) + ": open-ended working group",
		Text:    "The working group meets on Monday.\n\nSecretariat",
		HTML:    "<p>The working group meets on <b>Monday</b>.</p>",
		Headers: map[string]string{
			"List-Unsubscribe":      "<https://cybernorms.example/unsubscribe/" + strconv.Itoa(n) + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		},
	}
}

// errIs reports errors.Is for table tests that may expect no error.
func errIs(err, target error) bool {
	if target == nil {
		return err == nil
	}
	return errors.Is(err, target)
}
