package mail

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// MaxSubjectLength is the longest subject, in characters, that Validate
// accepts. Mail clients show far less; anything longer is a mistake upstream.
const MaxSubjectLength = 250

// maxHeaderValueLength bounds the extra header values so that, with the
// header name, a line never exceeds RFC 5322's hard limit of 998 octets even
// where a value cannot be folded (a long URL in List-Unsubscribe).
const maxHeaderValueLength = 900

// Errors returned by Validate. Each is wrapped in ErrInvalidMessage, so a
// caller can tell a message that can never be sent from a delivery failure.
var (
	// ErrInvalidMessage is wrapped by every error that Validate returns.
	ErrInvalidMessage = errors.New("invalid message")
	// ErrHeaderInjection means a header field (an address, the subject, an
	// extra header or the Message-ID) contains a CR or LF, which would let
	// its author add headers or a body of their own.
	ErrHeaderInjection = fmt.Errorf("%w: line break in header field", ErrInvalidMessage)
	// ErrSubjectTooLong means the subject is longer than MaxSubjectLength.
	ErrSubjectTooLong = fmt.Errorf("%w: subject longer than %d characters", ErrInvalidMessage, MaxSubjectLength)
)

// reservedHeaders are written by Render itself; an extra header with one of
// these names would produce a duplicate or contradict the MIME structure.
var reservedHeaders = map[string]bool{
	"bcc": true, "cc": true, "content-transfer-encoding": true, "content-type": true,
	"date": true, "dkim-signature": true, "from": true, "message-id": true,
	"mime-version": true, "reply-to": true, "return-path": true, "sender": true,
	"subject": true, "to": true,
}

// Message is one email to one recipient. Sending the same content to many
// people means many Messages: each gets its own Message-ID, its own
// unsubscribe headers and its own bounce.
type Message struct {
	// From is the author, as an RFC 5322 address: "Name <addr@example.org>"
	// or "addr@example.org".
	From string
	// To is the only recipient.
	To string
	// ReplyTo is optional: where replies go when not to From.
	ReplyTo string
	// Subject is plain text; non-ASCII is encoded as RFC 2047 encoded words.
	Subject string
	// Text is the plain-text body. It is required, since it is what every
	// client can show.
	Text string
	// HTML is an optional HTML alternative to Text.
	HTML string
	// Headers are extra header fields such as List-Unsubscribe,
	// List-Unsubscribe-Post or List-Id. They may not replace a header that
	// Render writes itself (From, To, Subject, Date, Content-Type, ...).
	Headers map[string]string
	// Secrets are values in Text, HTML or Headers that only the recipient may
	// read, such as a password-reset link's token. They are sent as usual,
	// but the outbox marks the message (WithheldHeader) so that the back
	// office does not show its body, and Redacted removes them from the
	// queued copy once it has been sent.
	Secrets []string `json:",omitempty"`
	// MessageID is the Message-ID header, angle brackets included. When empty,
	// Render derives one from the content and the time; set it (for instance
	// with NewMessageID) to correlate the message with later bounces.
	MessageID string
}

// Validate reports whether m can be rendered and sent. Every error it returns
// wraps ErrInvalidMessage; line breaks in header fields are reported as
// ErrHeaderInjection, since they are an attack rather than a typo.
func (m Message) Validate() error {
	fields := []struct{ name, value string }{
		{"From", m.From}, {"To", m.To}, {"Reply-To", m.ReplyTo},
		{"Subject", m.Subject}, {"Message-ID", m.MessageID},
	}
	for _, f := range fields {
		if strings.ContainsAny(f.value, "\r\n") {
			return fmt.Errorf("%w: %s", ErrHeaderInjection, f.name)
		}
	}
	for name, value := range m.Headers {
		if strings.ContainsAny(name, "\r\n") || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("%w: extra header %q", ErrHeaderInjection, name)
		}
	}

	if _, err := parseAddress("From", m.From); err != nil {
		return err
	}
	if _, err := parseAddress("To", m.To); err != nil {
		return err
	}
	if m.ReplyTo != "" {
		if _, err := parseAddress("Reply-To", m.ReplyTo); err != nil {
			return err
		}
	}

	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) {
		return fmt.Errorf("%w: subject or body is not valid UTF-8", ErrInvalidMessage)
	}
	if strings.ContainsFunc(m.Subject, isControl) {
		return fmt.Errorf("%w: control character in subject", ErrInvalidMessage)
	}
	if utf8.RuneCountInString(m.Subject) > MaxSubjectLength {
		return ErrSubjectTooLong
	}
	if m.Text == "" {
		return fmt.Errorf("%w: empty text body", ErrInvalidMessage)
	}

	for name, value := range m.Headers {
		if err := validateExtraHeader(name, value); err != nil {
			return err
		}
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		return fmt.Errorf("%w: Message-ID %q is not of the form <id@domain>", ErrInvalidMessage, m.MessageID)
	}
	return nil
}

// parseAddress parses one RFC 5322 address, naming the field in its error.
func parseAddress(field, s string) (*mail.Address, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: %s is empty", ErrInvalidMessage, field)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", ErrInvalidMessage, field, s, err)
	}
	return addr, nil
}

// validateExtraHeader checks one of Message.Headers: a field name of printable
// ASCII without a colon (RFC 5322 section 2.2), not one Render writes itself,
// and a value that fits on one line.
func validateExtraHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("%w: empty header name", ErrInvalidMessage)
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c > '~' || c == ':' {
			return fmt.Errorf("%w: header name %q", ErrInvalidMessage, name)
		}
	}
	if reservedHeaders[strings.ToLower(name)] {
		return fmt.Errorf("%w: header %q is set by the renderer", ErrInvalidMessage, name)
	}
	if !utf8.ValidString(value) || strings.ContainsFunc(value, isControl) {
		return fmt.Errorf("%w: header %q has a control character or invalid UTF-8", ErrInvalidMessage, name)
	}
	if len(value) > maxHeaderValueLength {
		return fmt.Errorf("%w: header %q is longer than %d bytes", ErrInvalidMessage, name, maxHeaderValueLength)
	}
	return nil
}

// isControl reports the characters a header may not hold. Tab is allowed: it
// is folding white space.
func isControl(r rune) bool {
	return (r < ' ' && r != '\t') || r == 0x7f
}

// validMessageID accepts "<left@right>" with printable ASCII, no white space
// and no further angle brackets: the msg-id of RFC 5322 section 3.6.4,
// slightly relaxed on what the two halves may contain.
func validMessageID(id string) bool {
	if len(id) < 5 || len(id) > 250 || id[0] != '<' || id[len(id)-1] != '>' {
		return false
	}
	inner := id[1 : len(id)-1]
	left, right, ok := strings.Cut(inner, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for _, c := range []byte(inner) {
		if c <= ' ' || c > '~' || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// idEncoding is lower-case base32 without padding: compact, case-insensitive
// and safe in a Message-ID and a file name.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewMessageID returns a fresh random Message-ID "<id@domain>" with 128 bits
// from crypto/rand, for a caller that wants to know a message's identifier
// before sending it. domain is usually the domain of the From address.
func NewMessageID(domain string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms.
	return "<" + idEncoding.EncodeToString(b[:]) + "@" + domain + ">"
}

// domainOf returns the domain of an address such as "a@example.org", or
// "localhost" when there is none.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "localhost"
}

// WithheldHeader marks an outbox message that carries a secret for its
// recipient (Message.Secrets): the back office shows its envelope only.
const WithheldHeader = "X-Cybernorms-Withheld"

// Redacted returns m with every one of its Secrets replaced by
// "[redacted]", and no Secrets left.
func (m Message) Redacted() Message {
	if len(m.Secrets) == 0 {
		return m
	}
	pairs := make([]string, 0, 2*len(m.Secrets))
	for _, s := range m.Secrets {
		if s != "" {
			pairs = append(pairs, s, "[redacted]")
		}
	}
	rp := strings.NewReplacer(pairs...)
	m.Text, m.HTML = rp.Replace(m.Text), rp.Replace(m.HTML)
	if len(m.Headers) > 0 {
		h := make(map[string]string, len(m.Headers))
		for k, v := range m.Headers {
			h[k] = rp.Replace(v)
		}
		m.Headers = h
	}
	m.Secrets = nil
	return m
}
