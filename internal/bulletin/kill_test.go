package bulletin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/app"
	"github.com/cybernorms/cybernorms/internal/platform/config"
	cnmail "github.com/cybernorms/cybernorms/internal/platform/mail"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

// The environment of the child process TestKilledSendResumes kills.
const (
	killChildEnv = "CYBERNORMS_KILL_CHILD"
	killDBEnv    = "CYBERNORMS_KILL_DATABASE_URL"
	killDataEnv  = "CYBERNORMS_KILL_DATA_DIR"
	killSMTPEnv  = "CYBERNORMS_KILL_SMTP"
)

// TestKilledSendResumes sends an issue from another process (this test
// binary started again), kills that process with SIGKILL in the middle of
// the send, and resumes the send here, as a restarted server would: every
// subscriber gets the issue exactly once, except the few whose message was
// on its way to the relay at the moment of the kill, which get it at most
// once and are reported uncertain — at most one per SMTP connection.
func TestKilledSendResumes(t *testing.T) {
	if os.Getenv(killChildEnv) != "" {
		runKilledChild(t)
		return
	}
	const subscribers, connections = 3000, 8
	testrig.Each(t, func(t *testing.T, rig *testrig.Rig) {
		w := newWorld(t, rig)
		svc := bulletinSvc(rig)
		addrs := make([]string, subscribers)
		for i := range addrs {
			addrs[i] = fmt.Sprintf("reader%04d@example.org", i)
		}
		if _, err := svc.BulkConfirmed(rig.Ctx, addrs, "en"); err != nil {
			t.Fatal(err)
		}
		if err := svc.StartSending(rig.Ctx, w.secretariat, w.issue.ID, 0); err != nil {
			t.Fatal(err)
		}
		sink := startSink(t, false)

		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledSendResumes$", "-test.count=1")
		cmd.Env = append(os.Environ(), killChildEnv+"=1", killDBEnv+"="+rig.App.Config.DatabaseURL,
			killDataEnv+"="+rig.App.Config.DataDir, fmt.Sprintf("%s=%s:%d", killSMTPEnv, sink.host, sink.port))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once a third of the list has been delivered.
		deadline := time.Now().Add(2 * time.Minute)
		for len(sink.messages()) < subscribers/3 {
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatalf("the child sent %d messages in 2 minutes:\n%s", len(sink.messages()), out.String())
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		atKill := len(sink.messages())
		if atKill >= subscribers {
			t.Fatalf("the child finished (%d messages) before it was killed:\n%s", atKill, out.String())
		}

		// The restarted server: the same instance (same host, address and
		// data folder) takes its job back at once, without waiting for the
		// dead process's lease to run out.
		restart := time.Now()
		if rig.App.Services.Jobs.Instance == "" || !strings.Contains(rig.App.Services.Jobs.Instance, rig.App.Config.DataDir) {
			t.Fatalf("job instance %q does not name the data folder", rig.App.Services.Jobs.Instance)
		}
		n, err := rig.App.Services.Jobs.Recover(rig.Ctx)
		if err != nil || n != 1 {
			t.Fatalf("recovered %d jobs (%v), want the interrupted send", n, err)
		}
		resumed := make(chan time.Duration, 1)
		go func() {
			for len(sink.messages()) == atKill && time.Since(restart) < time.Minute {
				time.Sleep(time.Millisecond)
			}
			resumed <- time.Since(restart)
		}()
		rig.App.Services.Mailer = sink.pool(t, connections)
		rig.DrainJobs(t)
		if d := <-resumed; d > 10*time.Second {
			t.Errorf("the send resumed %v after the restart, want within 10 s", d)
		}

		p, err := svc.SendProgress(rig.Ctx, w.issue.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := sink.copies() // (the sink also has the review notices of newWorld)
		missing := 0
		for _, a := range addrs {
			switch got[a] {
			case 0:
				missing++
			case 1:
			default:
				t.Errorf("%s received %d copies", a, got[a])
			}
		}
		t.Logf("killed after %d messages; then %d in all; progress %+v", atKill, len(sink.messages()), p)
		if p.Status != "done" || p.Sent+p.Uncertain != subscribers || p.Remaining != 0 || p.Failed != 0 {
			t.Fatalf("progress %+v, want every delivery sent or uncertain", p)
		}
		if p.Uncertain > connections {
			t.Errorf("%d uncertain deliveries, want at most one per connection (%d)", p.Uncertain, connections)
		}
		if missing > p.Uncertain {
			t.Errorf("%d subscribers never received the issue, only %d are reported uncertain", missing, p.Uncertain)
		}
		var journals []string
		if entries, err := os.ReadDir(rig.App.Config.DataDir + "/bulletin"); err == nil {
			for _, e := range entries {
				journals = append(journals, e.Name())
			}
		}
		if len(journals) != 0 {
			t.Errorf("journals left after the send: %v", journals)
		}
	})
}

// runKilledChild is the process TestKilledSendResumes kills: the app on the
// test's database and data folder, sending to the test's SMTP sink.
func runKilledChild(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL, cfg.DataDir, cfg.Workers = os.Getenv(killDBEnv), os.Getenv(killDataEnv), 0
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := app.Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, d, log)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(os.Getenv(killSMTPEnv), ":")
	n, _ := strconv.Atoi(port)
	pool, err := cnmail.NewSMTPPool(cnmail.SMTPConfig{Host: host, Port: n, TLS: cnmail.TLSNone, From: "Bulletin <bulletin@cybernorms.example>", HeloName: "test.example"}, 8)
	if err != nil {
		t.Fatal(err)
	}
	a.Services.Mailer = pool
	if err := a.Services.Jobs.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	t.Fatal("the send finished before the kill")
}

// A message whose end of data reached the relay but got no answer (here the
// relay keeps it and stays silent past the sender's timeout) may have been
// delivered: it is reported uncertain and never sent again, while a
// refusal before that point is retried.
func TestNoAnswerAfterTheEndOfDataIsNotResent(t *testing.T) {
	rig := testrig.New(t)
	w := newWorld(t, rig)
	svc := bulletinSvc(rig)
	addrs := []string{"a@example.org", "silent@example.org", "c@example.org"}
	if _, err := svc.BulkConfirmed(rig.Ctx, addrs, "en"); err != nil {
		t.Fatal(err)
	}
	sink := startSink(t, false)
	sink.stallTo = "silent@example.org"
	pool, err := cnmail.NewSMTPPool(cnmail.SMTPConfig{Host: sink.host, Port: sink.port, TLS: cnmail.TLSNone,
		From: "Bulletin <bulletin@cybernorms.example>", HeloName: "test.example", Timeout: 300 * time.Millisecond}, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Close() })
	rig.App.Services.Mailer = pool
	if err := svc.StartSending(rig.Ctx, w.secretariat, w.issue.ID, 0); err != nil {
		t.Fatal(err)
	}
	rig.DrainJobs(t)
	runRetriesNow(t, rig)
	got := sink.copies()
	for _, a := range addrs {
		if got[a] != 1 {
			t.Errorf("%s received %d copies, want 1", a, got[a])
		}
	}
	p, err := svc.SendProgress(rig.Ctx, w.issue.ID)
	if err != nil || p.Sent != 2 || p.Uncertain != 1 || p.Remaining != 0 || p.Status != "done" {
		t.Fatalf("progress %+v %v, want 2 sent and 1 uncertain", p, err)
	}
}
