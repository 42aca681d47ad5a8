package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// maxLineLength is where Render folds header lines (RFC 5322 section 2.1.1
// recommends 78 characters); a single word longer than that stays whole.
const maxLineLength = 78

// Render returns m as an RFC 5322 message with MIME bodies: a text/plain
// part, and when m.HTML is set a multipart/alternative holding the text and
// HTML parts, both UTF-8 and quoted-printable, with CRLF line endings and a
// line break at the end of each body.
//
// now gives the Date header. An empty m.MessageID is replaced by one derived
// from the content and now, and the multipart boundary is derived from the
// Message-ID, so the same inputs always give the same bytes.
func Render(m Message, now time.Time) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// Validate has parsed these already; the errors cannot happen.
	from, _ := mail.ParseAddress(m.From)
	to, _ := mail.ParseAddress(m.To)

	id := m.MessageID
	if id == "" {
		id = derivedMessageID(m, now, from.Address)
	}

	var b bytes.Buffer
	b.Grow(1024 + len(m.Text)*11/10 + len(m.HTML)*11/10)
	writeHeader(&b, "Date", now.UTC().Format(time.RFC1123Z))
	writeHeader(&b, "From", from.String())
	writeHeader(&b, "To", to.String())
	if m.ReplyTo != "" {
		replyTo, _ := mail.ParseAddress(m.ReplyTo)
		writeHeader(&b, "Reply-To", replyTo.String())
	}
	writeHeader(&b, "Subject", encodeUnstructured(m.Subject))
	writeHeader(&b, "Message-ID", id)
	writeHeader(&b, "MIME-Version", "1.0")
	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		// Extra headers are often structured (List-Unsubscribe holds URLs), so
		// only non-ASCII values are encoded, never an ASCII "=?".
		writeHeader(&b, name, mime.QEncoding.Encode("utf-8", m.Headers[name]))
	}

	if m.HTML == "" {
		writeHeader(&b, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQuotedPrintable(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	boundary := boundaryFor(id)
	writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	b.WriteString("\r\n")
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	for _, part := range []struct{ mediaType, body string }{
		{"text/plain", m.Text},
		{"text/html", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.mediaType + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("render: %w", err)
		}
		if err := writeQuotedPrintable(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return b.Bytes(), nil
}

// writeQuotedPrintable writes s with its line endings normalised, so that a
// body written on any system is sent with CRLF, and ending with a line break,
// as it would arrive over SMTP anyway.
func writeQuotedPrintable(w interface{ Write([]byte) (int, error) }, s string) error {
	s = normalizeBody(s)
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// normalizeBody is a body as Render sends it, with LF line endings: line
// breaks normalised, and a final line break added if missing.
func normalizeBody(s string) string {
	s = normalizeNewlines(s)
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// encodeUnstructured encodes an unstructured header value (RFC 5322 section
// 3.2.5) as RFC 2047 Q encoded words when it is not plain ASCII. An ASCII
// value that itself looks like an encoded word is encoded too, or a reader
// would decode it into something its author did not write.
func encodeUnstructured(s string) string {
	encoded := mime.QEncoding.Encode("utf-8", s)
	if encoded == s && strings.Contains(s, "=?") {
		return forceQEncode(s)
	}
	return encoded
}

// forceQEncode Q-encodes an ASCII string that mime.QEncoding would leave
// as it is, in encoded words of at most 75 characters (RFC 2047 section 2).
func forceQEncode(s string) string {
	const prefix, suffix = "=?utf-8?q?", "?="
	var b strings.Builder
	wordLen := 0
	open := func() {
		if b.Len() > 0 {
			b.WriteString(suffix + " ")
		}
		b.WriteString(prefix)
		wordLen = len(prefix) + len(suffix)
	}
	open()
	for i := 0; i < len(s); i++ {
		c := s[i]
		var enc string
		switch {
		case c == ' ':
			enc = "_"
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '!', c == '*', c == '+', c == '-', c == '/':
			enc = string(c)
		default:
			enc = fmt.Sprintf("=%02X", c)
		}
		if wordLen+len(enc) > 75 {
			open()
		}
		b.WriteString(enc)
		wordLen += len(enc)
	}
	b.WriteString(suffix)
	return b.String()
}

// writeHeader writes "Name: value" and CRLF, folding at spaces so that lines
// stay within maxLineLength where the value allows it. A fold is only placed
// before a non-empty word, so no line consists of white space alone.
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	lineLen := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		if i > 0 && word != "" && lineLen+1+len(word) > maxLineLength {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		lineLen += 1 + len(word)
	}
	b.WriteString("\r\n")
}

// derivedMessageID makes a Message-ID from everything that makes m unique,
// including the time to the nanosecond: two different messages never share
// one, and rendering the same message twice gives the same one.
func derivedMessageID(m Message, now time.Time, fromAddr string) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(now.UnixNano()))
	h.Write(t[:])
	for _, s := range []string{m.From, m.To, m.ReplyTo, m.Subject, m.Text, m.HTML} {
		field(s)
	}
	names := make([]string, 0, len(m.Headers))
	for name := range m.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		field(name)
		field(m.Headers[name])
	}
	sum := h.Sum(nil)
	domain := domainOf(fromAddr)
	if !validMessageID("<x@" + domain + ">") {
		domain = "localhost"
	}
	return "<" + idEncoding.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// boundaryFor derives the multipart boundary from the Message-ID. It starts
// with "=_", which quoted-printable content can never contain, so it cannot
// collide with a line of the bodies.
func boundaryFor(messageID string) string {
	sum := sha256.Sum256([]byte("boundary\x00" + messageID))
	return "=_" + hex.EncodeToString(sum[:15])
}
