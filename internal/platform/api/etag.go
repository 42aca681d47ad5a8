package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
)

// maxTagged is the largest answer WithETag holds in memory to tag it; a
// larger one (a bulk export) goes out as it is written, without an ETag.
const maxTagged = 4 << 20

// WithETag gives h's successful answers a strong ETag (a digest of the
// bytes) and answers 304 Not Modified, with no body, to a request whose
// If-None-Match names it, so that bulk readers and aggregators poll cheaply.
// The digest is of the answer as this reader would get it: a signed-in
// reader's tag differs from the public one wherever the content does.
func WithETag(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h(w, r)
			return
		}
		tw := &tagWriter{w: w, buf: tagBuffers.Get().(*bytes.Buffer)}
		h(tw, r)
		tw.finish(r)
		tw.release()
	}
}

// tagBuffers are the buffers answers are held in, reused so that every
// answer does not grow a new one from nothing (as long as the answer, in
// allocations the garbage collector then has to catch up with).
var tagBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// release gives the buffer back, unless an answer made it large.
func (t *tagWriter) release() {
	if b := t.buf; b != nil && b.Cap() <= 1<<20 {
		b.Reset()
		tagBuffers.Put(b)
	}
	t.buf = nil
}

// tagWriter holds a 200 answer until it is complete (or too large).
type tagWriter struct {
	w       http.ResponseWriter
	status  int
	buf     *bytes.Buffer
	passing bool // writing through: not a 200, or too large
}

func (t *tagWriter) Header() http.Header { return t.w.Header() }

func (t *tagWriter) WriteHeader(status int) {
	if t.status != 0 {
		return
	}
	t.status = status
	if status != http.StatusOK {
		t.passing = true
		t.w.WriteHeader(status)
	}
}

func (t *tagWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	if t.passing {
		return t.w.Write(b)
	}
	if t.buf.Len()+len(b) > maxTagged {
		t.passing = true
		t.w.WriteHeader(http.StatusOK)
		if _, err := t.w.Write(t.buf.Bytes()); err != nil {
			return 0, err
		}
		t.buf.Reset()
		return t.w.Write(b)
	}
	return t.buf.Write(b)
}

// Flush writes through from then on: a streamed answer is not tagged.
func (t *tagWriter) Flush() {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	if !t.passing {
		t.passing = true
		t.w.WriteHeader(http.StatusOK)
		_, _ = t.w.Write(t.buf.Bytes())
		t.buf.Reset()
	}
	if f, ok := t.w.(http.Flusher); ok {
		f.Flush()
	}
}

func (t *tagWriter) Unwrap() http.ResponseWriter { return t.w }

func (t *tagWriter) finish(r *http.Request) {
	if t.passing {
		return
	}
	if t.status == 0 { // nothing written: an empty 200
		t.status = http.StatusOK
	}
	sum := sha256.Sum256(t.buf.Bytes())
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	h := t.w.Header()
	h.Set("ETag", tag)
	if matches(r.Header.Get("If-None-Match"), tag) {
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition"} {
			h.Del(k)
		}
		t.w.WriteHeader(http.StatusNotModified)
		return
	}
	t.w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = t.w.Write(t.buf.Bytes())
	}
}

// matches applies If-None-Match's weak comparison (RFC 9110 13.1.2): "*"
// or any listed tag equal to tag, with or without W/.
func matches(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, c := range strings.Split(header, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.TrimPrefix(c, "W/") == tag {
			return true
		}
	}
	return false
}

// Tagged is for a large answer that streams as it is read instead of being
// held whole to be digested: its handler names, before writing anything,
// the bytes that fix the answer (a version's identity and its revision, the
// small part of the answer around the streamed rows), and Tagged makes the
// strong ETag from them and from the binary's build, since a new build may
// encode the same rows differently. It sets the ETag; to a request whose
// If-None-Match names it, it answers 304 and returns false (write nothing
// more); otherwise it returns true and the body goes out as it is written,
// with that ETag.
func Tagged(w http.ResponseWriter, r *http.Request, key ...[]byte) bool {
	for u := w; u != nil; {
		if t, ok := u.(*tagWriter); ok {
			t.passing = true
			break
		}
		un, ok := u.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		u = un.Unwrap()
	}
	d := sha256.New()
	d.Write([]byte(buildStamp()))
	for _, k := range key {
		d.Write([]byte{0})
		d.Write(k)
	}
	sum := d.Sum(nil)
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	h := w.Header()
	h.Set("ETag", tag)
	if matches(r.Header.Get("If-None-Match"), tag) {
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Disposition"} {
			h.Del(k)
		}
		w.WriteHeader(http.StatusNotModified)
		return false
	}
	return true
}

// buildStamp names the build for Tagged: module version, revision and
// whether the tree was modified (empty parts where the binary was built
// without them).
var buildStamp = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	s := bi.Main.Version
	for _, kv := range bi.Settings {
		if kv.Key == "vcs.revision" || kv.Key == "vcs.modified" || kv.Key == "vcs.time" {
			s += " " + kv.Value
		}
	}
	return s
})
