package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/bulletin"
	"github.com/cybernorms/cybernorms/internal/platform"
	"github.com/cybernorms/cybernorms/internal/platform/auth"
	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
	"github.com/cybernorms/cybernorms/internal/platform/seal"
	"github.com/cybernorms/cybernorms/internal/states"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// The tests of the deployment that docs/deploy.md describes, with the files
// of deploy/ as shipped: the systemd unit checked by systemd-analyze, and
// nginx (Debian's package) in front of two instances on one PostgreSQL
// database. Without the tools they say so and skip; with
// CYBERNORMS_REQUIRE_ALL=1 (CI) a missing tool is a failure.

// needTool finds a program in PATH or /usr/sbin.
func needTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/sbin/" + name; fileExists(p) {
		return p
	}
	if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
		t.Fatalf("CYBERNORMS_REQUIRE_ALL=1 but %s is not installed", name)
	}
	t.Skipf("%s skipped: %s is not installed", t.Name(), name)
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestSystemdUnitVerifies checks deploy/systemd/cybernorms@.service with
// systemd-analyze: no unknown or misspelt setting, and a sandbox whose
// exposure score stays at "OK" or better (2.0 of 10 at most).
func TestSystemdUnitVerifies(t *testing.T) {
	sa := needTool(t, "systemd-analyze")
	unit, err := os.ReadFile("../../deploy/systemd/cybernorms@.service")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(unit, []byte("ExecStart=/usr/local/bin/cybernorms serve")) {
		t.Fatal("the unit no longer starts /usr/local/bin/cybernorms serve")
	}
	// verify checks that the program exists: point it at this test binary.
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit = bytes.ReplaceAll(unit, []byte("/usr/local/bin/cybernorms"), []byte(exe))
	if err := os.WriteFile(filepath.Join(dir, "cybernorms@.service"), unit, 0o644); err != nil {
		t.Fatal(err)
	}
	instance := filepath.Join(dir, "cybernorms@8081.service")
	out, err := exec.Command(sa, "verify", "--man=no", instance).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(sa, "security", "--offline=yes", "--threshold=20", instance).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: exposure above 2.0 (%v)\n%s", err, out)
	}
	if m := regexp.MustCompile(`Overall exposure level for .*`).Find(out); m != nil {
		t.Log(string(m))
	}
}

// lockedBuffer collects a child's output, written by exec's goroutine and
// read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// instance is a cybernorms serve process started by a test.
type instance struct {
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
}

// spawn starts "cybernorms serve" as a child process on a free address,
// without waiting for it to answer.
func spawn(t *testing.T, args ...string) *instance {
	t.Helper()
	return spawnAt(t, freeAddr(t), args...)
}

// spawnAt starts "cybernorms serve" on the given address (a restarted
// instance takes its predecessor's place behind the proxy).
func spawnAt(t *testing.T, addr string, args ...string) *instance {
	t.Helper()
	in := &instance{addr: addr, logs: &lockedBuffer{}}
	args = append(append([]string{"serve"}, args...), "--addr="+in.addr)
	in.cmd = exec.Command(os.Args[0])
	in.cmd.Env = append(os.Environ(), "CYBERNORMS_TEST_CHILD="+strings.Join(args, "\x1f"))
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.cmd.Process.Kill(); _ = in.cmd.Wait() })
	return in
}

// waitHealthy waits until GET url answers 200.
func waitHealthy(t *testing.T, c *http.Client, u string, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer: %s", u, logs)
}

// newDatabase creates an empty PostgreSQL database next to the test
// database and drops it at the end; it returns its URL.
func newDatabase(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	admin, err := db.Open(ctx, base, db.Options{MaxOpenConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	name := "cn_deploy_" + strings.ToLower(id.New())
	if _, err := admin.SQL.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.SQL.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// testCertificate writes a self-signed certificate for localhost and
// 127.0.0.1 and returns its files and a pool that trusts it.
func testCertificate(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// nginxConfig turns deploy/nginx/cybernorms.conf into one that runs here:
// the two upstreams, test ports, the test certificate. Every replaced line
// must be in the shipped file, so the test follows it.
func nginxConfig(t *testing.T, dir, upstreamA, upstreamB, httpsAddr, httpAddr, cert, key string) string {
	t.Helper()
	site, err := os.ReadFile("../../deploy/nginx/cybernorms.conf")
	if err != nil {
		t.Fatal(err)
	}
	s := string(site)
	for _, r := range [][2]string{
		{"server 127.0.0.1:8081 ", "server " + upstreamA + " "},
		{"server 127.0.0.1:8082 ", "server " + upstreamB + " "},
		{"    listen 80;\n", "    listen " + httpAddr + ";\n"},
		{"    listen [::]:80;\n", ""},
		{"    listen 443 ssl http2;\n", "    listen " + httpsAddr + " ssl http2;\n"},
		{"    listen [::]:443 ssl http2;\n", ""},
		{"/etc/letsencrypt/live/cybernorms.example.org/fullchain.pem", cert},
		{"/etc/letsencrypt/live/cybernorms.example.org/privkey.pem", key},
		{"server_name cybernorms.example.org;", "server_name localhost;"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("deploy/nginx/cybernorms.conf no longer has %q: update this test with it", r[0])
		}
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	siteFile := filepath.Join(dir, "cybernorms.conf")
	if err := os.WriteFile(siteFile, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root root;\n" // the workers write their temporary files in the test's folder
	}
	main := fmt.Sprintf(`%sworker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s;
}
`, user, dir, siteFile)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

var secretRE = regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`)

// TestDeploymentBehindNginx runs the deployment of docs/deploy.md: two
// instances started at once on one empty PostgreSQL database (the first
// start migrates it, the other waits for the lock), behind nginx over TLS
// with deploy/nginx/cybernorms.conf; a secretariat signs in through the
// proxy; a write on one instance is read on the other with the same
// session; a backup is taken; one instance is killed with SIGKILL while
// clients read through the proxy, and no client that retries an idempotent
// request once sees an error; the backup restored into a new database holds
// what was written before it, with its audit chain intact.
func TestDeploymentBehindNginx(t *testing.T) {
	nginx := needTool(t, "nginx")
	pgRestore := needTool(t, "pg_restore")
	needTool(t, "pg_dump")
	base := os.Getenv("CYBERNORMS_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CYBERNORMS_REQUIRE_ALL") == "1" {
			t.Fatal("CYBERNORMS_REQUIRE_ALL=1 but CYBERNORMS_TEST_DATABASE_URL is not set")
		}
		t.Skip("PostgreSQL skipped: set CYBERNORMS_TEST_DATABASE_URL to run the deployment test")
	}
	ctx := context.Background()
	dir := t.TempDir()
	dbURL := newDatabase(t, base)

	// The keys as files, as the systemd unit hands them over; one data
	// folder shared by both instances.
	masterKey, auditKey := filepath.Join(dir, "master.key"), filepath.Join(dir, "audit.key")
	for _, f := range []string{masterKey, auditKey} {
		if err := os.WriteFile(f, []byte(seal.Generate()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	httpsAddr, httpAddr := freeAddr(t), freeAddr(t)
	_, port, _ := net.SplitHostPort(httpsAddr)
	site := "https://localhost:" + port
	shared := []string{"--database-url=" + dbURL, "--data-dir=" + filepath.Join(dir, "data"),
		"--master-key-file=" + masterKey, "--audit-key-file=" + auditKey}
	// Mail goes to a real SMTP server on loopback, slow enough (2 ms a
	// message) that a bulletin send can be interrupted.
	sink := testrig.StartSMTPSink(t, 2*time.Millisecond)
	serverArgs := append(append([]string{}, shared...), "--base-url="+site, "--trust-proxy", "--hsts", "--workers=1",
		"--smtp-host="+sink.Host, fmt.Sprintf("--smtp-port=%d", sink.Port), "--smtp-tls=none", "--smtp-pool=2")

	// Both instances start at once on the empty database.
	a, b := spawn(t, serverArgs...), spawn(t, serverArgs...)
	direct := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	waitHealthy(t, direct, "http://"+a.addr+"/healthz", a.logs)
	waitHealthy(t, direct, "http://"+b.addr+"/healthz", b.logs)

	// nginx with the shipped site file.
	ngDir := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(ngDir, 0o755); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, pool := testCertificate(t, ngDir)
	conf := nginxConfig(t, ngDir, a.addr, b.addr, httpsAddr, httpAddr, certFile, keyFile)
	ngLogs := &lockedBuffer{}
	ng := exec.Command(nginx, "-e", filepath.Join(ngDir, "error.log"), "-p", ngDir, "-c", conf, "-g", "daemon off;")
	ng.Stdout, ng.Stderr = ngLogs, ngLogs
	if err := ng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ng.Process.Signal(syscall.SIGQUIT); _ = ng.Wait() })

	// A browser that reaches "localhost" at the proxy's address and trusts
	// the test certificate.
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, httpsAddr)
		},
		MaxIdleConnsPerHost: 16,
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Transport: transport, Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	waitHealthy(t, browser, site+"/healthz", ngLogs)

	t.Run("plain HTTP is redirected to HTTPS, and HTTPS answers carry HSTS", func(t *testing.T) {
		req, _ := http.NewRequest("GET", "http://"+httpAddr+"/norms", nil)
		req.Host = "localhost"
		resp, err := direct.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(resp.Header.Get("Location"), "https://localhost/norms") {
			t.Errorf("http: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, err = browser.Get(site + "/norms")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("https: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
		}
	})

	// The first secretariat account, then its sign-in through the proxy
	// with the second factor it enrols, as a browser does it (with Origin).
	d, err := openDB(ctx, shared, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	store := &auth.Store{DB: d, KnownState: states.Known}
	const password = "a deployment test passphrase"
	secretariat, err := store.Create(cliActor(ctx), auth.NewUser{Email: "sec@example.org", Name: "Secretariat", Role: auth.RoleSecretariat, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	post := func(c *http.Client, target string, form url.Values, cookies []*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", site)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	get := func(c *http.Client, target string, cookies []*http.Cookie) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", target, nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	resp := post(browser, site+"/signin", url.Values{"email": {"sec@example.org"}, "password": {password}}, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin/second-factor") {
		t.Fatalf("sign in through the proxy: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page := get(browser, site+"/signin/second-factor", nil)
	m := secretRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no enrolment secret on the second-factor page: %s", page)
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp = post(browser, site+"/signin/enrol", url.Values{"secret": {m[1]}, "code": {code}, "next": {"/"}}, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("enrol the second factor through the proxy: %d", resp.StatusCode)
	}
	siteURL, _ := url.Parse(site)
	session := jar.Cookies(siteURL)
	if len(session) == 0 || !strings.HasPrefix(session[0].Name, "__Host-") {
		t.Fatalf("session cookies over TLS should be __Host- prefixed: %v", session)
	}

	t.Run("a write on one instance is read on the other with the same session", func(t *testing.T) {
		resp := post(direct, "http://"+a.addr+"/admin/organisations", url.Values{"slug": {"before-backup"}, "name": {"Written Before The Backup"}, "kind": {"ngo"}}, session)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create an organisation on instance A: %d %s", resp.StatusCode, body)
		}
		status, page := get(direct, "http://"+b.addr+"/admin/organisations", session)
		if status != 200 || !strings.Contains(page, "Written Before The Backup") {
			t.Fatalf("instance B with the same session: %d, organisation listed: %v", status, strings.Contains(page, "Written Before The Backup"))
		}
		for i := 0; i < 4; i++ { // through the proxy, which alternates
			if status, body := get(browser, site+"/admin/organisations", nil); status != 200 || !strings.Contains(body, "Written Before The Backup") {
				t.Fatalf("through the proxy, request %d: %d", i, status)
			}
		}
	})

	backup := filepath.Join(dir, "before.dump")
	if out, err := runCLI(t, "", append(append([]string{"backup"}, shared...), backup)...); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	resp = post(browser, site+"/admin/organisations", url.Values{"slug": {"after-backup"}, "name": {"Written After The Backup"}, "kind": {"ngo"}}, nil)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create an organisation through the proxy: %d", resp.StatusCode)
	}

	t.Run("killing an instance under load loses no request that is retried once", func(t *testing.T) {
		paths := []string{"/norms", "/states", "/api/v1/norms", "/healthz", "/reports"}
		var served, retried, afterKill atomic.Int64
		var killed atomic.Bool
		var mu sync.Mutex
		var failures []string
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					p := paths[(w+i)%len(paths)]
					var last string
					ok := false
					for attempt := 0; attempt < 2 && !ok; attempt++ {
						if attempt > 0 {
							retried.Add(1)
						}
						req, _ := http.NewRequest("GET", site+p, nil)
						resp, err := browser.Do(req)
						if err != nil {
							last = err.Error()
							continue
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode == 200 {
							ok = true
						} else {
							last = fmt.Sprintf("status %d", resp.StatusCode)
						}
					}
					if !ok {
						mu.Lock()
						failures = append(failures, p+": "+last)
						mu.Unlock()
						continue
					}
					served.Add(1)
					if killed.Load() {
						afterKill.Add(1)
					}
				}
			}(w)
		}
		time.Sleep(700 * time.Millisecond)
		if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = a.cmd.Wait()
		killed.Store(true)
		time.Sleep(2 * time.Second)
		close(stop)
		wg.Wait()
		t.Logf("%d requests served, %d after the kill, %d retried by the client", served.Load(), afterKill.Load(), retried.Load())
		if len(failures) > 0 {
			t.Fatalf("%d requests failed even when retried: %v", len(failures), failures[:min(len(failures), 5)])
		}
		if afterKill.Load() == 0 {
			t.Fatal("nothing was served after the kill")
		}
		// The session lives in the database: still signed in, still writing.
		if status, _ := get(browser, site+"/admin/organisations", nil); status != 200 {
			t.Fatalf("signed-in page after the kill: %d", status)
		}
		resp := post(browser, site+"/admin/organisations", url.Values{"slug": {"after-kill"}, "name": {"Written After The Kill"}, "kind": {"ngo"}}, nil)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("write after the kill: %d", resp.StatusCode)
		}
	})

	t.Run("a bulletin send whose instance is killed is finished by the other without a duplicate", func(t *testing.T) {
		// The killed instance comes back first, so two instances work again.
		a = spawnAt(t, a.addr, serverArgs...)
		waitHealthy(t, direct, "http://"+a.addr+"/healthz", a.logs)
		const subscribers = 1500
		issueID := publishIssue(t, shared, secretariat, subscribers)
		// Which instance claimed the send: its claim names its address.
		d, err := openDB(ctx, shared, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var holder, survivor *instance
		deadline := time.Now().Add(time.Minute)
		for holder == nil || sink.Count() < subscribers/5 {
			if time.Now().After(deadline) {
				t.Fatalf("no instance sent a fifth of the issue within a minute (%d messages; holder %v)\nA: %s\nB: %s", sink.Count(), holder != nil, a.logs, b.logs)
			}
			var lockedBy string
			err := d.QueryRowContext(ctx, `SELECT locked_by FROM jobs WHERE kind = ? AND locked_by <> '' ORDER BY id LIMIT 1`, bulletin.JobSend).Scan(&lockedBy)
			if err == nil {
				for _, in := range []*instance{a, b} {
					if strings.Contains(lockedBy, " "+in.addr+" ") {
						holder = in
					}
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		survivor = b
		if holder == b {
			survivor = a
		}
		if err := holder.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = holder.cmd.Wait()
		killedAt, atKill := time.Now(), sink.Count()
		t.Logf("killed the sending instance %s after %d messages", holder.addr, atKill)
		if atKill >= subscribers {
			t.Fatalf("the send finished (%d messages) before the kill", atKill)
		}
		// The survivor takes the send over once the dead instance's lease
		// runs out (20 s), and finishes it.
		svc := &bulletin.Service{Services: &platform.Services{DB: d}}
		resumed := time.Duration(0)
		for {
			if resumed == 0 && sink.Count() > atKill+2 { // +2: the replies lost with the killed process
				resumed = time.Since(killedAt)
			}
			p, err := svc.SendProgress(ctx, issueID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status == "done" {
				t.Logf("resumed by %s %v after the kill; progress %+v", survivor.addr, resumed.Round(time.Millisecond), p)
				if p.Sent+p.Uncertain != subscribers || p.Remaining != 0 || p.Failed != 0 {
					t.Fatalf("progress %+v, want every delivery sent or uncertain", p)
				}
				if p.Uncertain > 2 {
					t.Errorf("%d uncertain deliveries, want at most one per connection of the killed instance (2)", p.Uncertain)
				}
				missing := 0
				got := sink.Copies()
				for i := 0; i < subscribers; i++ {
					switch n := got[fmt.Sprintf("reader%04d@example.org", i)]; n {
					case 0:
						missing++
					case 1:
					default:
						t.Errorf("reader%04d received %d copies", i, n)
					}
				}
				if missing > p.Uncertain {
					t.Errorf("%d subscribers never received the issue, only %d are reported uncertain", missing, p.Uncertain)
				}
				break
			}
			if time.Since(killedAt) > 2*time.Minute {
				t.Fatalf("the send is not finished 2 minutes after the kill: %+v\nsurvivor: %s", p, survivor.logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if resumed == 0 || resumed > 30*time.Second {
			t.Errorf("the other instance resumed the send %v after the kill, want within 30 s", resumed)
		}
	})

	t.Run("the backup restored into a new database holds what was written before it", func(t *testing.T) {
		restored := newDatabase(t, base)
		out, err := exec.Command(pgRestore, "--no-owner", "--exit-on-error", "-d", restored, backup).CombinedOutput()
		if err != nil {
			t.Fatalf("pg_restore: %v\n%s", err, out)
		}
		restoredArgs := []string{"--database-url=" + restored, "--data-dir=" + filepath.Join(dir, "data"),
			"--master-key-file=" + masterKey, "--audit-key-file=" + auditKey}
		if out, err := runCLI(t, "", append([]string{"audit", "verify", "--require-keyed"}, restoredArgs...)...); err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("audit verify on the restored database: %v %s", err, out)
		}
		r := spawn(t, restoredArgs...)
		waitHealthy(t, direct, "http://"+r.addr+"/healthz", r.logs)
		status, body := get(direct, "http://"+r.addr+"/participation/organisations/before-backup", nil)
		if status != 200 || !strings.Contains(body, "Written Before The Backup") {
			t.Errorf("organisation written before the backup: %d", status)
		}
		if status, _ := get(direct, "http://"+r.addr+"/participation/organisations/after-backup", nil); status != http.StatusNotFound {
			t.Errorf("organisation written after the backup: %d, want 404", status)
		}
	})
}

// TestAnOlderBinaryRefusesANewerDatabase: migrations are forward-only, so a
// binary older than the database's schema stops at start with the reason,
// instead of running on tables it does not know.
func TestAnOlderBinaryRefusesANewerDatabase(t *testing.T) {
	data := "--data-dir=" + filepath.Join(t.TempDir(), "data")
	if out, err := runCLI(t, "", "migrate", data); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	d, err := openDB(context.Background(), []string{data}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// What a later release's migration leaves behind.
	if _, err := d.ExecContext(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, 9999, "from_the_future", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	d.Close()
	out, err := runCLI(t, "", "migrate", data)
	if err == nil || !strings.Contains(err.Error(), "data-dir: the database was migrated by a newer cybernorms (migration 9999") {
		t.Fatalf("migrate on a newer database: %v %s", err, out)
	}
}

// publishIssue makes a published bulletin issue with one TLP:CLEAR item and
// a list of confirmed subscribers (reader0000@example.org…), and starts its
// send; the running instances' workers do the sending.
func publishIssue(t *testing.T, shared []string, secretariat *auth.User, subscribers int) string {
	t.Helper()
	ctx := cliActor(context.Background())
	cfg, log, err := load(shared, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a, err := app.New(ctx, cfg, d, log)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := bulletin.NewService(a.Services)
	if err != nil {
		t.Fatal(err)
	}
	store := &auth.Store{DB: d, KnownState: states.Known}
	contributor, err := store.Create(ctx, auth.NewUser{Email: "analyst@example.org", Name: "Analyst", Role: auth.RoleStakeholder, OrgSlug: "before-backup", Password: "an analyst's long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := svc.CreateItem(ctx, contributor, bulletin.ItemInput{Kind: "threat", Title: "Spearphishing of ministries", Summary: "Attachments that install a loader.", TLP: "TLP:CLEAR"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SubmitItem(ctx, contributor, it.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.ReviewItem(ctx, secretariat, it.ID, "approve", ""); err != nil {
		t.Fatal(err)
	}
	is, err := svc.CreateIssue(ctx, secretariat, bulletin.IssueInput{Quarter: "2027 Q1", Foreword: "The first quarter."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateIssue(ctx, secretariat, is.ID, bulletin.IssueInput{Foreword: "The first quarter.", ItemIDs: []string{it.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PublishIssue(ctx, secretariat, is.ID); err != nil {
		t.Fatal(err)
	}
	addrs := make([]string, subscribers)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("reader%04d@example.org", i)
	}
	if _, err := svc.BulkConfirmed(ctx, addrs, "en"); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartSending(ctx, secretariat, is.ID, 0); err != nil {
		t.Fatal(err)
	}
	return is.ID
}
