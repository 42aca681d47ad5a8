package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"html"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Rendered is a message ready for the wire: its bytes, as Render or a
// Template makes them, and the addresses of its envelope.
type Rendered struct {
	// From and To are the envelope sender and recipient as bare addresses
	// ("a@example.org", no display name).
	From, To string
	// Data is the RFC 5322 message with CRLF line endings.
	Data []byte
	// OnCommit, when set, is called at the point of no return of a delivery:
	// after the content has been written and just before the mark that
	// commits the receiver to the message (SMTP's final ".", the outbox's
	// rename). Until then the message can still be abandoned; if OnCommit
	// returns an error it is, and SendRendered returns that error. A caller
	// that must never send a message twice records here that it may have
	// left: a failure after OnCommit without a reply from the server (a
	// SendError at StageData with Code 0) means the receiver may have it.
	OnCommit func() error
}

// RenderedSender is a Sender that also delivers messages rendered
// beforehand, so that a list send can encode its bodies once (Template)
// rather than once per recipient. SendRendered does not keep r.Data once it
// has returned: the caller may write the next message into the same buffer
// (Template.AppendRender).
type RenderedSender interface {
	Sender
	SendRendered(ctx context.Context, r Rendered) error
}

var (
	_ RenderedSender = Outbox{}
	_ RenderedSender = (*SMTPPool)(nil)
)

// Template is one message rendered once for many recipients. Its bodies are
// encoded when it is made; each recipient's copy only adds its own header
// lines (Date, To, Message-ID, extra headers) and, wherever the bodies hold
// the placeholder, its own value (an unsubscribe link), encoded on its own
// between soft line breaks. A copy therefore decodes to exactly what Render
// gives for the message with the placeholder replaced, for the cost of a
// few header lines and one copy of the encoded bodies.
type Template struct {
	fromHeader, fromAddr, replyTo, subject string
	headers                                map[string]string
	placeholder                            string
	// bodyHeaders are the top-level Content-Type and, for a text-only
	// message, Content-Transfer-Encoding.
	bodyHeaders [][2]string
	// chunks are the encoded body between the placeholders; slots[i] says
	// whether the value after chunks[i] goes into the HTML part (escaped).
	chunks []string
	slots  []bool
	size   int
}

// TemplateRecipient is what differs from one copy of a Template to another.
type TemplateRecipient struct {
	// To is the recipient, as an RFC 5322 address.
	To string
	// MessageID is the Message-ID, angle brackets included; empty means a
	// fresh random one.
	MessageID string
	// Headers are extra header fields of this copy; they replace the
	// template's own fields of the same name.
	Headers map[string]string
	// Value replaces the placeholder: as it is in the text part, and
	// HTML-escaped in the HTML part.
	Value string
}

// NewTemplate validates m (whose To is ignored) and encodes its bodies once.
// placeholder is the string of m.Text and m.HTML that each copy replaces
// with its recipient's Value; it may not contain a line break.
func NewTemplate(m Message, placeholder string) (*Template, error) {
	if placeholder == "" || strings.ContainsAny(placeholder, "\r\n") {
		return nil, fmt.Errorf("%w: template placeholder %q", ErrInvalidMessage, placeholder)
	}
	probe := m
	probe.To, probe.MessageID = "recipient@example.invalid", ""
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	from, _ := mail.ParseAddress(m.From)
	t := &Template{
		fromHeader:  from.String(),
		fromAddr:    from.Address,
		subject:     encodeUnstructured(m.Subject),
		headers:     m.Headers,
		placeholder: placeholder,
	}
	if m.ReplyTo != "" {
		replyTo, _ := mail.ParseAddress(m.ReplyTo)
		t.replyTo = replyTo.String()
	}
	var b bytes.Buffer
	flush := func(slot, inHTML bool) {
		t.chunks = append(t.chunks, b.String())
		if slot {
			t.slots = append(t.slots, inHTML)
		}
		b.Reset()
	}
	if m.HTML == "" {
		t.bodyHeaders = [][2]string{{"Content-Type", "text/plain; charset=utf-8"}, {"Content-Transfer-Encoding", "quoted-printable"}}
		if err := t.encodeBody(&b, m.Text, false, flush); err != nil {
			return nil, err
		}
	} else {
		sum := sha256.Sum256([]byte(m.Text + "\x00" + m.HTML + "\x00" + placeholder))
		boundary := boundaryFor(string(sum[:]))
		t.bodyHeaders = [][2]string{{"Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})}}
		// The same bytes as mime/multipart writes for Render.
		partHeader := "Content-Transfer-Encoding: quoted-printable\r\nContent-Type: "
		b.WriteString("--" + boundary + "\r\n" + partHeader + "text/plain; charset=utf-8\r\n\r\n")
		if err := t.encodeBody(&b, m.Text, false, flush); err != nil {
			return nil, err
		}
		b.WriteString("\r\n--" + boundary + "\r\n" + partHeader + "text/html; charset=utf-8\r\n\r\n")
		if err := t.encodeBody(&b, m.HTML, true, flush); err != nil {
			return nil, err
		}
		b.WriteString("\r\n--" + boundary + "--\r\n")
	}
	flush(false, false)
	for _, c := range t.chunks {
		t.size += len(c)
	}
	return t, nil
}

// encodeBody writes body quoted-printable, ending the encoding at each
// placeholder with a soft line break so that the value can be encoded on
// its own, and calls flush to close the chunk before each placeholder.
func (t *Template) encodeBody(b *bytes.Buffer, body string, inHTML bool, flush func(slot, inHTML bool)) error {
	parts := strings.Split(normalizeBody(body), t.placeholder)
	for i, part := range parts {
		if err := encodeSegment(b, part); err != nil {
			return err
		}
		if i < len(parts)-1 {
			flush(true, inHTML)
		}
	}
	return nil
}

// encodeSegment writes s quoted-printable, and a soft line break if it ends
// in the middle of a line, so that what follows starts a line of its own.
func encodeSegment(b *bytes.Buffer, s string) error {
	if s == "" {
		return nil
	}
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(s)); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteString("=\r\n")
	}
	return nil
}

// Render makes the copy of the template for one recipient, dated now.
func (t *Template) Render(rc TemplateRecipient, now time.Time) (Rendered, error) {
	return t.AppendRender(nil, rc, now)
}

// AppendRender is Render writing the copy at the end of dst, growing it as
// needed (the copy's Data is dst and the copy): a list send passes each worker's buffer of the previous copy, cut
// to length zero, so that a million copies of a 14 kB message do not
// allocate 14 GB (the garbage collector's work, and so the send's rate,
// went with it).
func (t *Template) AppendRender(dst []byte, rc TemplateRecipient, now time.Time) (Rendered, error) {
	if strings.ContainsAny(rc.To, "\r\n") || strings.ContainsAny(rc.MessageID, "\r\n") {
		return Rendered{}, fmt.Errorf("%w: To or Message-ID", ErrHeaderInjection)
	}
	if strings.ContainsAny(rc.Value, "\r\n") {
		return Rendered{}, fmt.Errorf("%w: template value", ErrHeaderInjection)
	}
	if !utf8.ValidString(rc.Value) {
		return Rendered{}, fmt.Errorf("%w: template value is not valid UTF-8", ErrInvalidMessage)
	}
	to, err := parseAddress("To", rc.To)
	if err != nil {
		return Rendered{}, err
	}
	id := rc.MessageID
	if id == "" {
		id = NewMessageID(domainOf(t.fromAddr))
	} else if !validMessageID(id) {
		return Rendered{}, fmt.Errorf("%w: Message-ID %q is not of the form <id@domain>", ErrInvalidMessage, id)
	}
	for name, value := range rc.Headers {
		if strings.ContainsAny(name, "\r\n") || strings.ContainsAny(value, "\r\n") {
			return Rendered{}, fmt.Errorf("%w: extra header %q", ErrHeaderInjection, name)
		}
		if err := validateExtraHeader(name, value); err != nil {
			return Rendered{}, err
		}
	}

	textValue, htmlValue, err := encodeValues(rc.Value)
	if err != nil {
		return Rendered{}, err
	}
	b := bytes.NewBuffer(dst)
	b.Grow(1024 + t.size + len(t.slots)*max(len(textValue), len(htmlValue)))
	writeHeader(b, "Date", now.UTC().Format(time.RFC1123Z))
	writeHeader(b, "From", t.fromHeader)
	writeHeader(b, "To", to.String())
	if t.replyTo != "" {
		writeHeader(b, "Reply-To", t.replyTo)
	}
	writeHeader(b, "Subject", t.subject)
	writeHeader(b, "Message-ID", id)
	writeHeader(b, "MIME-Version", "1.0")
	names := make([]string, 0, len(t.headers)+len(rc.Headers))
	for name := range t.headers {
		if _, mine := rc.Headers[name]; !mine {
			names = append(names, name)
		}
	}
	for name := range rc.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		value, mine := rc.Headers[name]
		if !mine {
			value = t.headers[name]
		}
		writeHeader(b, name, mime.QEncoding.Encode("utf-8", value))
	}
	for _, h := range t.bodyHeaders {
		writeHeader(b, h[0], h[1])
	}
	b.WriteString("\r\n")
	for i, chunk := range t.chunks {
		b.WriteString(chunk)
		if i < len(t.slots) {
			if t.slots[i] {
				b.Write(htmlValue)
			} else {
				b.Write(textValue)
			}
		}
	}
	return Rendered{From: t.fromAddr, To: to.Address, Data: b.Bytes()}, nil
}

// encodeValues encodes a recipient's value for the text and the HTML part.
func encodeValues(v string) (text, htmlPart []byte, err error) {
	var tb, hb bytes.Buffer
	if err := encodeSegment(&tb, v); err != nil {
		return nil, nil, err
	}
	if err := encodeSegment(&hb, html.EscapeString(v)); err != nil {
		return nil, nil, err
	}
	return tb.Bytes(), hb.Bytes(), nil
}

// RenderMessage renders m as Render does, with the envelope taken from its
// addresses.
func RenderMessage(m Message, now time.Time) (Rendered, error) {
	raw, err := Render(m, now)
	if err != nil {
		return Rendered{}, err
	}
	// Render has validated both addresses.
	from, _ := mail.ParseAddress(m.From)
	to, _ := mail.ParseAddress(m.To)
	return Rendered{From: from.Address, To: to.Address, Data: raw}, nil
}

// checkEnvelope refuses envelope addresses that could smuggle a command.
func checkEnvelope(r Rendered) error {
	if r.From == "" || r.To == "" {
		return fmt.Errorf("%w: empty envelope address", ErrInvalidMessage)
	}
	if strings.ContainsAny(r.From+r.To, "\r\n<>") {
		return fmt.Errorf("%w: envelope address", ErrHeaderInjection)
	}
	return nil
}
