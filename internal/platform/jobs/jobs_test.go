package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/internal/testrig"
)

func queue(t *testing.T) *jobs.Queue {
	t.Helper()
	// A migrated database copied from the test rig's template.
	d, _ := testrig.OpenDB(t, "sqlite", filepath.Join(t.TempDir(), "data"))
	return jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func state(t *testing.T, q *jobs.Queue) (st string, attempts int, runAt time.Time) {
	t.Helper()
	if err := q.DB.QueryRowContext(context.Background(), `SELECT state, attempts, run_at FROM jobs`).Scan(&st, &attempts, &runAt); err != nil {
		t.Fatal(err)
	}
	return
}

func TestQueue(t *testing.T) {
	ctx := context.Background()
	t.Run("a job runs once and is marked done", func(t *testing.T) {
		q := queue(t)
		var got []string
		q.Register("echo", func(_ context.Context, p json.RawMessage) error {
			var s string
			_ = json.Unmarshal(p, &s)
			got = append(got, s)
			return nil
		})
		if _, err := jobs.Enqueue(ctx, q.DB, "echo", "hello", jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != "hello" {
			t.Fatalf("ran %v", got)
		}
		if st, _, _ := state(t, q); st != jobs.StateDone {
			t.Fatalf("state %s", st)
		}
	})
	t.Run("a unique key enqueues only once", func(t *testing.T) {
		q := queue(t)
		a, _ := jobs.Enqueue(ctx, q.DB, "x", 1, jobs.Options{UniqueKey: "k"})
		b, _ := jobs.Enqueue(ctx, q.DB, "x", 2, jobs.Options{UniqueKey: "k"})
		if !a || b {
			t.Fatalf("first %v second %v", a, b)
		}
	})
	t.Run("a failing job is retried later with backoff", func(t *testing.T) {
		q := queue(t)
		q.Register("flaky", func(context.Context, json.RawMessage) error { return errors.New("relay down") })
		_, _ = jobs.Enqueue(ctx, q.DB, "flaky", nil, jobs.Options{})
		before := time.Now()
		if _, err := q.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		st, attempts, runAt := state(t, q)
		if st != jobs.StateQueued || attempts != 1 || runAt.Before(before.Add(9*time.Second)) {
			t.Fatalf("state %s attempts %d runAt in %v", st, attempts, time.Until(runAt))
		}
		if ran, _ := q.RunOnce(ctx); ran {
			t.Fatal("a job waiting for its retry ran early")
		}
	})
	t.Run("a permanent failure is not retried", func(t *testing.T) {
		q := queue(t)
		q.Register("bad", func(context.Context, json.RawMessage) error { return jobs.Permanent(errors.New("no such address")) })
		_, _ = jobs.Enqueue(ctx, q.DB, "bad", nil, jobs.Options{})
		_, _ = q.RunOnce(ctx)
		if st, _, _ := state(t, q); st != jobs.StateFailed {
			t.Fatalf("state %s", st)
		}
	})
	t.Run("a job whose worker died is run again when its lease expires", func(t *testing.T) {
		q := queue(t)
		runs := 0
		q.Register("slow", func(context.Context, json.RawMessage) error { runs++; return nil })
		_, _ = jobs.Enqueue(ctx, q.DB, "slow", nil, jobs.Options{})
		// Simulate a worker that claimed the job and died: its lease is in the past.
		if _, err := q.DB.ExecContext(ctx, `UPDATE jobs SET locked_by = 'dead', locked_until = ?, attempts = 1`, time.Now().UTC().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := q.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if runs != 1 {
			t.Fatalf("runs = %d", runs)
		}
	})
	t.Run("a job claimed by a live worker is not taken by another", func(t *testing.T) {
		q := queue(t)
		q.Register("held", func(context.Context, json.RawMessage) error { t.Error("ran a held job"); return nil })
		_, _ = jobs.Enqueue(ctx, q.DB, "held", nil, jobs.Options{})
		_, _ = q.DB.ExecContext(ctx, `UPDATE jobs SET locked_by = 'other', locked_until = ?`, time.Now().UTC().Add(time.Minute))
		if ran, _ := q.RunOnce(ctx); ran {
			t.Fatal("claimed a job under another worker's lease")
		}
	})
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	prev := time.Duration(0)
	for n := 1; n < 40; n++ {
		d := jobs.Backoff(n)
		if d < prev || d > 6*time.Hour {
			t.Fatalf("backoff(%d) = %v after %v", n, d, prev)
		}
		prev = d
	}
}

// sibling is a second instance working q's database.
func sibling(q *jobs.Queue, instance string) *jobs.Queue {
	s := jobs.New(q.DB, q.Log)
	s.Instance, s.Lease = instance, q.Lease
	return s
}

func TestLeases(t *testing.T) {
	ctx := context.Background()
	t.Run("a running job keeps its claim past its lease, renewed by its worker", func(t *testing.T) {
		// A lease of 2 s, renewed every 2/3 s: long enough that a loaded
		// machine (CI runs packages in parallel) still renews in time.
		q := queue(t)
		q.Instance, q.Lease = "a", 2*time.Second
		other := sibling(q, "b")
		release := make(chan struct{})
		var runs, stolen atomic.Int32
		q.Register("long", func(ctx context.Context, _ json.RawMessage) error {
			runs.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return ctx.Err()
		})
		// The other instance's handler returns at once, so a wrongful
		// claim fails the test instead of blocking it.
		other.Register("long", func(context.Context, json.RawMessage) error { stolen.Add(1); return nil })
		if _, err := jobs.Enqueue(ctx, q.DB, "long", nil, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := q.RunOnce(ctx); done <- err }()
		time.Sleep(200 * time.Millisecond)
		deadline := time.Now().Add(5 * time.Second) // two and a half leases
		for time.Now().Before(deadline) {
			if ran, err := other.RunOnce(ctx); err != nil || ran {
				close(release)
				t.Fatalf("the other instance took a job whose worker is alive (ran %v, %v)", ran, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if st, attempts, _ := state(t, q); st != jobs.StateDone || attempts != 1 || runs.Load() != 1 || stolen.Load() != 0 {
			t.Fatalf("state %s after %d attempts and %d runs (%d elsewhere), want done once", st, attempts, runs.Load(), stolen.Load())
		}
	})
	// A claim whose worker died: claimed by a job that never returns and
	// whose renewals are made to fail by taking the row from under it.
	t.Run("a dead instance's job is taken by another once its lease runs out, not before", func(t *testing.T) {
		q := queue(t)
		q.Instance, q.Lease = "a", 300*time.Millisecond
		if _, err := jobs.Enqueue(ctx, q.DB, "send", nil, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		// Instance a claims the job and "dies": its claim is in the row,
		// nobody renews it.
		if _, err := q.DB.ExecContext(ctx, `UPDATE jobs SET locked_by = 'a/x', locked_until = ?, attempts = 1`, time.Now().UTC().Add(q.Lease)); err != nil {
			t.Fatal(err)
		}
		other := sibling(q, "b")
		ran := 0
		other.Register("send", func(context.Context, json.RawMessage) error { ran++; return nil })
		if got, _ := other.RunOnce(ctx); got {
			t.Fatal("another instance took the job while its lease ran")
		}
		if n, _ := other.Recover(ctx); n != 0 {
			t.Fatalf("instance b recovered %d jobs of instance a", n)
		}
		time.Sleep(q.Lease + 50*time.Millisecond)
		if got, err := other.RunOnce(ctx); !got || err != nil || ran != 1 {
			t.Fatalf("after the lease the other instance ran %d (%v, %v), want the job", ran, got, err)
		}
	})
	t.Run("a restarted instance takes its jobs back at once", func(t *testing.T) {
		q := queue(t)
		q.Instance = "host :8080 /srv/data"
		if _, err := jobs.Enqueue(ctx, q.DB, "send", nil, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.DB.ExecContext(ctx, `UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = 1`, q.Instance+"/x", time.Now().UTC().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// An instance whose name only starts the same is another instance.
		if n, _ := sibling(q, "host :8080 /srv/dat").Recover(ctx); n != 0 {
			t.Fatalf("a prefix of the name recovered %d jobs", n)
		}
		restarted := sibling(q, q.Instance)
		ran := 0
		restarted.Register("send", func(context.Context, json.RawMessage) error { ran++; return nil })
		if n, err := restarted.Recover(ctx); n != 1 || err != nil {
			t.Fatalf("recovered %d (%v), want 1", n, err)
		}
		if got, err := restarted.RunOnce(ctx); !got || err != nil || ran != 1 {
			t.Fatalf("ran %d (%v, %v), want the job at once", ran, got, err)
		}
	})
	t.Run("a worker that lost its claim stops and leaves the outcome to the new holder", func(t *testing.T) {
		q := queue(t)
		q.Instance, q.Lease = "a", 300*time.Millisecond
		if _, err := jobs.Enqueue(ctx, q.DB, "send", nil, jobs.Options{}); err != nil {
			t.Fatal(err)
		}
		stopped := make(chan error, 1)
		q.Register("send", func(ctx context.Context, _ json.RawMessage) error {
			// Another worker takes the claim (as if this one had been
			// unreachable for a whole lease).
			if _, err := q.DB.ExecContext(context.Background(), `UPDATE jobs SET locked_by = 'b/y'`); err != nil {
				return err
			}
			<-ctx.Done()
			stopped <- context.Cause(ctx)
			return ctx.Err()
		})
		if ran, err := q.RunOnce(ctx); !ran || err != nil {
			t.Fatalf("ran %v, %v", ran, err)
		}
		if cause := <-stopped; cause == nil {
			t.Fatal("the job was not stopped")
		}
		var by, st string
		if err := q.DB.QueryRowContext(ctx, `SELECT locked_by, state FROM jobs`).Scan(&by, &st); err != nil {
			t.Fatal(err)
		}
		if by != "b/y" || st != jobs.StateQueued {
			t.Fatalf("the row is %s by %s, want it left queued to b", st, by)
		}
	})
}
