package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as the server in a child process, so a
// test can kill it with SIGKILL.
func TestMain(m *testing.M) {
	if args := os.Getenv("CYBERNORMS_TEST_CHILD"); args != "" {
		if err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startChild(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args = append(args, "--addr="+addr)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "CYBERNORMS_TEST_CHILD="+strings.Join(args, "\x1f"))
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, "http://" + addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start: %s", logs.String())
	return nil, ""
}

// TestKilledServerKeepsEveryAcknowledgedWrite writes through the API while
// the server is killed with SIGKILL, restarts it, and checks that every write
// that was answered 201 is there and the audit chain is intact.
func TestKilledServerKeepsEveryAcknowledgedWrite(t *testing.T) {
	dir := t.TempDir()
	data := "--data-dir=" + filepath.Join(dir, "data")
	if _, err := runCLI(t, "a long enough passphrase\n", "user", "add", data, "--email", "sec@example.org", "--name", "Sec", "--role", "secretariat", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	token, err := runCLI(t, "", "token", "create", data, "--email", "sec@example.org")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	cmd, base := startChild(t, "serve", data, "--workers=1")

	// Each write replaces the French text of the current version and appends
	// an audit entry. The last acknowledged write must survive; a write sent
	// after it may also have committed before the kill without its answer
	// reaching the client, so the text found after restart is that one or a
	// later one, never an earlier one.
	lastAcked, lastSent := -1, -1
	stop := time.After(1500 * time.Millisecond)
	killed := make(chan struct{})
	go func() {
		<-stop
		_ = cmd.Process.Signal(syscall.SIGKILL)
		close(killed)
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-killed:
		default:
			lastSent = i
			req, _ := http.NewRequest("POST", base+"/api/v1/norms/gge2015-a/texts", strings.NewReader(fmt.Sprintf(`{"lang":"fr","text":"traduction numéro %d","source":"durability test","new_version":false}`, i)))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err == nil {
				if resp.StatusCode == http.StatusCreated {
					lastAcked = i
				}
				resp.Body.Close()
				continue
			}
		}
		break
	}
	_ = cmd.Wait()
	t.Logf("%d writes acknowledged before SIGKILL, %d sent", lastAcked+1, lastSent+1)
	if lastAcked < 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	_, base = startChild(t, "serve", data, "--workers=1")
	resp, err := http.Get(base + "/api/v1/norms/gge2015-a")
	if err != nil {
		t.Fatal(err)
	}
	var norm struct {
		Texts []struct{ Lang, Text string }
	}
	err = json.NewDecoder(resp.Body).Decode(&norm)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	found := -1
	for _, tx := range norm.Texts {
		if tx.Lang == "fr" {
			if _, err := fmt.Sscanf(tx.Text, "traduction numéro %d", &found); err != nil {
				t.Fatalf("French text %q after SIGKILL: %v", tx.Text, err)
			}
		}
	}
	if found < lastAcked || found > lastSent {
		t.Errorf("after SIGKILL the French text is write %d; the last acknowledged was %d and the last sent %d", found, lastAcked, lastSent)
	}
	out, err := runCLI(t, "", "audit", "verify", data)
	if err != nil || !strings.Contains(out, "intact") {
		t.Fatalf("audit chain after SIGKILL: %v %s", err, out)
	}
}
