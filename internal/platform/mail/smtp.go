package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// The TLS modes of SMTPConfig.
const (
	// TLSNone sends in clear text: only for a relay on the same host.
	TLSNone = "none"
	// TLSStartTLS upgrades a plain connection with STARTTLS, and refuses to
	// go on if the server does not offer it (usually port 587).
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (usually port 465).
	TLSImplicit = "tls"
)

// defaultTimeout bounds each SMTP exchange when SMTPConfig.Timeout is zero.
const defaultTimeout = 30 * time.Second

// maxIdle is how long a session may sit unused before it is replaced rather
// than reused: past it, a firewall may have forgotten the connection, and the
// RSET that checks it would wait for the whole timeout.
const maxIdle = 30 * time.Second

// ErrPoolClosed is returned by Send after Close.
var ErrPoolClosed = errors.New("smtp pool closed")

// SMTPConfig describes an SMTP relay.
type SMTPConfig struct {
	// Host is the relay's host name, also used to verify its certificate.
	Host string
	// Port defaults to 25 for "none", 587 for "starttls" and 465 for "tls".
	Port int
	// Username and Password enable SMTP AUTH; the strongest mechanism the
	// server offers is chosen, and PLAIN or LOGIN only over TLS.
	Username, Password string
	// TLS is TLSNone, TLSStartTLS or TLSImplicit; empty means TLSStartTLS.
	TLS string
	// From is the From of messages that leave theirs empty. Its address is
	// also the envelope sender (MAIL FROM), where bounces go; when From is
	// empty the envelope sender is each message's own From address.
	From string
	// HeloName is the name given in EHLO; empty means the host name.
	HeloName string
	// DKIM, when set, signs every message.
	DKIM *DKIMConfig
	// TLSConfig, when set, replaces the default TLS settings, for instance
	// to trust a private certificate authority. ServerName defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds each exchange with the server: connecting, each
	// command, and the message data. Zero means 30 seconds.
	Timeout time.Duration
	// MaxPerConnection, when positive, closes a connection after that many
	// messages and opens a fresh one, for relays that limit it.
	MaxPerConnection int
	// NoPipelining sends one command at a time even to a server that offers
	// PIPELINING (RFC 2920), for a relay that mishandles it.
	NoPipelining bool
}

// SMTPPool is a Sender that delivers through an SMTP relay over at most size
// long-lived connections, each carrying many messages with an RSET between
// them. A connection the server has dropped is replaced transparently before
// a message is sent on it. Send is safe for concurrent use; Close ends it.
type SMTPPool struct {
	cfg          SMTPConfig
	envelopeFrom string
	options      []gomail.Option
	tlsConfig    *tls.Config
	dkim         *dkimSigner

	// tokens holds one token per connection open or being opened, so that
	// its capacity is the pool's size.
	tokens chan struct{}
	// idle holds the open connections that no Send is using.
	idle chan *pooledConn
	// done is closed by Close, to release the Sends waiting for a token.
	done chan struct{}

	mu     sync.Mutex // guards closed, and putting connections into idle
	closed bool
}

// pooledConn is one open SMTP session.
type pooledConn struct {
	client *smtp.Client
	// raw is the TCP connection under any TLS, whose deadline bounds every
	// exchange and which a cancelled context interrupts.
	raw      net.Conn
	lastUsed time.Time
	sent     int
	// broken marks a session that must not be reused: a cancelled context
	// may have moved its deadline to the past.
	broken bool
	// pipelining, eightBitMIME and smtpUTF8 are the server's extensions
	// (RFC 2920, 6152, 6531) that the pool uses.
	pipelining, eightBitMIME, smtpUTF8 bool
}

// NewSMTPPool checks cfg and returns a pool of at most size connections.
// Connections are opened when the first messages need them, not here.
func NewSMTPPool(cfg SMTPConfig, size int) (*SMTPPool, error) {
	if size < 1 {
		return nil, fmt.Errorf("smtp pool: size %d, want at least 1", size)
	}
	if cfg.Host == "" {
		return nil, errors.New("smtp pool: no host")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	var policy gomail.TLSPolicy
	switch cfg.TLS {
	case TLSNone:
		policy = gomail.NoTLS
		cfg.Port = cmpOr(cfg.Port, 25)
	case TLSStartTLS:
		policy = gomail.TLSMandatory
		cfg.Port = cmpOr(cfg.Port, 587)
	case TLSImplicit:
		// The dialler below already speaks TLS; opportunistic lets go-mail
		// see the encrypted connection (for AUTH) without asking STARTTLS.
		policy = gomail.TLSOpportunistic
		cfg.Port = cmpOr(cfg.Port, 465)
	default:
		return nil, fmt.Errorf("smtp pool: TLS mode %q, want %q, %q or %q", cfg.TLS, TLSNone, TLSStartTLS, TLSImplicit)
	}

	p := &SMTPPool{
		cfg:    cfg,
		tokens: make(chan struct{}, size),
		idle:   make(chan *pooledConn, size),
		done:   make(chan struct{}),
	}
	if cfg.From != "" {
		addr, err := mail.ParseAddress(cfg.From)
		if err != nil {
			return nil, fmt.Errorf("smtp pool: From %q: %w", cfg.From, err)
		}
		p.envelopeFrom = addr.Address
	}
	if cfg.DKIM != nil {
		signer, err := newDKIMSigner(*cfg.DKIM)
		if err != nil {
			return nil, fmt.Errorf("smtp pool: %w", err)
		}
		p.dkim = signer
	}

	p.tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		p.tlsConfig = cfg.TLSConfig.Clone()
	}
	if p.tlsConfig.ServerName == "" {
		p.tlsConfig.ServerName = cfg.Host
	}
	p.options = []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(p.tlsConfig),
	}
	if cfg.HeloName != "" {
		p.options = append(p.options, gomail.WithHELO(cfg.HeloName))
	}
	if cfg.Username != "" {
		p.options = append(p.options,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password))
	}
	return p, nil
}

// cmpOr returns v, or def when v is zero.
func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// Send renders m (with the pool's From if m has none), signs it when DKIM is
// configured, and delivers it on a pooled connection. Errors from the server
// are *SendError; see IsPermanent for what to do with them.
func (p *SMTPPool) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = p.cfg.From
	}
	r, err := RenderMessage(m, time.Now())
	if err != nil {
		return err
	}
	return p.SendRendered(ctx, r)
}

// SendRendered signs r when DKIM is configured and delivers it on a pooled
// connection, with the pool's From address as the envelope sender when it
// has one. Errors are those of Send.
func (p *SMTPPool) SendRendered(ctx context.Context, r Rendered) error {
	if err := checkEnvelope(r); err != nil {
		return err
	}
	raw := r.Data
	if p.dkim != nil {
		var err error
		if raw, err = p.dkim.sign(raw); err != nil {
			return err
		}
	}
	from := p.envelopeFrom
	if from == "" {
		from = r.From
	}
	c, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	err = p.deliver(ctx, c, from, r.To, raw, r.OnCommit)
	if errors.Is(err, errStaleSession) {
		// The reused session failed its RSET: nothing of this message was
		// sent on it, so it goes on a new session instead.
		_ = c.raw.Close()
		if ctx.Err() != nil {
			<-p.tokens
			return ctx.Err()
		}
		if c, err = p.dialWithToken(ctx); err != nil {
			return err
		}
		err = p.deliver(ctx, c, from, r.To, raw, r.OnCommit)
	}
	p.release(c, err)
	return err
}

// acquire returns a connection for a new transaction: an idle one, or a new
// one while the pool has room, or the first to become idle.
func (p *SMTPPool) acquire(ctx context.Context) (*pooledConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.isClosed() {
		return nil, ErrPoolClosed
	}
	var c *pooledConn
	select {
	case c = <-p.idle:
	default:
		select {
		case c = <-p.idle:
		case p.tokens <- struct{}{}:
			return p.dialWithToken(ctx)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.done:
			return nil, ErrPoolClosed
		}
	}
	switch {
	case time.Since(c.lastUsed) > maxIdle:
		_ = c.raw.Close()
		return p.dialWithToken(ctx)
	case p.cfg.MaxPerConnection > 0 && c.sent >= p.cfg.MaxPerConnection:
		endSession(c)
		return p.dialWithToken(ctx)
	}
	// deliver starts with an RSET on a reused session.
	return c, nil
}

// dialWithToken opens a connection for a token already taken, and gives the
// token back if that fails.
func (p *SMTPPool) dialWithToken(ctx context.Context) (*pooledConn, error) {
	if p.isClosed() {
		<-p.tokens
		return nil, ErrPoolClosed
	}
	c, err := p.dial(ctx)
	if err != nil {
		<-p.tokens
		return nil, err
	}
	return c, nil
}

// dial connects, greets, and negotiates TLS and AUTH through go-mail. The
// dialler keeps the TCP connection, so that it can be closed if go-mail
// fails half-way and given deadlines afterwards.
func (p *SMTPPool) dial(ctx context.Context) (*pooledConn, error) {
	var raw net.Conn
	dialFunc := func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		raw = conn
		if p.cfg.TLS != TLSImplicit {
			return conn, nil
		}
		tc := tls.Client(conn, p.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, err
		}
		return tc, nil
	}
	// Clip, so that concurrent dials never append into one shared array.
	options := append(slices.Clip(p.options), gomail.WithDialContextFunc(dialFunc))
	gm, err := gomail.NewClient(p.cfg.Host, options...)
	if err != nil {
		return nil, newSendError(StageConnect, err)
	}
	client, err := gm.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if raw != nil {
			_ = raw.Close()
		}
		return nil, newSendError(StageConnect, err)
	}
	c := &pooledConn{client: client, raw: raw}
	c.pipelining, _ = client.Extension("PIPELINING")
	c.pipelining = c.pipelining && !p.cfg.NoPipelining
	c.eightBitMIME, _ = client.Extension("8BITMIME")
	c.smtpUTF8, _ = client.Extension("SMTPUTF8")
	return c, nil
}

// errStaleSession means that a reused session failed its RSET: it had died
// or lost step with the server before anything of the message was sent.
var errStaleSession = errors.New("smtp: stale session")

// deliver runs one mail transaction. On a reused session it starts with an
// RSET, which clears whatever a failed transaction left behind and proves
// the session alive before a message is committed to it; if that fails,
// deliver returns errStaleSession.
func (p *SMTPPool) deliver(ctx context.Context, c *pooledConn, from, to string, raw []byte, commit func() error) error {
	reused := c.sent > 0
	c.sent++
	if c.pipelining {
		return p.deliverPipelined(ctx, c, from, to, raw, reused, commit)
	}
	if reused {
		if err := p.exchange(ctx, c, func() error { return c.client.Reset() }); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return errStaleSession
		}
	}
	// SMTPUTF8 only when an address needs it, so that an ASCII message is
	// accepted by servers that would balk at the extension.
	c.client.SkipSMTPUTF8(isASCII(from) && isASCII(to))
	steps := []struct {
		stage Stage
		run   func() error
	}{
		{StageMail, func() error { return c.client.Mail("<" + from + ">") }},
		{StageRcpt, func() error { return c.client.Rcpt("<" + to + ">") }},
		{StageData, func() error {
			w, err := c.client.Data()
			if err != nil {
				return err
			}
			return writeData(w, raw, commit)
		}},
	}
	for _, step := range steps {
		if err := p.exchange(ctx, c, step.run); err != nil {
			return newSendError(step.stage, err)
		}
	}
	return nil
}

// deliverPipelined runs one mail transaction with RFC 2920 pipelining: the
// RSET (on a reused session), MAIL FROM, RCPT TO and DATA commands go in one
// write and their replies are read in order, then the message follows. Two
// round trips instead of four or five; the replies and errors are the same.
// The message is dot-stuffed a line at a time rather than a byte at a time.
func (p *SMTPPool) deliverPipelined(ctx context.Context, c *pooledConn, from, to string, raw []byte, reset bool, commit func() error) error {
	var cmds strings.Builder
	if reset {
		cmds.WriteString("RSET\r\n")
	}
	cmds.WriteString("MAIL FROM:<" + from + ">")
	if c.eightBitMIME {
		cmds.WriteString(" BODY=8BITMIME") // as go-mail's Mail does
	}
	if c.smtpUTF8 && !(isASCII(from) && isASCII(to)) {
		cmds.WriteString(" SMTPUTF8")
	}
	cmds.WriteString("\r\nRCPT TO:<" + to + ">\r\nDATA\r\n")

	text := c.client.Text
	stale := reset // until the RSET has been answered
	stage := StageMail
	var refused error // the first reply refusing a command
	dataOpen := false
	err := p.exchange(ctx, c, func() error {
		if _, err := text.W.WriteString(cmds.String()); err != nil {
			return err
		}
		if err := text.W.Flush(); err != nil {
			return err
		}
		if reset {
			if _, _, err := text.ReadResponse(250); err != nil {
				return err
			}
			stale = false
		}
		for _, r := range []struct {
			stage Stage
			code  int
		}{{StageMail, 250}, {StageRcpt, 25}, {StageData, 354}} {
			_, _, err := text.ReadResponse(r.code)
			var reply *textproto.Error
			switch {
			case err == nil:
				dataOpen = r.stage == StageData
			case errors.As(err, &reply):
				if refused == nil {
					refused, stage = err, r.stage
				}
			default:
				stage = r.stage
				return err
			}
		}
		return nil
	})
	if err != nil {
		if stale && ctx.Err() == nil {
			return errStaleSession
		}
		return newSendError(stage, err)
	}
	if refused != nil {
		if dataOpen {
			// The server waits for a message that will not come; closing the
			// session abandons the transaction.
			c.broken = true
		}
		return newSendError(stage, refused)
	}
	err = p.exchange(ctx, c, func() error {
		if err := writeDotStuffed(text.W, raw, commit); err != nil {
			return err
		}
		_, _, err := text.ReadResponse(250)
		return err
	})
	if err != nil {
		return newSendError(StageData, err)
	}
	return nil
}

// writeData writes the message and the final dot; for go-mail's writer,
// Close also reads the server's verdict. commit, when not nil, is called
// before the dot; if it fails the dot is not written (the session is then
// closed, which abandons the transaction).
func writeData(w io.WriteCloser, raw []byte, commit func() error) error {
	if _, err := w.Write(raw); err != nil {
		_ = w.Close()
		return err
	}
	if commit != nil {
		if err := commit(); err != nil {
			return err
		}
	}
	return w.Close()
}

// exchange runs one exchange with the server within the pool's timeout and
// ctx: a cancelled context interrupts it by moving the deadline to the past.
func (p *SMTPPool) exchange(ctx context.Context, c *pooledConn, run func() error) error {
	deadline := time.Now().Add(p.cfg.Timeout)
	ctxDeadline, bound := ctx.Deadline()
	if bound = bound && ctxDeadline.Before(deadline); bound {
		deadline = ctxDeadline
	}
	if err := c.raw.SetDeadline(deadline); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.raw.SetDeadline(time.Unix(1, 0)) })
	err := run()
	if !stop() {
		// The context ended during the exchange: the deadline may have been
		// moved under it, so the session cannot be trusted any more. An
		// exchange that completed all the same did succeed, though: a message
		// accepted is reported as sent, or a retry would send it twice.
		c.broken = true
	}
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		c.broken = true
		return errors.Join(ctx.Err(), err)
	}
	var netErr net.Error
	if bound && errors.As(err, &netErr) && netErr.Timeout() {
		// The connection's deadline, set from the context's, fired before
		// the context's own timer: the caller's reason is still the context.
		c.broken = true
		return errors.Join(context.DeadlineExceeded, err)
	}
	return err
}

// release puts c back into the pool after a transaction that ended with err,
// or closes it if the session is no longer in a known state.
func (p *SMTPPool) release(c *pooledConn, err error) {
	if c.broken || !reusable(err) {
		_ = c.raw.Close()
		<-p.tokens
		return
	}
	p.mu.Lock()
	if !p.closed {
		c.lastUsed = time.Now()
		p.idle <- c // never blocks: there are at most cap(idle) connections
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	endSession(c)
	<-p.tokens
}

// isClosed reports whether Close has been called.
func (p *SMTPPool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// reusable reports whether a connection is still in step with the server
// after err: the server answered, and did not announce it was closing (421).
func reusable(err error) bool {
	if err == nil {
		return true
	}
	var reply *textproto.Error
	return errors.As(err, &reply) && reply.Code != 421 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// endSession ends a session politely with QUIT, or closes it if the server
// does not answer.
func endSession(c *pooledConn) {
	_ = c.raw.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.client.Quit(); err != nil {
		_ = c.raw.Close()
	}
}

// Close ends the idle sessions with QUIT and makes later Sends fail with
// ErrPoolClosed. Sessions in use are closed when their Send returns.
func (p *SMTPPool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	for {
		select {
		case c := <-p.idle:
			endSession(c)
			<-p.tokens
		default:
			return nil
		}
	}
}

// isASCII reports whether s is 7-bit.
func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f })
}
