// Package config declares every setting once, with its flag, environment
// variable, default and description; the same table feeds the parser and the
// documentation (cybernorms config --markdown).
package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Config is the server's configuration.
type Config struct {
	Addr        string
	DatabaseURL string
	DataDir     string
	BaseURL     string
	// BaseURLFromAddr is set when BaseURL was derived from Addr.
	BaseURLFromAddr bool
	Synchronous     string
	LogLevel        string
	LogFormat       string
	HSTS            bool
	TrustProxy      bool
	Workers         int
	MailFrom        string
	SMTPHost        string
	SMTPPort        int
	SMTPUser        string
	SMTPPassword    string
	SMTPTLS         string
	SMTPPool        int
	DKIMDomain      string
	DKIMSelector    string
	DKIMKeyFile     string
	MailRate        float64
	Demo            bool
	PageCacheMB     int
	// MemoryLimitMB is the Go runtime's soft memory limit in MiB
	// (runtime/debug.SetMemoryLimit), set by serve unless GOMEMLIMIT is in
	// the environment; 0: none; -1: automatic (see MemoryLimit).
	MemoryLimitMB int
	// APIAnonymousPerMinute limits anonymous API requests per client
	// address (0: no limit).
	APIAnonymousPerMinute int
	// Master keys of the sealed fields (internal/platform/seal).
	MasterKey             string
	MasterKeyFile         string
	PreviousMasterKey     string
	PreviousMasterKeyFile string

	// TrustedProxies are the networks of the proxies whose X-Forwarded-For
	// entries are believed (with TrustProxy).
	TrustedProxies []netip.Prefix
	// SetupNetworks are the client networks the one-time link that creates
	// the first secretariat account is accepted from (internal/setup).
	SetupNetworks []netip.Prefix
	// MetricsAddr, when set, is a separate listen address for /metrics;
	// MetricsToken, when set, opens /metrics on the main address to
	// "Authorization: Bearer <token>". With neither, /metrics is not served.
	MetricsAddr, MetricsToken string
	// PprofAddr, when set, is a loopback address serving Go's profiles
	// (net/http/pprof) for finding where the server's time goes; off by
	// default.
	PprofAddr string
	// AuditKey keys the audit chain's HMAC; read from AuditKeyFile or the
	// environment, never from the database.
	AuditKey, AuditKeyFile string
	// Chromium is the browser that makes PDFs (internal/platform/pdf): a
	// path, "" to look for one, "off" for no PDFs.
	Chromium string
	// PDFConcurrency is how many PDFs are made at once; PDFTimeout bounds
	// one, in seconds.
	PDFConcurrency, PDFTimeout int
}

// Option is one setting.
type Option struct {
	Flag    string
	Env     string
	Default string
	Help    string
	set     func(c *Config, v string) error
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

// networks parses a comma-separated list of addresses and CIDR networks.
func networks(p func(*Config) *[]netip.Prefix) func(*Config, string) error {
	return func(c *Config, v string) error {
		*p(c) = nil
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			n, err := netip.ParsePrefix(f)
			if err != nil {
				a, aerr := netip.ParseAddr(f)
				if aerr != nil {
					return fmt.Errorf("%q is not an IP address or CIDR network", f)
				}
				n = netip.PrefixFrom(a, a.BitLen())
			}
			*p(c) = append(*p(c), n.Masked())
		}
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		*p(c) = b
		return nil
	}
}

func integer(p func(*Config) *int, min, max int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return fmt.Errorf("must be a whole number from %d to %d", min, max)
		}
		*p(c) = n
		return nil
	}
}

// Options is the table of settings.
var Options = []Option{
	{"addr", "CYBERNORMS_ADDR", "127.0.0.1:8080", "address to listen on", str(func(c *Config) *string { return &c.Addr })},
	{"database-url", "CYBERNORMS_DATABASE_URL", "", "PostgreSQL URL (postgres://…); empty means the SQLite file DATA_DIR/cybernorms.db", str(func(c *Config) *string { return &c.DatabaseURL })},
	{"data-dir", "CYBERNORMS_DATA_DIR", "./data", "folder for the SQLite database, the mail outbox and uploaded files", str(func(c *Config) *string { return &c.DataDir })},
	{"base-url", "CYBERNORMS_BASE_URL", "", "public address of the site, used in e-mailed links and TAXII discovery; empty means http://ADDR (from --addr, said at start-up)", str(func(c *Config) *string { return &c.BaseURL })},
	{"sqlite-synchronous", "CYBERNORMS_SQLITE_SYNCHRONOUS", "NORMAL", "SQLite durability: NORMAL survives a killed process, FULL also a power cut", str(func(c *Config) *string { return &c.Synchronous })},
	{"log-level", "CYBERNORMS_LOG_LEVEL", "info", "debug, info, warn or error", str(func(c *Config) *string { return &c.LogLevel })},
	{"log-format", "CYBERNORMS_LOG_FORMAT", "text", "text or json", str(func(c *Config) *string { return &c.LogFormat })},
	{"hsts", "CYBERNORMS_HSTS", "false", "send Strict-Transport-Security (set when served over TLS)", boolean(func(c *Config) *bool { return &c.HSTS })},
	{"trust-proxy", "CYBERNORMS_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind a proxy you run)", boolean(func(c *Config) *bool { return &c.TrustProxy })},
	{"trusted-proxies", "CYBERNORMS_TRUSTED_PROXIES", "127.0.0.1/32,::1/128", "with trust-proxy: comma-separated addresses or CIDR networks of your proxies; the client is the rightmost X-Forwarded-For address not among them", networks(func(c *Config) *[]netip.Prefix { return &c.TrustedProxies })},
	{"setup-networks", "CYBERNORMS_SETUP_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7", "client networks from which the one-time link that creates the first secretariat account is accepted (the client address as --trust-proxy gives it); empty: the link is refused from everywhere", networks(func(c *Config) *[]netip.Prefix { return &c.SetupNetworks })},
	{"metrics-addr", "CYBERNORMS_METRICS_ADDR", "", "separate address to serve /metrics on (e.g. 127.0.0.1:9090); empty: not served separately", str(func(c *Config) *string { return &c.MetricsAddr })},
	{"pprof-addr", "CYBERNORMS_PPROF_ADDR", "", "loopback address to serve Go's runtime profiles (/debug/pprof/) and the SQL statements a request runs (/debug/sql?path=URI, for the load test's baselines) on, e.g. 127.0.0.1:6060; empty: not served. Only a loopback address is accepted", str(func(c *Config) *string { return &c.PprofAddr })},
	{"metrics-token", "CYBERNORMS_METRICS_TOKEN", "", "bearer token that opens /metrics on the main address (at least 32 characters; prefer the environment variable); empty: /metrics is not on the main address", str(func(c *Config) *string { return &c.MetricsToken })},
	{"audit-key-file", "CYBERNORMS_AUDIT_KEY_FILE", "", "file holding the key of the audit chain's HMAC (cybernorms keys generate); keep it off the database server. Empty, with no audit-key either: a plain SHA-256 chain", str(func(c *Config) *string { return &c.AuditKeyFile })},
	{"audit-key", "CYBERNORMS_AUDIT_KEY", "", "the audit chain's HMAC key itself (prefer the environment variable to the flag)", str(func(c *Config) *string { return &c.AuditKey })},
	{"workers", "CYBERNORMS_WORKERS", "4", "background job workers in this instance", integer(func(c *Config) *int { return &c.Workers }, 0, 64)},
	{"mail-from", "CYBERNORMS_MAIL_FROM", "cybernorms <no-reply@cybernorms.invalid>", "From address of outgoing mail", str(func(c *Config) *string { return &c.MailFrom })},
	{"smtp-host", "CYBERNORMS_SMTP_HOST", "", "SMTP relay host; empty means mail is written to DATA_DIR/outbox", str(func(c *Config) *string { return &c.SMTPHost })},
	{"smtp-port", "CYBERNORMS_SMTP_PORT", "587", "SMTP relay port", integer(func(c *Config) *int { return &c.SMTPPort }, 1, 65535)},
	{"smtp-user", "CYBERNORMS_SMTP_USER", "", "SMTP user name", str(func(c *Config) *string { return &c.SMTPUser })},
	{"smtp-password", "CYBERNORMS_SMTP_PASSWORD", "", "SMTP password", str(func(c *Config) *string { return &c.SMTPPassword })},
	{"smtp-tls", "CYBERNORMS_SMTP_TLS", "starttls", "none, starttls or tls", str(func(c *Config) *string { return &c.SMTPTLS })},
	{"smtp-pool", "CYBERNORMS_SMTP_POOL", "4", "SMTP connections kept open", integer(func(c *Config) *int { return &c.SMTPPool }, 1, 64)},
	{"dkim-domain", "CYBERNORMS_DKIM_DOMAIN", "", "DKIM signing domain (d=)", str(func(c *Config) *string { return &c.DKIMDomain })},
	{"dkim-selector", "CYBERNORMS_DKIM_SELECTOR", "", "DKIM selector (s=)", str(func(c *Config) *string { return &c.DKIMSelector })},
	{"dkim-key-file", "CYBERNORMS_DKIM_KEY_FILE", "", "PEM file with the DKIM private key", str(func(c *Config) *string { return &c.DKIMKeyFile })},
	{"mail-rate", "CYBERNORMS_MAIL_RATE", "0", "bulk mail messages per second (0: no limit)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return fmt.Errorf("must be a number of messages per second, 0 or more")
		}
		c.MailRate = f
		return nil
	}},
	{"page-cache-mb", "CYBERNORMS_PAGE_CACHE_MB", "32", "memory for anonymous answers to public pages and API lists, dropped at every write (0: no cache)", integer(func(c *Config) *int { return &c.PageCacheMB }, 0, 4096)},
	{"memory-limit-mb", "CYBERNORMS_MEMORY_LIMIT_MB", "auto", "soft limit in MiB on the memory Go manages (the heap with the page cache, stacks), kept by collecting garbage more often as it nears; auto: the page cache's size plus 48 on PostgreSQL, plus 40 on SQLite, whose connections live in the same process outside this limit (two per processor, 4 to 8, each about 4 MiB under load with at most 1 MiB of cached pages); 0: no limit, Go's default collector; GOMEMLIMIT in the environment, if set, wins. The resident size adds the executable's own pages (about 35 MiB)", func(c *Config, v string) error {
		if v == "auto" {
			c.MemoryLimitMB = -1
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1<<20 {
			return fmt.Errorf("must be auto or a whole number of MiB from 0 to %d", 1<<20)
		}
		c.MemoryLimitMB = n
		return nil
	}},
	{"api-anonymous-per-minute", "CYBERNORMS_API_ANONYMOUS_PER_MINUTE", "600", "API requests a minute allowed to one client address without a token or session, in bursts of up to a tenth of it, per instance; beyond it 429 with Retry-After (0: no limit; the machine's own loopback is never limited)", integer(func(c *Config) *int { return &c.APIAnonymousPerMinute }, 0, 1000000)},
	{"master-key-file", "CYBERNORMS_MASTER_KEY_FILE", "", "file holding the master key that wraps the keys of sealed (encrypted) fields (cybernorms keys generate); empty, with no master-key either, means DATA_DIR/master.key, created if missing — keep production keys elsewhere", str(func(c *Config) *string { return &c.MasterKeyFile })},
	{"master-key", "CYBERNORMS_MASTER_KEY", "", "the master key itself, base64 (prefer the environment variable to the flag, which others can see in the process list)", str(func(c *Config) *string { return &c.MasterKey })},
	{"previous-master-key-file", "CYBERNORMS_PREVIOUS_MASTER_KEY_FILE", "", "during a rotation, the file holding the master key being replaced (still accepted for reading)", str(func(c *Config) *string { return &c.PreviousMasterKeyFile })},
	{"previous-master-key", "CYBERNORMS_PREVIOUS_MASTER_KEY", "", "during a rotation, the master key being replaced, base64", str(func(c *Config) *string { return &c.PreviousMasterKey })},
	{"chromium", "CYBERNORMS_CHROMIUM", "", "headless Chromium that makes the PDF downloads (e.g. /usr/bin/chromium); empty: chromium, chromium-browser or google-chrome on PATH, or /usr/bin/chromium; off: no PDFs (their links answer 503 saying why)", str(func(c *Config) *string { return &c.Chromium })},
	{"pdf-concurrency", "CYBERNORMS_PDF_CONCURRENCY", "1", "PDFs made at once by this instance (each runs a browser for a few seconds; made PDFs of submitted versions are kept in memory)", integer(func(c *Config) *int { return &c.PDFConcurrency }, 1, 8)},
	{"pdf-timeout", "CYBERNORMS_PDF_TIMEOUT", "60", "seconds one PDF may take, waiting for its turn included, before the request answers 503", integer(func(c *Config) *int { return &c.PDFTimeout }, 5, 600)},
	{"demo", "CYBERNORMS_DEMO", "false", "show a banner saying the site holds demonstration data", boolean(func(c *Config) *bool { return &c.Demo })},
}

// Load builds a Config from defaults, then the environment, then flags.
func Load(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	var c Config
	for _, o := range Options {
		if err := o.set(&c, o.Default); err != nil {
			return c, fmt.Errorf("default of %s: %w", o.Flag, err)
		}
	}
	for _, o := range Options {
		if v := getenv(o.Env); v != "" {
			if err := o.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", o.Env, err)
			}
		}
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(output)
	for _, o := range Options {
		fs.Var(flagValue{o, &c}, o.Flag, o.Help+" (env "+o.Env+", default "+strconv.Quote(o.Default)+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

// IsBool reports whether the option is a switch: "--hsts" alone means
// "--hsts=true" (a value must then be joined with "=").
func (o Option) IsBool() bool { return o.Default == "false" || o.Default == "true" }

// flagValue is an option as a flag.Value; switches are boolean flags.
type flagValue struct {
	o Option
	c *Config
}

func (v flagValue) String() string     { return "" }
func (v flagValue) Set(s string) error { return v.o.set(v.c, s) }
func (v flagValue) IsBoolFlag() bool   { return v.o.IsBool() }

func (c *Config) validate() error {
	if c.BaseURL == "" {
		// Links must lead to where the server listens: derive the base URL
		// from --addr (a wildcard host becomes the loopback address).
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return fmt.Errorf("addr: must be host:port, not %q", c.Addr)
		}
		switch host {
		case "", "0.0.0.0":
			host = "127.0.0.1"
		case "::":
			host = "::1"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
		c.BaseURLFromAddr = true
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base-url: must be an absolute http(s) URL, not %q", c.BaseURL)
	}
	if u, _ := url.Parse(c.BaseURL); u.Hostname() != "" {
		// Browsers refuse an IP address as a passkey's relying party (the
		// site's identity), except a loopback one, used as localhost.
		if ip := net.ParseIP(u.Hostname()); ip != nil && !ip.IsLoopback() {
			if c.BaseURLFromAddr {
				return fmt.Errorf("base-url: not set, and the one derived from --addr, %s, is an IP address, which passkeys refuse as the site's identity: set --base-url to the site's public address (https://a.domain.name)", c.BaseURL)
			}
			return fmt.Errorf("base-url: %q names an IP address, which passkeys refuse as the site's identity: use the site's domain name", c.BaseURL)
		}
	}
	if u, _ := url.Parse(c.BaseURL); u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("base-url: must be scheme://host[:port][/path] with no query, fragment or user, not %q", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return fmt.Errorf("database-url: must be a PostgreSQL URL postgres://user:password@host:port/database (empty for SQLite under data-dir)")
		}
	}
	if c.DataDir == "" {
		return fmt.Errorf("data-dir: must name a folder")
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("pprof-addr: must be a loopback host:port (127.0.0.1:6060, [::1]:6060 or localhost:6060), not %q: the profiles show the server's internals", c.PprofAddr)
		}
	}
	if c.DKIMKeyFile != "" && (c.DKIMDomain == "" || c.DKIMSelector == "") {
		return fmt.Errorf("dkim-domain and dkim-selector: both are required with dkim-key-file")
	}
	switch strings.ToUpper(c.Synchronous) {
	case "NORMAL", "FULL":
	default:
		return fmt.Errorf("sqlite-synchronous: must be NORMAL or FULL")
	}
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		return fmt.Errorf("smtp-tls: must be none, starttls or tls")
	}
	if c.MasterKey != "" && c.MasterKeyFile != "" {
		return fmt.Errorf("master-key and master-key-file: set one, not both")
	}
	if c.PreviousMasterKey != "" && c.PreviousMasterKeyFile != "" {
		return fmt.Errorf("previous-master-key and previous-master-key-file: set one, not both")
	}
	if c.TrustProxy && len(c.TrustedProxies) == 0 {
		return fmt.Errorf("trusted-proxies: trust-proxy needs the addresses of your proxies")
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		return fmt.Errorf("metrics-token: must be at least 32 characters")
	}
	if c.AuditKey != "" && c.AuditKeyFile != "" {
		return fmt.Errorf("audit-key and audit-key-file: set one, not both")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log-level: must be debug, info, warn or error")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log-format: must be text or json")
	}
	return nil
}

// Markdown renders the options table for the documentation.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, o := range Options {
		fmt.Fprintf(&b, "| `--%s` | `%s` | `%s` | %s |\n", o.Flag, o.Env, o.Default, o.Help)
	}
	return b.String()
}

// MemoryLimit is the Go runtime's soft memory limit serve sets, in bytes
// (0: none): the page cache lives in the heap, so the automatic limit is
// the cache's size plus 48 MiB for the application itself (a live heap of
// 20 to 30 MiB at rest) and the work of its requests; 40 on SQLite, whose
// connections (8 to 20 MiB under load) are in the same process but outside
// Go's heap: at the demo's scale 10 the server's peak under the load
// test's routes fell from 102.4 to 94.0 MiB, at no measurable cost in
// processor time a request (docs/performance.md, fourteenth session).
func (c Config) MemoryLimit() int64 {
	switch {
	case c.MemoryLimitMB < 0 && c.DatabaseURL == "":
		return int64(c.PageCacheMB+40) << 20
	case c.MemoryLimitMB < 0:
		return int64(c.PageCacheMB+48) << 20
	default:
		return int64(c.MemoryLimitMB) << 20
	}
}
