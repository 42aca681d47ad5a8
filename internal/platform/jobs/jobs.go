// Package jobs is a work queue kept in the database: jobs survive a restart,
// failed jobs are retried with exponential backoff, and several instances
// can work the same queue because a job is claimed with a lease in the
// database (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer).
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Handler does the work of one job kind. Returning an error retries the
// job later; returning Permanent(err) fails it at once.
type Handler func(ctx context.Context, payload json.RawMessage) error

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks an error as not worth retrying.
func Permanent(err error) error { return permanentError{err} }

// Job states.
const (
	StateQueued = "queued"
	StateDone   = "done"
	StateFailed = "failed"
)

// DefaultLease is how long a claimed job is reserved for its worker. The
// worker renews the lease every third of it while the job runs, so a long
// job keeps its claim, and a job whose instance died is taken by another
// instance at most one lease after the last renewal.
const DefaultLease = 20 * time.Second

// Queue enqueues and runs jobs.
type Queue struct {
	DB      *db.DB
	Log     *slog.Logger
	Workers int
	Poll    time.Duration
	// Lease is the claim's length (DefaultLease unless a test shortens it).
	Lease time.Duration
	// Instance names this process where it runs: a restart of the same
	// instance takes its predecessor's jobs back at once (Recover) instead
	// of waiting for their leases to run out. Each claim is stored as
	// Instance + "/" + a claim ID, so two workers never share a claim.
	Instance string

	mu       sync.RWMutex
	handlers map[string]Handler
	redact   map[string]func(json.RawMessage) json.RawMessage
	periodic []periodic
}

// New returns a queue; register handlers before Run.
func New(d *db.DB, log *slog.Logger) *Queue {
	return &Queue{DB: d, Log: log, Workers: 2, Poll: time.Second, Lease: DefaultLease, Instance: id.New(), handlers: map[string]Handler{}}
}

// Register sets the handler for a job kind.
func (q *Queue) Register(kind string, h Handler) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = h
}

// RegisterRedactor sets a function that rewrites a job's payload once the
// job has finished (done, or failed for good), so that what it needed only
// to run (a secret link in a mail) does not stay in the jobs table.
func (q *Queue) RegisterRedactor(kind string, fn func(json.RawMessage) json.RawMessage) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.redact == nil {
		q.redact = map[string]func(json.RawMessage) json.RawMessage{}
	}
	q.redact[kind] = fn
}

// finishedPayload is the payload to keep for a finished job.
func (q *Queue) finishedPayload(kind, payload string) string {
	q.mu.RLock()
	fn := q.redact[kind]
	q.mu.RUnlock()
	if fn == nil {
		return payload
	}
	return string(fn(json.RawMessage(payload)))
}

// Options tune one enqueued job.
type Options struct {
	RunAt       time.Time // zero means now
	UniqueKey   string    // if set, a second job with the same key is not added
	MaxAttempts int       // zero means 8
}

// Enqueue adds a job inside tx, so it is queued if and only if the write that
// caused it commits. It returns false when UniqueKey was already used.
func Enqueue(ctx context.Context, tx db.Querier, kind string, payload any, opt Options) (bool, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	now := time.Now().UTC()
	runAt := opt.RunAt.UTC()
	if opt.RunAt.IsZero() {
		runAt = now
	}
	maxAttempts := opt.MaxAttempts
	if maxAttempts == 0 {
		maxAttempts = 8
	}
	var unique any
	if opt.UniqueKey != "" {
		unique = opt.UniqueKey
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, unique_key, run_at, max_attempts, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`, id.New(), kind, string(body), unique, runAt, maxAttempts, now)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

type claimed struct {
	id, kind, payload, by string
	attempts, max         int
}

func (q *Queue) lease() time.Duration {
	if q.Lease <= 0 {
		return DefaultLease
	}
	return q.Lease
}

// claim takes one ready job, or returns sql.ErrNoRows.
func (q *Queue) claim(ctx context.Context) (claimed, error) {
	var c claimed
	now := time.Now().UTC()
	lock := ""
	if q.DB.Dialect == db.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	err := q.DB.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, kind, payload, attempts, max_attempts FROM jobs
			WHERE state = ? AND run_at <= ? AND (locked_until IS NULL OR locked_until < ?)
			ORDER BY run_at LIMIT 1`+lock, StateQueued, now, now).Scan(&c.id, &c.kind, &c.payload, &c.attempts, &c.max)
		if err != nil {
			return err
		}
		c.by = q.Instance + "/" + id.New()
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1 WHERE id = ?`,
			c.by, now.Add(q.lease()), c.id)
		c.attempts++
		return err
	})
	return c, err
}

// Backoff is the delay before retry number n (1-based): 10 s doubling, at
// most six hours.
func Backoff(n int) time.Duration {
	d := time.Duration(float64(10*time.Second) * math.Pow(2, float64(n-1)))
	if d > 6*time.Hour || d <= 0 {
		d = 6 * time.Hour
	}
	return d
}

// RunOnce claims and runs one job; it reports whether there was one.
func (q *Queue) RunOnce(ctx context.Context) (bool, error) {
	c, err := q.claim(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim job: %w", err)
	}
	q.mu.RLock()
	h := q.handlers[c.kind]
	q.mu.RUnlock()
	var runErr error
	if h == nil {
		runErr = Permanent(fmt.Errorf("no handler for job kind %q", c.kind))
	} else {
		jobCtx, stop := context.WithCancelCause(ctx)
		beating := make(chan struct{})
		go func() { defer close(beating); q.heartbeat(jobCtx, stop, c) }()
		runErr = safeRun(jobCtx, h, json.RawMessage(c.payload))
		stop(nil)
		<-beating
		if lost := context.Cause(jobCtx); errors.Is(lost, errLeaseLost) {
			// Another worker holds the job now: leave the row to it.
			q.Log.Warn("job lost its lease while running", "kind", c.kind, "id", c.id)
			return true, nil
		}
	}
	now := time.Now().UTC()
	var perm permanentError
	// Each finishing write names the claim, so a worker whose lease ran
	// out cannot overwrite the outcome of the worker that took the job.
	switch {
	case runErr == nil:
		_, err = q.DB.ExecContext(ctx, `UPDATE jobs SET state = ?, finished_at = ?, locked_until = NULL, last_error = '', payload = ? WHERE id = ? AND locked_by = ?`, StateDone, now, q.finishedPayload(c.kind, c.payload), c.id, c.by)
	case errors.As(runErr, &perm) || c.attempts >= c.max:
		q.Log.Error("job failed", "kind", c.kind, "id", c.id, "attempts", c.attempts, "err", runErr)
		_, err = q.DB.ExecContext(ctx, `UPDATE jobs SET state = ?, finished_at = ?, locked_until = NULL, last_error = ?, payload = ? WHERE id = ? AND locked_by = ?`, StateFailed, now, runErr.Error(), q.finishedPayload(c.kind, c.payload), c.id, c.by)
	default:
		q.Log.Warn("job will retry", "kind", c.kind, "id", c.id, "attempts", c.attempts, "err", runErr)
		_, err = q.DB.ExecContext(ctx, `UPDATE jobs SET run_at = ?, locked_until = NULL, last_error = ? WHERE id = ? AND locked_by = ?`, now.Add(Backoff(c.attempts)), runErr.Error(), c.id, c.by)
	}
	return true, err
}

var errLeaseLost = errors.New("the job's lease ran out and another worker took it")

// heartbeat renews the claim on c every third of a lease until ctx ends.
// If the claim is no longer this worker's (its lease ran out while the
// database could not be reached, and another worker took the job), it
// stops the job, so that two workers never run it side by side for longer
// than one renewal interval.
func (q *Queue) heartbeat(ctx context.Context, stop context.CancelCauseFunc, c claimed) {
	t := time.NewTicker(q.lease() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := q.DB.ExecContext(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = ?`,
			time.Now().UTC().Add(q.lease()), c.id, c.by, StateQueued)
		if err != nil {
			if ctx.Err() == nil {
				q.Log.Warn("renew job lease", "kind", c.kind, "id", c.id, "err", err)
			}
			continue
		}
		if n, _ := res.RowsAffected(); n == 0 {
			stop(errLeaseLost)
			return
		}
	}
}

// Recover releases the jobs that this instance claimed before it last
// stopped (a kill -9, a crash, a power cut), so that a restart resumes them
// at once rather than one lease later. Call it only when no other live
// process can be this instance: Serve calls it once its listener is bound,
// since the same host cannot bind the same address twice.
func (q *Queue) Recover(ctx context.Context) (int64, error) {
	prefix := q.Instance + "/"
	res, err := q.DB.ExecContext(ctx, `UPDATE jobs SET locked_until = NULL
		WHERE state = ? AND locked_until IS NOT NULL AND substr(locked_by, 1, ?) = ?`,
		StateQueued, utf8.RuneCountInString(prefix), prefix)
	if err != nil {
		return 0, fmt.Errorf("recover jobs: %w", err)
	}
	return res.RowsAffected()
}

func safeRun(ctx context.Context, h Handler, p json.RawMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Permanent(fmt.Errorf("job panicked: %v", r))
		}
	}()
	return h(ctx, p)
}

// Drain runs ready jobs until none is left; tests and the CLI use it.
func (q *Queue) Drain(ctx context.Context) error {
	for {
		ran, err := q.RunOnce(ctx)
		if err != nil {
			return err
		}
		if !ran {
			return nil
		}
	}
}

// Run works the queue with q.Workers goroutines until ctx is cancelled.
func (q *Queue) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range max(q.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				ran, err := q.RunOnce(ctx)
				if err != nil && ctx.Err() == nil {
					q.Log.Error("job queue", "err", err)
				}
				if !ran || err != nil {
					select {
					case <-ctx.Done():
					case <-time.After(q.Poll):
					}
				}
			}
		}()
	}
	wg.Wait()
}

// Stats counts jobs by state, for /metrics and the operations page.
func (q *Queue) Stats(ctx context.Context) (map[string]int, error) {
	return db.Counts(ctx, q.DB, `SELECT state, COUNT(*) FROM jobs GROUP BY state`)
}

type periodic struct {
	kind  string
	every time.Duration
}

// Every asks for a job of kind to run once per interval across all
// instances: each instance tries to enqueue it with a key naming the
// interval, and the unique key lets only the first succeed.
func (q *Queue) Every(kind string, every time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.periodic = append(q.periodic, periodic{kind, every})
}

// tick enqueues the periodic jobs due now.
func (q *Queue) tick(ctx context.Context, now time.Time) {
	q.mu.RLock()
	list := append([]periodic(nil), q.periodic...)
	q.mu.RUnlock()
	for _, p := range list {
		bucket := now.UTC().Truncate(p.every).Format(time.RFC3339)
		if _, err := Enqueue(ctx, q.DB, p.kind, map[string]string{"at": bucket}, Options{UniqueKey: "every:" + p.kind + ":" + bucket, MaxAttempts: 3}); err != nil && ctx.Err() == nil {
			q.Log.Error("schedule periodic job", "kind", p.kind, "err", err)
		}
	}
}

// Schedule runs the periodic-job ticker until ctx ends.
func (q *Queue) Schedule(ctx context.Context) {
	q.tick(ctx, time.Now())
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			q.tick(ctx, now)
		}
	}
}

// PurgeFinished deletes finished jobs older than age.
func (q *Queue) PurgeFinished(ctx context.Context, age time.Duration) error {
	_, err := q.DB.ExecContext(ctx, `DELETE FROM jobs WHERE state = ? AND finished_at < ?`, StateDone, time.Now().UTC().Add(-age))
	return err
}
