package web

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PageCache keeps the answers to public GET requests made without any
// identity, so that the pages everyone reads (norms, States, dashboards,
// the compendium, the bulletin archive, the API lists) are rendered once
// per change rather than once per visitor.
//
// An answer is kept only when it is a 200 without no-store and without
// Set-Cookie (but for the language cookie that ?lang= sets),
// and is served again only while nothing has changed: every write is
// audited, and Epoch (the platform's count of audited commits in this
// process plus what it has seen of other processes' audit log) moves with
// each one; a write request through this router moves it too. Content that
// changes with the clock alone (a deadline passing) is at most TTL old.
type PageCache struct {
	// Epoch returns a number that changes whenever content may have changed.
	Epoch func() uint64
	// TTL bounds the age of an answer; 0 means 30 seconds.
	TTL time.Duration
	// MaxBytes bounds the bodies held; 0 means 32 MiB. An answer larger than
	// a sixteenth of it is not kept.
	MaxBytes int64

	now    func() time.Time
	writes atomic.Uint64

	mu    sync.RWMutex
	epoch uint64
	used  int64
	pages map[string]*cachedPage
}

type cachedPage struct {
	epoch   uint64
	expires time.Time
	header  http.Header
	body    []byte
}

func (c *PageCache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return 30 * time.Second
}

func (c *PageCache) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return 32 << 20
}

func (c *PageCache) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func (c *PageCache) currentEpoch() uint64 {
	e := c.writes.Load()
	if c.Epoch != nil {
		e += c.Epoch()
	}
	return e
}

var cacheHit = []string{"hit"}

// cacheable reports whether r is a request whose answer is the same for
// every anonymous visitor: a GET with no credentials, no cookie other than
// the language, and no conditional or partial request. A URL that carries a
// secret (a password-reset token) is never kept, whatever its handler says.
func cacheable(r *http.Request) bool {
	if r.Method != http.MethodGet || r.Header.Get("Authorization") != "" || r.URL.Query().Has("token") ||
		r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" || r.Header.Get("Range") != "" {
		return false
	}
	for _, ck := range r.Cookies() {
		if ck.Name != LangCookie && ck.Name != hostPrefix+LangCookie {
			return false
		}
	}
	return true
}

func cacheKey(r *http.Request) string {
	return r.URL.RequestURI() + "\x00" + string(Lang(r)) + "\x00" + r.Header.Get("Accept")
}

// serve answers r from the cache, or runs h and keeps its answer.
func (c *PageCache) serve(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	key := cacheKey(r)
	epoch := c.currentEpoch()
	now := c.clock()
	c.mu.RLock()
	p := c.pages[key]
	c.mu.RUnlock()
	if p != nil && p.epoch == epoch && now.Before(p.expires) {
		hd := w.Header()
		for k, v := range p.header {
			hd[k] = v
		}
		hd["X-Cache"] = cacheHit
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(p.body)
		return
	}
	rec := &recordingWriter{statusWriter: statusWriter{ResponseWriter: w}, limit: int(c.maxBytes() / 16)}
	h(rec, r)
	hd := w.Header()
	if rec.status != http.StatusOK || rec.over || setsCookies(hd) ||
		strings.Contains(hd.Get("Cache-Control"), "no-store") || strings.Contains(hd.Get("Cache-Control"), "private") {
		return
	}
	if c.currentEpoch() != epoch {
		return // something changed while rendering; the answer may mix old and new
	}
	c.store(key, &cachedPage{epoch: epoch, expires: now.Add(c.ttl()), header: hd.Clone(), body: rec.buf.Bytes()})
}

func (c *PageCache) store(key string, p *cachedPage) {
	size := int64(len(p.body) + len(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil || p.epoch != c.epoch {
		// Everything held is from before the latest change: drop it at once.
		c.pages, c.used, c.epoch = map[string]*cachedPage{}, 0, p.epoch
	}
	if old := c.pages[key]; old != nil {
		c.used -= int64(len(old.body) + len(key))
		delete(c.pages, key)
	}
	for k, old := range c.pages {
		if c.used+size <= c.maxBytes() {
			break
		}
		c.used -= int64(len(old.body) + len(k))
		delete(c.pages, k)
	}
	c.pages[key] = p
	c.used += size
}

// setsCookies reports whether the answer sets a cookie other than the
// language one, which ?lang= sets the same way for everyone.
func setsCookies(hd http.Header) bool {
	for _, v := range hd.Values("Set-Cookie") {
		if !strings.HasPrefix(v, LangCookie+"=") && !strings.HasPrefix(v, hostPrefix+LangCookie+"=") {
			return true
		}
	}
	return false
}

// changed records a write made through this process's router.
func (c *PageCache) changed() { c.writes.Add(1) }

// Len is the number of answers held, for tests and metrics.
func (c *PageCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.pages)
}

// recordingWriter passes the answer through and keeps a copy of the body
// up to limit bytes; the status is statusWriter's.
type recordingWriter struct {
	statusWriter
	limit int
	over  bool
	buf   bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if !w.over {
		if w.buf.Len()+len(b) > w.limit {
			w.over = true
			w.buf = bytes.Buffer{}
		} else {
			w.buf.Write(b)
		}
	}
	return w.statusWriter.Write(b)
}
