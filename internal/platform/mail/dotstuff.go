package mail

import (
	"bufio"
	"bytes"
)

// writeDotStuffed writes a message as the content of SMTP DATA (RFC 5321
// section 4.5.2) followed by the final ".": a line starting with "." gets
// another one, a line feed without a carriage return before it becomes CRLF,
// and a last line without a line break gets one. The bytes are those of
// net/textproto's DotWriter, which does this byte by byte through bufio; here
// whole lines are copied, which matters for a list of large messages.
// commit, when not nil, is called just before the final "." is written; an
// error from it stops there, leaving the data unterminated.
func writeDotStuffed(w *bufio.Writer, data []byte, commit func() error) error {
	// The line break that ends a last line without one: CRLF, or only LF
	// after a carriage return. Empty content is one empty line.
	end := "\r\n"
	if n := len(data); n > 0 && data[n-1] == '\r' {
		end = "\n"
	}
	atLineStart := len(data) > 0
	for len(data) > 0 {
		if atLineStart && data[0] == '.' {
			if err := w.WriteByte('.'); err != nil {
				return err
			}
		}
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if _, err := w.Write(data); err != nil {
				return err
			}
			atLineStart = false
			break
		}
		line := data[:i] // without the line feed
		if _, err := w.Write(line); err != nil {
			return err
		}
		eol := "\r\n"
		if i > 0 && line[i-1] == '\r' {
			eol = "\n"
		}
		if _, err := w.WriteString(eol); err != nil {
			return err
		}
		data = data[i+1:]
		atLineStart = true
	}
	if !atLineStart {
		if _, err := w.WriteString(end); err != nil {
			return err
		}
	}
	if commit != nil {
		if err := commit(); err != nil {
			return err
		}
	}
	if _, err := w.WriteString(".\r\n"); err != nil {
		return err
	}
	return w.Flush()
}
