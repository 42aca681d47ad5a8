package mail

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// outboxTimeFormat starts every outbox file name: fixed width, so that the
// names sort in the order the messages were written.
const outboxTimeFormat = "20060102T150405.000000000Z"

// ErrBadOutboxName is returned by Read for a name that is not a plain outbox
// file name: empty, with a path separator or "..", hidden, or not ".eml".
var ErrBadOutboxName = errors.New("not an outbox file name")

// Outbox is a Sender that writes each message to a folder instead of sending
// it: for development, demonstrations and tests, and as a record that a
// person can browse with List and Read.
type Outbox struct {
	// Dir is the folder; it is created on the first Send.
	Dir string
}

// OutboxEntry summarises one message in an outbox.
type OutboxEntry struct {
	// Name is the file name, to pass to Read.
	Name string
	// Date is the message's Date header, or the time in its name.
	Date time.Time
	// To and Subject are decoded for display.
	To, Subject string
}

// Send renders m and writes it as "<UTC time>-<random id>.eml". The file
// appears whole or not at all: it is written to a temporary file, synced,
// and renamed into place, and the folder is synced after the rename.
func (o Outbox) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(m.Secrets) > 0 {
		h := make(map[string]string, len(m.Headers)+1)
		for k, v := range m.Headers {
			h[k] = v
		}
		h[WithheldHeader] = "secret"
		m.Headers = h
	}
	raw, err := Render(m, time.Now())
	if err != nil {
		return err
	}
	return o.write(raw, nil)
}

// SendRendered writes a message rendered beforehand, as Send does.
func (o Outbox) SendRendered(ctx context.Context, r Rendered) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkEnvelope(r); err != nil {
		return err
	}
	return o.write(r.Data, r.OnCommit)
}

func (o Outbox) write(raw []byte, commit func() error) error {
	var id [5]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails on supported platforms.
	name := time.Now().UTC().Format(outboxTimeFormat) + "-" + idEncoding.EncodeToString(id[:]) + ".eml"
	if err := writeFileAtomic(o.Dir, name, raw, commit); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// writeFileAtomic writes data to dir/name through a synced temporary file
// and a rename, so that a crash leaves either the whole file or none.
// commit, when not nil, is called just before the rename.
func writeFileAtomic(dir, name string, data []byte, commit func() error) (err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*.eml")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if commit != nil {
		if err = commit(); err != nil {
			return err
		}
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// List returns the messages in the outbox folder dir, newest first, at most
// limit of them (all when limit <= 0). A folder that does not exist yet is an
// empty outbox. A file whose header cannot be read is still listed, with only
// its name and date, so that it can be opened and inspected.
func List(dir string, limit int) ([]OutboxEntry, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outbox list: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && validOutboxName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	if limit > 0 && len(names) > limit {
		names = names[:limit]
	}
	out := make([]OutboxEntry, 0, len(names))
	for _, name := range names {
		out = append(out, readEntry(dir, name))
	}
	return out, nil
}

// readEntry reads only the header of one outbox file.
func readEntry(dir, name string) OutboxEntry {
	e := OutboxEntry{Name: name}
	if t, err := time.Parse(outboxTimeFormat, strings.SplitN(name, "-", 2)[0]); err == nil {
		e.Date = t
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return e
	}
	defer f.Close()
	msg, err := mail.ReadMessage(io.LimitReader(f, 1<<20))
	if err != nil {
		return e
	}
	if date, err := msg.Header.Date(); err == nil {
		e.Date = date
	}
	e.To = displayAddress(msg.Header.Get("To"))
	e.Subject = decodeHeader(msg.Header.Get("Subject"))
	return e
}

// Read opens one message of the outbox folder dir, as named by List. It
// refuses, with ErrBadOutboxName, any name that could reach outside dir.
func Read(dir, name string) (ParsedMessage, error) {
	if !validOutboxName(name) {
		return ParsedMessage{}, fmt.Errorf("outbox read %q: %w", name, ErrBadOutboxName)
	}
	// OpenInRoot also refuses symbolic links that lead out of dir.
	f, err := os.OpenInRoot(dir, name)
	if err != nil {
		return ParsedMessage{}, fmt.Errorf("outbox read: %w", err)
	}
	defer f.Close()
	p, err := parseMessage(f)
	if err != nil {
		return ParsedMessage{}, fmt.Errorf("outbox read %s: %w", name, err)
	}
	p.Name = name
	return p, nil
}

// validOutboxName accepts a plain, visible file name ending in ".eml".
func validOutboxName(name string) bool {
	return name != "" &&
		!strings.ContainsAny(name, `/\`+"\x00") &&
		!strings.Contains(name, "..") &&
		!strings.HasPrefix(name, ".") &&
		strings.HasSuffix(name, ".eml") &&
		filepath.IsLocal(name)
}
