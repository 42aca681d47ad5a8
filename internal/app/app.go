// Package app assembles the platform and the feature modules into one
// server. It is the only package that imports every feature.
package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cybernorms/cybernorms/internal/account"
	"github.com/cybernorms/cybernorms/internal/admin"
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/capacity"
	"github.com/cybernorms/cybernorms/internal/compendium"
	"github.com/cybernorms/cybernorms/internal/contacts"
	"github.com/cybernorms/cybernorms/internal/framework"
	"github.com/cybernorms/cybernorms/internal/home"
	"github.com/cybernorms/cybernorms/internal/incidents"
	"github.com/cybernorms/cybernorms/internal/monitoring"
	"github.com/cybernorms/cybernorms/internal/opendata"
	"github.com/cybernorms/cybernorms/internal/participation"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/api"
	"github.com/cybernorms/cybernorms/internal/platform/audit"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/clock"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/platform/mail"
	od "github.com/cybernorms/cybernorms/internal/platform/opendata"
	"github.com/cybernorms/cybernorms/internal/platform/pdf"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/internal/platform/throttle"
	"github.com/cybernorms/cybernorms/internal/platform/web"
	"github.com/cybernorms/cybernorms/internal/positions"
	"github.com/cybernorms/cybernorms/internal/reporting"
	"github.com/cybernorms/cybernorms/internal/setup"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/vep"
	"github.com/cybernorms/cybernorms/migrations"
)

// Version is the software version, shown in the OpenAPI document, /healthz
// and the footer of the back office (see platform.Build).
var Version = platform.Build().Version

// App is an assembled server.
type App struct {
	Config    config.Config
	Services  *platform.Services
	Spec      *api.Spec
	Registry  *prometheus.Registry
	Framework *framework.Store
	// OpenData is the registry of every module's open datasets, and Data
	// the module that publishes them (the CLI makes releases with it).
	OpenData *od.Registry
	Data     *opendata.Module

	// Setup makes the one-time link that creates the first secretariat
	// account (announced by Serve while there is none).
	Setup *setup.Module

	// PageCache holds anonymous answers to public GET requests; nil when
	// the page-cache-mb setting is 0.
	PageCache *web.PageCache

	handler http.Handler
	metrics http.Handler
	closers []func() error
	// elsewhere counts the changes other processes made to the database,
	// seen by watchAudit; the page cache's epoch includes it.
	elsewhere atomic.Uint64
}

// routable is what every feature module offers.
type routable interface{ Routes(r *web.Router) }

// Open opens and migrates the database. Commands that need only the
// database (user, token, audit, backup) use it without building the site.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, error) {
	if err := CheckDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	url := cfg.DatabaseURL
	if url == "" {
		url = filepath.Join(cfg.DataDir, "cybernorms.db")
	}
	// An unreachable database is a start-up error within seconds, not a
	// server that hangs on its first request.
	openCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	d, err := db.Open(openCtx, url, db.Options{Synchronous: cfg.Synchronous})
	cancel()
	if err != nil {
		if cfg.DatabaseURL != "" {
			return nil, fmt.Errorf("database-url: cannot reach %s: %w", redactURL(cfg.DatabaseURL), err)
		}
		return nil, fmt.Errorf("data-dir: cannot open the SQLite database %s: %w", url, err)
	}
	if d.AuditKey, err = AuditKey(cfg); err != nil {
		d.Close()
		return nil, err
	}
	applied, err := d.Migrate(ctx, migrations.FS)
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.Info("database migrated", "applied", applied)
	}
	if err := CheckSchemaNotNewer(ctx, d, migrations.FS); err != nil {
		d.Close()
		return nil, err
	}
	if err := states.Sync(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	fw := &framework.Store{DB: d}
	if err := fw.Seed(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("seed framework: %w", err)
	}
	return d, nil
}

// New builds the server on an open database.
func New(ctx context.Context, cfg config.Config, d *db.DB, log *slog.Logger) (*App, error) {
	spec := &api.Spec{Title: "cybernorms API", Version: Version,
		Description: "The open data and operations of cybernorms, the platform for the UN framework of responsible State behaviour in cyberspace. Every error has the shape {\"error\":{\"code\",\"message\",\"field\"}}. Lists are paginated with ?limit= and ?cursor= (the next_cursor of the previous page). Every successful GET carries an ETag; send it back in If-None-Match and an unchanged answer is 304 Not Modified with no body. Without a token or session, one client address may make 600 API requests a minute per instance by default (bursts of 60; the operator's --api-anonymous-per-minute), and beyond it gets 429 with Retry-After in seconds; requests with a token are not limited this way.",
		License:     api.License{Name: platform.DataLicence.Name, Identifier: platform.DataLicence.ID}}
	site, err := web.NewSite(log, spec)
	if err != nil {
		return nil, err
	}
	var demoRuns int // a database filled by `cybernorms demo` shows the demo banner
	_ = d.QueryRowContext(ctx, `SELECT COUNT(*) FROM demo_runs`).Scan(&demoRuns)
	site.Demo = cfg.Demo || demoRuns > 0
	site.Version = platform.Build().Short()
	site.SecureCookies = strings.HasPrefix(cfg.BaseURL, "https:") || cfg.HSTS
	a := &App{Config: cfg, Spec: spec, Registry: prometheus.NewRegistry()}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewDBStatsCollector(d.SQL, string(d.Dialect)))

	dkim, err := DKIM(cfg)
	if err != nil {
		return nil, err
	}
	keyring, err := seal.FromConfig(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := keyring.Check(ctx, d); err != nil {
		return nil, err
	}
	if n, err := (&auth.Store{DB: d, Seal: keyring}).UpgradeSecrets(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		log.Info("sealed TOTP secrets and re-hashed recovery codes stored by an earlier version", "rows", n)
	}
	svc := &platform.Services{
		DB: d, Site: site, Auth: &auth.Store{DB: d, KnownState: states.Known, Seal: keyring},
		Jobs: jobs.New(d, log), Seal: keyring, Log: log, BaseURL: cfg.BaseURL, DataDir: cfg.DataDir, MailFrom: cfg.MailFrom,
		Clock: clock.New(),
		PDF:   &pdf.Renderer{Path: pdf.FindChromium(cfg.Chromium), Concurrency: cfg.PDFConcurrency, Timeout: time.Duration(cfg.PDFTimeout) * time.Second},
	}
	if svc.PDF.Path == "" {
		log.Info("no Chromium found: PDF downloads answer 503 until one is installed (see --chromium)")
	}
	svc.Jobs.Workers = cfg.Workers
	svc.Jobs.Instance = jobInstance(cfg)
	if dkim != nil && cfg.SMTPHost == "" {
		log.Warn("dkim-key-file is set but mail goes to the outbox folder (no --smtp-host): nothing is signed")
	}
	if cfg.SMTPHost != "" {
		smtpCfg := mail.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUser, Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS, From: cfg.MailFrom}
		smtpCfg.DKIM = dkim
		pool, err := mail.NewSMTPPool(smtpCfg, cfg.SMTPPool)
		if err != nil {
			return nil, fmt.Errorf("smtp: %w", err)
		}
		svc.Mailer = pool
		a.closers = append(a.closers, pool.Close)
	} else {
		svc.OutboxDir = filepath.Join(cfg.DataDir, "outbox")
		svc.Mailer = mail.Outbox{Dir: svc.OutboxDir}
	}
	svc.RegisterMailJob()
	svc.Jobs.Register("sessions.purge", func(ctx context.Context, _ json.RawMessage) error {
		if err := svc.Auth.PurgeExpired(ctx); err != nil {
			return err
		}
		return svc.Jobs.PurgeFinished(ctx, 30*24*time.Hour)
	})
	svc.Jobs.Every("sessions.purge", time.Hour)
	a.Services = svc

	jobGauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "cybernorms_jobs", Help: "Background jobs by state."}, []string{"state"})
	a.Registry.MustRegister(prometheus.CollectorFunc(func(ch chan<- prometheus.Metric) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		stats, err := svc.Jobs.Stats(ctx)
		if err != nil {
			return
		}
		for _, s := range []string{jobs.StateQueued, jobs.StateDone, jobs.StateFailed} {
			jobGauge.WithLabelValues(s).Set(float64(stats[s]))
		}
		jobGauge.Collect(ch)
	}))

	a.Framework = &framework.Store{DB: d}
	modules, err := a.modules(svc)
	if err != nil {
		return nil, err
	}
	r := site.Router()
	for _, m := range modules {
		m.Routes(r)
	}
	r.API(api.Op{Method: "GET", Path: "/api/v1/openapi.json", Summary: "This OpenAPI 3.1 document", Tag: "meta", Response: map[string]any{}}, web.Public, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		api.WriteJSON(w, http.StatusOK, spec.Document())
	})
	metrics := promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{})
	a.metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		metrics.ServeHTTP(w, r)
	})

	if cfg.PageCacheMB > 0 {
		a.PageCache = &web.PageCache{MaxBytes: int64(cfg.PageCacheMB) << 20, Epoch: func() uint64 { return d.Changes() + a.elsewhere.Load() }}
	}
	a.handler = a.withMetrics(site.Handler(web.Options{Auth: svc.Auth, Metrics: web.NewMetrics(a.Registry), HSTS: cfg.HSTS, TrustedProxies: cfg.TrustProxy, ProxyNets: cfg.TrustedProxies, PageCache: a.PageCache,
		APIRate: &throttle.Rate{PerMinute: cfg.APIAnonymousPerMinute, Burst: max(cfg.APIAnonymousPerMinute/10, 1)}}))
	return a, nil
}

// modules builds every feature module in navigation order.
func (a *App) modules(svc *platform.Services) ([]routable, error) {
	site := svc.Site
	hm, err := home.New(site, svc.DB)
	if err != nil {
		return nil, err
	}
	fw, err := framework.New(site, a.Framework)
	if err != nil {
		return nil, err
	}
	st, err := states.New(site)
	if err != nil {
		return nil, err
	}
	acc, err := account.New(svc)
	if err != nil {
		return nil, err
	}
	adm, err := admin.New(svc)
	if err != nil {
		return nil, err
	}
	part, err := participation.New(svc)
	if err != nil {
		return nil, err
	}
	bul, err := bulletin.New(svc)
	if err != nil {
		return nil, err
	}
	rep, err := reporting.New(svc, a.Framework)
	if err != nil {
		return nil, err
	}
	comp, err := compendium.New(svc, a.Framework)
	if err != nil {
		return nil, err
	}
	mon, err := monitoring.New(svc, a.Framework)
	if err != nil {
		return nil, err
	}
	vp, err := vep.New(svc)
	if err != nil {
		return nil, err
	}
	con, err := contacts.New(svc)
	if err != nil {
		return nil, err
	}
	inc, err := incidents.New(svc, lawTopics(svc.DB), normNames(a.Framework))
	if err != nil {
		return nil, err
	}
	capb, err := capacity.New(svc, a.Framework, reportGaps{rep.Svc}, sessionCalendar{part.Service()})
	if err != nil {
		return nil, err
	}
	pos, err := positions.New(svc)
	if err != nil {
		return nil, err
	}
	// Every module's open datasets (its datasets.go), in catalogue order.
	a.OpenData = &od.Registry{Now: svc.Now}
	for _, sets := range [][]od.Dataset{reporting.Datasets(), compendium.Datasets(), monitoring.Datasets(), participation.Datasets(), bulletin.Datasets(), positions.Datasets(), capacity.Datasets(), contacts.Datasets(), incidents.Datasets(), vep.Datasets()} {
		if err := a.OpenData.Add(sets...); err != nil {
			return nil, err
		}
	}
	su, err := setup.New(svc, a.Config.SetupNetworks)
	if err != nil {
		return nil, err
	}
	a.Setup = su
	data, err := opendata.New(svc, a.OpenData)
	if err != nil {
		return nil, err
	}
	data.Service().RegisterJobs()
	a.Data = data
	site.Nav = []web.NavItem{{Path: "/norms", Key: "nav.norms"}, {Path: "/states", Key: "nav.states"}, {Path: "/reports", Key: "nav.reports"}, {Path: "/compendium", Key: "nav.compendium"}, {Path: "/monitoring", Key: "nav.monitoring"}, {Path: "/participation", Key: "nav.participation"}, {Path: "/bulletin", Key: "nav.bulletin"}, {Path: "/vep", Key: "nav.vep"}, {Path: "/contacts", Key: "nav.contacts"}, {Path: "/incidents", Key: "nav.incidents"}, {Path: "/capacity", Key: "nav.capacity"}, {Path: "/positions", Key: "nav.positions"}, {Path: "/data", Key: "nav.data"}}
	return []routable{hm, fw, st, acc, adm, su, part, bul, rep, comp, mon, vp, con, inc, capb, pos, data}, nil
}

// Handler is the server's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// MetricsHandler serves the Prometheus metrics, with no access check: it is
// what the separate metrics address (metrics-addr) serves.
func (a *App) MetricsHandler() http.Handler { return a.metrics }

// withMetrics serves /metrics on the main address only to the operator's
// bearer token (metrics-token); without one, /metrics is not found there.
// The metrics tell sign-in failures and traffic per route, which is no
// business of the public.
func (a *App) withMetrics(site http.Handler) http.Handler {
	token := a.Config.MetricsToken
	if token == "" {
		return site
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			site.ServeHTTP(w, r)
			return
		}
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "metrics need the operator's bearer token", http.StatusUnauthorized)
			return
		}
		a.metrics.ServeHTTP(w, r)
	})
}

// sqlTrace answers GET /debug/sql?path=URI on the debug address: it serves
// URI through the app (with the request's Authorization, Cookie and
// Accept-Language headers) and returns the SQL statements that request
// ran, in order, with their arguments, the answer's status and its size,
// as JSON. The load test's bare baseline runs the same statements
// (scripts/load). Reading the answer needs nothing the caller could not
// fetch from the app itself; the statements show the queries' texts.
func (a *App) sqlTrace() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Query().Get("path")
		if u, err := url.ParseRequestURI(path); err != nil || !strings.HasPrefix(path, "/") || u.Host != "" {
			http.Error(w, "path: must be a URI on this site, starting with /", http.StatusBadRequest)
			return
		}
		var tr db.Trace
		req := httptest.NewRequestWithContext(db.WithTrace(r.Context(), &tr), http.MethodGet, path, nil)
		req.RemoteAddr = r.RemoteAddr
		for _, h := range []string{"Authorization", "Cookie", "Accept-Language"} {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		rec := httptest.NewRecorder()
		a.handler.ServeHTTP(rec, req)
		type stmt struct {
			Query string        `json:"query"`
			Args  []db.TypedArg `json:"args"`
			Write bool          `json:"write,omitempty"`
		}
		out := struct {
			Status int    `json:"status"`
			Bytes  int    `json:"bytes"`
			Stmts  []stmt `json:"statements"`
		}{Status: rec.Code, Bytes: rec.Body.Len(), Stmts: []stmt{}}
		for _, s := range tr.Stmts {
			out.Stmts = append(out.Stmts, stmt{Query: s.Query, Args: db.TypeArgs(s.Args), Write: s.Write})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
}

// Close releases what the app opened (not the database).
func (a *App) Close() {
	for _, c := range a.closers {
		_ = c()
	}
}

// Serve listens on cfg.Addr and serves until ctx ends, then shuts down
// gracefully: it stops accepting, finishes requests in flight (up to 20 s)
// and stops the job workers.
func (a *App) Serve(ctx context.Context, ready chan<- string) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("addr: cannot listen on %s: %w", a.Config.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Services.Log.Handler(), slog.LevelWarn),
	}
	if limit := a.Config.MemoryLimit(); limit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
	jobCtx, stopJobs := context.WithCancel(context.Background())
	if a.Config.Workers > 0 {
		// The address is ours, so no live process on this host is this
		// instance: the jobs it held when it last stopped can run now.
		if n, err := a.Services.Jobs.Recover(ctx); err != nil {
			a.Services.Log.Error("recover jobs", "err", err)
		} else if n > 0 {
			a.Services.Log.Info("resumed the jobs this instance held when it last stopped", "jobs", n)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if a.Config.Workers > 0 {
			go a.Services.Jobs.Schedule(jobCtx)
			a.Services.Jobs.Run(jobCtx)
		}
	}()
	if a.PageCache != nil {
		// The starting point is read before the first request is served,
		// so a write made elsewhere just after start is never taken for it.
		last, err := audit.Tail(ctx, a.Services.DB)
		if err != nil {
			last = -1
		}
		go a.watchAudit(jobCtx, last, time.Second)
	}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			stopJobs()
			<-done
			return fmt.Errorf("metrics-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", a.metrics)
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		a.Services.Log.Info("serving metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
	}
	if a.Config.PprofAddr != "" {
		pln, err := net.Listen("tcp", a.Config.PprofAddr)
		if err != nil {
			_ = ln.Close()
			stopJobs()
			<-done
			return fmt.Errorf("pprof-addr: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		db.EnableTracing()
		mux.Handle("GET /debug/sql", a.sqlTrace())
		psrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- psrv.Serve(pln) }()
		defer psrv.Close()
		a.Services.Log.Info("serving profiles", "addr", "http://"+pln.Addr().String()+"/debug/pprof/")
	}
	a.Services.Log.Info("serving", "addr", "http://"+ln.Addr().String(), "database", a.Services.DB.Dialect, "base_url", a.Config.BaseURL)
	if a.Config.BaseURLFromAddr {
		a.Services.Log.Warn("no --base-url: e-mailed links and TAXII discovery use the base URL derived from --addr; set --base-url to the site's public address", "base_url", a.Config.BaseURL)
	}
	if err := a.Setup.Announce(ctx); err != nil {
		a.Services.Log.Error("setup link", "err", err)
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		stopJobs()
		<-done
		return err
	case <-ctx.Done():
	}
	a.Services.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopJobs()
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// AuditKey reads the audit chain's HMAC key from the configuration
// (audit-key-file or audit-key): base64 of at least 32 bytes, as
// `cybernorms keys generate` prints. None configured is nil: a plain chain.
func AuditKey(cfg config.Config) ([]byte, error) {
	v := cfg.AuditKey
	if cfg.AuditKeyFile != "" {
		b, err := os.ReadFile(cfg.AuditKeyFile)
		if err != nil {
			return nil, fmt.Errorf("audit-key-file: %w", err)
		}
		v = string(b)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		k, err = base64.RawURLEncoding.DecodeString(v)
	}
	if err != nil || len(k) < 32 {
		return nil, errors.New("audit key: must be base64 of at least 32 random bytes (cybernorms keys generate)")
	}
	return k, nil
}

// SplitList splits a comma-separated flag value.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// watchAudit notices writes made by other processes on the same database
// (another instance, the CLI) by the growth of the audit log, which every
// write appends to, so that the page cache drops what they made stale
// within about one interval.
func (a *App) watchAudit(ctx context.Context, last int64, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if seq, err := audit.Tail(ctx, a.Services.DB); err == nil && seq != last {
			if last >= 0 {
				a.elsewhere.Add(1)
			}
			last = seq
		}
	}
}

// lawTopics lets the incidents module read the positions module's topics of
// international law, through the small reader the incidents module declares.
func lawTopics(d *db.DB) incidents.TopicReader {
	return func(ctx context.Context) ([]incidents.LawTopic, error) {
		ts, err := positions.Topics(ctx, d)
		if err != nil {
			return nil, err
		}
		out := make([]incidents.LawTopic, len(ts))
		for i, t := range ts {
			out[i] = incidents.LawTopic{ID: t.ID, Title: t.In(web.LangOf(ctx)).Title}
		}
		return out, nil
	}
}

// normNames names the framework's norms for the incidents module, in the
// reader's language where the framework has their titles in it.
func normNames(fw *framework.Store) incidents.NormReader {
	return func(ctx context.Context, lang string) ([]incidents.NormRef, error) {
		ns, err := fw.Norms(ctx, "", lang)
		if err != nil {
			return nil, err
		}
		out := make([]incidents.NormRef, len(ns))
		for i, n := range ns {
			out[i] = incidents.NormRef{ID: n.ID, Label: n.Label(), Title: n.ShortTitle, Lang: n.TitleLang}
		}
		return out, nil
	}
}

// jobInstance names this instance for the job queue: the host, the address
// it serves and its data folder. Restarted with the same configuration it
// has the same name, and takes back its unfinished jobs at once.
func jobInstance(cfg config.Config) string {
	host, _ := os.Hostname()
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		dir = cfg.DataDir
	}
	return host + " " + cfg.Addr + " " + dir
}
