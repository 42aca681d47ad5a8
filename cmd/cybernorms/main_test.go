package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	data := "--data-dir=" + filepath.Join(dir, "data")
	t.Run("user add creates an account from a password on standard input", func(t *testing.T) {
		out, err := runCLI(t, "a long enough passphrase\n", "user", "add", data, "--email", "Sec@Example.org", "--name", "Sec", "--role", "secretariat", "--password-stdin")
		if err != nil || !strings.Contains(out, "created sec@example.org") || !strings.Contains(out, "second factor") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("user add refuses bad input and says which flag", func(t *testing.T) {
		cases := []struct {
			args []string
			want string
		}{
			{[]string{"--email", "x@example.org", "--name", "X", "--role", "king", "--password-stdin"}, "--role"},
			{[]string{"--email", "x@example.org", "--name", "X", "--role", "state-editor", "--password-stdin"}, "--state"},
			{[]string{"--email", "x@example.org", "--name", "X", "--role", "state-editor", "--state", "XYZ", "--password-stdin"}, "not a known State"},
			{[]string{"--email", "not-an-address", "--name", "X", "--role", "secretariat", "--password-stdin"}, "--email"},
			{[]string{"--email", "sec@example.org", "--name", "X", "--role", "secretariat", "--password-stdin"}, "already exists"},
			{[]string{"--email", "y@example.org", "--name", "X", "--role", "secretariat"}, "--password-stdin is required"},
			{[]string{"--email", "y@example.org", "--name", "X", "--role", "stakeholder", "--org", "nope", "--password-stdin"}, "no organisation"},
		}
		for _, c := range cases {
			args := append([]string{"user", "add", data}, c.args...)
			out, err := runCLI(t, "a long enough passphrase\n", args...)
			if err == nil || !strings.Contains(err.Error()+out, c.want) {
				t.Errorf("%v: err %v out %s, want %q", c.args, err, out, c.want)
			}
		}
		if _, err := runCLI(t, "short\n", "user", "add", data, "--email", "z@example.org", "--name", "Z", "--role", "secretariat", "--password-stdin"); err == nil || !strings.Contains(err.Error(), "12") {
			t.Errorf("short password: %v", err)
		}
	})
	t.Run("token create prints a token once", func(t *testing.T) {
		out, err := runCLI(t, "", "token", "create", data, "--email", "sec@example.org", "--name", "ci")
		if err != nil || !strings.HasPrefix(out, "cn_") {
			t.Fatalf("%v: %s", err, out)
		}
		if _, err := runCLI(t, "", "token", "create", data, "--email", "nobody@example.org"); err == nil {
			t.Fatal("token for an unknown account")
		}
	})
	t.Run("audit verify checks the chain the commands wrote", func(t *testing.T) {
		out, err := runCLI(t, "", "audit", "verify", data)
		if err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("backup writes a usable copy and refuses to overwrite", func(t *testing.T) {
		target := filepath.Join(dir, "backup.db")
		out, err := runCLI(t, "", "backup", data, target)
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if st, err := os.Stat(target); err != nil || st.Size() == 0 {
			t.Fatalf("backup file: %v", err)
		}
		restored := filepath.Join(dir, "restored")
		if err := os.MkdirAll(restored, 0o755); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(target)
		if err := os.WriteFile(filepath.Join(restored, "cybernorms.db"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err = runCLI(t, "", "audit", "verify", "--data-dir="+restored)
		if err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("restored copy: %v: %s", err, out)
		}
		if _, err := runCLI(t, "", "backup", data, target); err == nil {
			t.Fatal("backup overwrote an existing file")
		}
	})
	t.Run("bulletin suppress marks listed addresses and reports refused lines", func(t *testing.T) {
		d, err := openDB(context.Background(), []string{data}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		_, err = d.ExecContext(context.Background(), `INSERT INTO bulletin_subscribers (id, email, lang, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"sub1", "reader@example.org", "en", "confirmed", now, now)
		d.Close()
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "bounces.csv")
		if err := os.WriteFile(file, []byte("# relay export\nreader@example.org,complaint\nnobody@example.org\nnot an address\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := runCLI(t, "", "bulletin", "suppress", data, file)
		if err != nil || !strings.Contains(out, "1 marked, 1 unknown, 1 refused") || !strings.Contains(out, "line 4") {
			t.Fatalf("%v: %s", err, out)
		}
		d, err = openDB(context.Background(), []string{data}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var status string
		if err := d.QueryRowContext(context.Background(), `SELECT status FROM bulletin_subscribers WHERE id = 'sub1'`).Scan(&status); err != nil || status != "complained" {
			t.Fatalf("status %q, %v", status, err)
		}
		if _, err := runCLI(t, "", "bulletin", "suppress", data); err == nil {
			t.Fatal("no file: no error")
		}
		out, err = runCLI(t, "", "audit", "verify", data)
		if err != nil || !strings.Contains(out, "intact") {
			t.Fatalf("%v: %s", err, out)
		}
	})
	t.Run("an unknown command is an error", func(t *testing.T) {
		if _, err := runCLI(t, "", "frobnicate"); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a bad setting is an error naming it", func(t *testing.T) {
		if _, err := runCLI(t, "", "migrate", "--sqlite-synchronous=sometimes", data); err == nil || !strings.Contains(err.Error(), "synchronous") {
			t.Fatalf("%v", err)
		}
	})
}

func TestAuditVerifyWithKey(t *testing.T) {
	dir := t.TempDir()
	data := "--data-dir=" + filepath.Join(dir, "data")
	keyFile := filepath.Join(dir, "audit.key")
	if err := os.WriteFile(keyFile, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	key := "--audit-key-file=" + keyFile
	if out, err := runCLI(t, "a long enough passphrase\n", "user", "add", data, key, "--email", "k@example.org", "--name", "K", "--role", "secretariat", "--password-stdin"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := runCLI(t, "", "audit", "verify", data, key, "--require-keyed")
	if err != nil || !strings.Contains(out, "every entry is keyed") {
		t.Fatalf("verify with the key: %v: %s", err, out)
	}
	if out, err := runCLI(t, "", "audit", "verify", data); err == nil {
		t.Fatalf("keyed entries verified without the key: %s", out)
	}
	if out, err := runCLI(t, "", "audit", "verify", data, "--audit-key=c2hvcnQ="); err == nil {
		t.Fatalf("a short audit key was accepted: %s", out)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version"} {
		out, err := runCLI(t, "", arg)
		if err != nil || !strings.HasPrefix(out, "cybernorms 0.") || !strings.Contains(out, "revision:") || !strings.Contains(out, "commit time:") {
			t.Errorf("%s: %v: %s", arg, err, out)
		}
	}
}

// TestServeRefusesABadConfigurationAtStart: a configuration the server
// cannot work with stops serve before it listens, naming the flag and the
// reason.
func TestServeRefusesABadConfigurationAtStart(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	badKey := filepath.Join(dir, "dkim.pem")
	if err := os.WriteFile(badKey, []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := "--data-dir=" + filepath.Join(dir, "data")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{data, "--database-url", "postgres://u:secret@127.0.0.1:1/x?connect_timeout=2"}, "database-url: cannot reach postgres://u:xxxxx@127.0.0.1:1/x"},
		{[]string{data, "--base-url", "not a url"}, "base-url:"},
		{[]string{data, "--smtp-host", "relay.example.org", "--dkim-key-file", badKey, "--dkim-domain", "example.org", "--dkim-selector", "s1"}, "dkim-key-file: " + badKey + " is not a usable DKIM key"},
		{[]string{"--data-dir", filepath.Join(notDir, "data")}, "data-dir: cannot create"},
		{[]string{data, "--master-key-file", filepath.Join(dir, "missing.key")}, "master-key-file:"},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var out bytes.Buffer
		err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...), strings.NewReader(""), &out, &out)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the database password is in the message: %v", err)
		}
	}
}
