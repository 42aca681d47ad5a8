package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/jobs"
	"github.com/cybernorms/cybernorms/migrations"
)

func queue(t *testing.T) *jobs.Queue {
	t.Helper()
	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "j.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(context.Background(), migrations.FS); err != nil {
		t.Fatal(err)
	}
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
