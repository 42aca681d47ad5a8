package web

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
)

// SessionCookie holds the browser session secret.
const SessionCookie = "cn_session"

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	Requests *prometheus.CounterVec
	Latency  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cybernorms_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cybernorms_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Latency)
	return m
}

type reqInfo struct{ route string }

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		// Every 401 says how to authenticate (RFC 9110 §11.6.1); a handler
		// that names its own scheme (TAXII's Basic) keeps it.
		if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cybernorms"`)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Options configure the middleware chain.
type Options struct {
	Auth           *auth.Store
	Metrics        *Metrics
	HSTS           bool  // send Strict-Transport-Security (behind TLS)
	MaxBody        int64 // request body limit; 0 means 10 MiB
	TrustedProxies bool  // take the client address from X-Forwarded-For
	// ProxyNets are the proxies whose X-Forwarded-For entries are believed.
	ProxyNets []netip.Prefix
	// PageCache, when set, keeps anonymous answers to public GET requests.
	PageCache *PageCache
	// APIRate, when set, limits anonymous API requests per client address.
	APIRate *throttle.Rate
}

// Handler wraps the site's router in the middleware every request passes
// through, outermost first: recovery and metrics, security headers, body
// limit, cross-origin protection, identity, language.
func (s *Site) Handler(opt Options) http.Handler {
	maxBody := opt.MaxBody
	if maxBody == 0 {
		maxBody = 10 << 20
	}
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	// Files only: a folder's listing is not found.
	staticHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			s.Error(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		if f, err := fs.Stat(static, strings.TrimPrefix(r.URL.Path, "/static/")); err == nil && f.IsDir() {
			s.Error(w, r, http.StatusNotFound, "error.notfound")
			return
		}
		files.ServeHTTP(w, r)
	})
	s.router.mux.Handle("GET /static/", withCache(staticHandler))
	s.router.routes = append(s.router.routes, Route{Method: "GET", Path: "/static/", Rule: Public})

	s.router.cache = opt.PageCache
	s.router.auth = opt.Auth
	s.router.apiRate = opt.APIRate
	var h http.Handler = s.router
	h = s.withLang(h)
	h = s.withIdentity(opt, h)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			api.WriteError(w, &api.Error{Status: http.StatusForbidden, Code: "cross_origin", Message: "cross-origin request refused"})
			return
		}
		s.Error(w, r, http.StatusForbidden, "error.forbidden")
	}))
	h = cop.Handler(h)
	h = withBodyLimit(maxBody, h)
	h = withSecurityHeaders(opt.HSTS, h)
	h = s.withObservability(opt.Metrics, h)
	return h
}

func withCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

func withBodyLimit(n int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				api.WriteError(w, &api.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the request body is larger than " + strconv.FormatInt(n, 10) + " bytes"})
				return
			}
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}

// csp allows nothing inline: styles and scripts come from /static only.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders are set on every answer. The values are shared slices,
// assigned rather than Set, which saves an allocation per header per request;
// their capacity equals their length, so a later Add copies instead of
// writing into them.
var securityHeaders = map[string][]string{
	"Content-Security-Policy":    {csp},
	"X-Content-Type-Options":     {"nosniff"},
	"Referrer-Policy":            {"strict-origin-when-cross-origin"},
	"X-Frame-Options":            {"DENY"},
	"Cross-Origin-Opener-Policy": {"same-origin"},
	"Permissions-Policy":         {"camera=(), microphone=(), geolocation=()"},
}

var hstsHeader = []string{"max-age=63072000; includeSubDomains"}

func withSecurityHeaders(hsts bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for k, v := range securityHeaders {
			hd[k] = v
		}
		if hsts {
			hd["Strict-Transport-Security"] = hstsHeader
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Site) withObservability(m *Metrics, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &reqInfo{}
		r = r.WithContext(context.WithValue(r.Context(), keyInfo, info))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			rec := recover()
			if rec == http.ErrAbortHandler {
				// A handler broke off an answer it had begun (its status
				// is sent): count it, then let net/http cut the
				// connection so the reader cannot take it for whole.
				defer panic(rec)
			} else if rec != nil {
				s.Log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", rec)
				if sw.status == 0 {
					if strings.HasPrefix(r.URL.Path, "/api/") {
						api.WriteError(sw, errPanic)
					} else {
						http.Error(sw, "internal error", http.StatusInternalServerError)
					}
				}
			}
			route := info.route
			if route == "" {
				route = "unmatched"
			}
			if m != nil {
				m.Requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
				m.Latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
			}
			if sw.status >= 500 {
				s.Log.Error("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
			} else {
				s.Log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", time.Since(start).Milliseconds())
			}
		}()
		h.ServeHTTP(sw, r)
	})
}

type panicError struct{}

func (panicError) Error() string { return "panic" }

var errPanic = panicError{}

// ClientAddr is the request's client address, without the port.
func ClientAddr(r *http.Request) string {
	if v, ok := r.Context().Value(keyClient).(string); ok {
		return v
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

const keyClient ctxKey = 100

// keyToken marks a request authenticated by a personal API token.
const keyToken ctxKey = 101

// ByToken reports whether the request was authenticated by an API token.
func ByToken(r *http.Request) bool { v, _ := r.Context().Value(keyToken).(bool); return v }

// ForwardedClient is the client address behind trusted proxies: the request
// comes from a trusted proxy, and X-Forwarded-For is read from the right,
// skipping trusted proxies, to the first address they did not add
// themselves — the one the outermost proxy saw. Entries to its left were
// written by the client and are ignored. A peer that is not a trusted proxy
// is the client itself, whatever its headers say; an entry that is not an
// IP address ends the walk at the last trusted hop.
func ForwardedClient(remoteAddr string, xff []string, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !inNets(peer.Unmap(), trusted) {
		return host
	}
	client := peer.Unmap()
	var hops []string
	for _, v := range xff {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := parseHop(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a
		if !inNets(a, trusted) {
			break
		}
	}
	return client.String()
}

func parseHop(s string) (netip.Addr, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, errors.New("not an IP address")
	}
	return a.Unmap(), nil
}

func inNets(a netip.Addr, nets []netip.Prefix) bool {
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// withIdentity resolves the session cookie or API token into a user.
func (s *Site) withIdentity(opt Options, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if opt.TrustedProxies {
			if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
				ctx = context.WithValue(ctx, keyClient, ForwardedClient(r.RemoteAddr, xff, opt.ProxyNets))
			}
		}
		if r.Header.Get("Authorization") != "" || s.ReadCookie(r, SessionCookie) != "" {
			// Answers to a signed-in or token request carry personal data or
			// at least depend on the person: no cache may keep them.
			w.Header().Set("Cache-Control", "no-store")
		}
		if opt.Auth != nil {
			// The scheme is case-insensitive (RFC 9110 §11.1): "bearer cn_…" too.
			if scheme, bearer, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
				u, err := opt.Auth.UserForToken(ctx, strings.TrimSpace(bearer))
				if err != nil {
					w.Header().Set("WWW-Authenticate", `Bearer realm="cybernorms", error="invalid_token"`)
					api.WriteError(w, &api.Error{Status: http.StatusUnauthorized, Code: "invalid_token", Message: "the API token is unknown or revoked"})
					return
				}
				ctx = auth.WithUser(ctx, u)
				ctx = audit.WithActor(ctx, u.Actor("api"))
				ctx = context.WithValue(ctx, keyToken, true)
			} else if c := s.ReadCookie(r, SessionCookie); c != "" {
				sess, err := opt.Auth.LookupSession(ctx, c)
				switch {
				case err != nil:
					s.SetCookie(w, r, SessionCookie, "", -1)
				case sess.MFAPassed:
					ctx = auth.WithUser(ctx, sess.User)
					via := "web"
					if strings.HasPrefix(r.URL.Path, "/api/") {
						via = "api"
					}
					ctx = audit.WithActor(ctx, sess.User.Actor(via))
				default:
					ctx = WithPending(ctx, sess.User)
					ctx = audit.WithActor(ctx, sess.User.Actor("web"))
				}
			}
		}
		if ctx != r.Context() {
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	})
}

var varyLang = []string{"Accept-Language, Cookie"}

func (s *Site) withLang(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userLang := ""
		if u := auth.UserFrom(r.Context()); u != nil {
			userLang = u.Lang
		}
		lang := negotiate(r, userLang)
		if q := queryLang(r); KnownLanguage(q) {
			s.SetCookie(w, r, LangCookie, q, 365*24*3600)
		}
		w.Header()["Vary"] = varyLang
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyLang, lang)))
	})
}
