package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// maxParsedSize bounds what parseMessage reads, so that a stray huge file in
// the outbox cannot exhaust memory.
const maxParsedSize = 32 << 20

// maxMultipartDepth bounds nested multiparts in a message being parsed.
const maxMultipartDepth = 5

// ParsedMessage is a stored message decoded for a person to read: header
// fields with their encoded words decoded, and the bodies as plain strings
// with LF line endings.
type ParsedMessage struct {
	// Name is the file name in the outbox.
	Name string
	// Header holds every header field as written, undecoded.
	Header mail.Header
	// From, To, ReplyTo and Subject are decoded for display.
	From, To, ReplyTo, Subject string
	// MessageID is the Message-ID header.
	MessageID string
	// Date is the Date header, or the zero time if it is missing or invalid.
	Date time.Time
	// Text is the text/plain body.
	Text string
	// HTML is the text/html body, empty when the message has none. It is the
	// sender's markup: show it sandboxed, never inline in a page.
	HTML string
}

// parseMessage reads an RFC 5322 message with text and HTML bodies in any of
// the usual MIME shapes.
func parseMessage(r io.Reader) (ParsedMessage, error) {
	msg, err := mail.ReadMessage(io.LimitReader(r, maxParsedSize))
	if err != nil {
		return ParsedMessage{}, fmt.Errorf("parse message: %w", err)
	}
	p := ParsedMessage{
		Header:    msg.Header,
		From:      displayAddress(msg.Header.Get("From")),
		To:        displayAddress(msg.Header.Get("To")),
		ReplyTo:   displayAddress(msg.Header.Get("Reply-To")),
		Subject:   decodeHeader(msg.Header.Get("Subject")),
		MessageID: msg.Header.Get("Message-ID"),
	}
	if date, err := msg.Header.Date(); err == nil {
		p.Date = date
	}
	if err := p.readBody(msg.Body, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), 0); err != nil {
		return ParsedMessage{}, fmt.Errorf("parse message: %w", err)
	}
	return p, nil
}

// Parse decodes a message from its bytes, as Read decodes an outbox file:
// for tests and tools that receive messages by other ways (an SMTP sink).
func Parse(data []byte) (ParsedMessage, error) {
	return parseMessage(bytes.NewReader(data))
}

// readBody stores the first text/plain and text/html bodies found in the
// entity, descending into multiparts.
func (p *ParsedMessage) readBody(body io.Reader, contentType, transferEncoding string, depth int) error {
	mediaType, params := "text/plain", map[string]string{}
	if contentType != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return fmt.Errorf("content type %q: %w", contentType, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if depth >= maxMultipartDepth {
			return errors.New("multipart nested too deeply")
		}
		boundary := params["boundary"]
		if boundary == "" {
			return errors.New("multipart without boundary")
		}
		mr := multipart.NewReader(body, boundary)
		for {
			// NextPart decodes quoted-printable itself and drops the
			// Content-Transfer-Encoding header when it does.
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			err = p.readBody(part, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), depth+1)
			if err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	decoded, err := io.ReadAll(decodeTransfer(body, transferEncoding))
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	text := normalizeNewlines(string(decoded))
	switch {
	case mediaType == "text/plain" && p.Text == "":
		p.Text = text
	case mediaType == "text/html" && p.HTML == "":
		p.HTML = text
	}
	return nil
}

// decodeTransfer undoes a Content-Transfer-Encoding.
func decodeTransfer(r io.Reader, encoding string) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	default:
		return r
	}
}

// displayAddress shows an address header as a person writes it:
// "Name <addr@example.org>", or the bare address when there is no name.
func displayAddress(s string) string {
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return decodeHeader(s)
	}
	if addr.Name == "" {
		return addr.Address
	}
	return addr.Name + " <" + addr.Address + ">"
}

// decodeHeader decodes RFC 2047 encoded words, keeping the raw value when a
// charset is unknown.
func decodeHeader(s string) string {
	var d mime.WordDecoder
	decoded, err := d.DecodeHeader(s)
	if err != nil {
		return s
	}
	return decoded
}
