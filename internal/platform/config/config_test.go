package config

import (
	"io"
	"strings"
	"testing"
)

func TestBadSettingsNameTheFlagAndTheReason(t *testing.T) {
	none := func(string) string { return "" }
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--base-url", "example.org"}, "base-url: must be an absolute http(s) URL"},
		{[]string{"--base-url", "https://example.org/?x=1"}, "base-url: must be scheme://host"},
		{[]string{"--base-url", "https://192.0.2.1"}, "base-url: \"https://192.0.2.1\" names an IP address"},
		{[]string{"--addr", "192.0.2.1:8080"}, "base-url: not set, and the one derived from --addr"},
		{[]string{"--addr", "nonsense"}, "addr: must be host:port"},
		{[]string{"--database-url", "mysql://db/x"}, "database-url: must be a PostgreSQL URL"},
		{[]string{"--data-dir", ""}, "data-dir: must name a folder"},
		{[]string{"--dkim-key-file", "/k.pem"}, "dkim-domain and dkim-selector"},
		{[]string{"--log-format", "yaml"}, "log-format: must be text or json"},
		{[]string{"--workers", "-1"}, "workers"},
		{[]string{"--pprof-addr", "0.0.0.0:6060"}, "pprof-addr: must be a loopback host:port"},
		{[]string{"--pprof-addr", ":6060"}, "pprof-addr: must be a loopback host:port"},
		{[]string{"--pprof-addr", "192.0.2.1:6060"}, "pprof-addr: must be a loopback host:port"},
	}
	for _, c := range cases {
		_, err := Load(c.args, none, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	for _, ok := range [][]string{nil, {"--addr", "0.0.0.0:8080"}, {"--base-url", "https://cybernorms.example.org/"}, {"--database-url", "postgres://u:p@db:5432/cn?sslmode=require"}, {"--pprof-addr", "127.0.0.1:6060"}, {"--pprof-addr", "[::1]:6060"}} {
		if _, err := Load(ok, none, io.Discard); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

func TestSwitchesNeedNoValue(t *testing.T) {
	none := func(string) string { return "" }
	c, err := Load([]string{"--trust-proxy", "--hsts", "--demo=false", "--workers", "2"}, none, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !c.TrustProxy || !c.HSTS || c.Demo || c.Workers != 2 {
		t.Errorf("got trust-proxy %v, hsts %v, demo %v, workers %d", c.TrustProxy, c.HSTS, c.Demo, c.Workers)
	}
	if _, err := Load([]string{"--hsts=maybe"}, none, io.Discard); err == nil || !strings.Contains(err.Error(), "must be true or false") {
		t.Errorf("--hsts=maybe: %v", err)
	}
}

// The automatic memory limit leaves the page cache room above the
// application's own 48 MiB on PostgreSQL, 40 on SQLite (whose connections
// are in the process, outside the limit).
func TestMemoryLimit(t *testing.T) {
	none := func(string) string { return "" }
	pg := []string{"--database-url", "postgres://db.example.org/cybernorms"}
	for _, c := range []struct {
		args []string
		want int64
	}{
		{nil, 72 << 20},
		{[]string{"--page-cache-mb", "0"}, 40 << 20},
		{append([]string{"--page-cache-mb", "0"}, pg...), 48 << 20},
		{pg, 80 << 20},
		{[]string{"--page-cache-mb", "100", "--memory-limit-mb", "auto"}, 140 << 20},
		{append([]string{"--page-cache-mb", "100", "--memory-limit-mb", "auto"}, pg...), 148 << 20},
		{[]string{"--memory-limit-mb", "0"}, 0},
		{[]string{"--memory-limit-mb", "60"}, 60 << 20},
	} {
		cfg, err := Load(c.args, none, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.MemoryLimit(); got != c.want {
			t.Errorf("%v: limit %d, want %d", c.args, got, c.want)
		}
	}
	if _, err := Load([]string{"--memory-limit-mb", "lots"}, none, io.Discard); err == nil || !strings.Contains(err.Error(), "memory-limit-mb") {
		t.Errorf("a bad limit: %v", err)
	}
}
