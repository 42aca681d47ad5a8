// Package throttle limits attempts (sign-ins, second-factor codes, reset
// requests) per key within a sliding window, counted in the database so that
// every instance sees the same counts.
//
// Counting is race-free on both engines: Hit first inserts the attempt's row
// (committed on its own) and only then counts the rows in the window. Of n
// parallel attempts, the k-th to commit counts at least k rows, so at most
// Limit of them are allowed, whatever the interleaving. A read-then-write
// check would let all of them read the same, low count.
package throttle

import (
	"context"
	"fmt"
	"time"

	"github.com/cybernorms/cybernorms/internal/platform/db"
	"github.com/cybernorms/cybernorms/internal/platform/id"
)

// Limiter allows Limit attempts per key within Window.
type Limiter struct {
	DB     *db.DB
	Bucket string // names the limit: "signin.account", "totp.session", …
	Limit  int
	Window time.Duration
}

// Hit is one counted attempt.
type Hit struct {
	ID      string
	Count   int  // attempts in the window, this one included
	Allowed bool // Count <= Limit
}

// Hit counts one attempt for key and reports whether it is within the limit.
// Refused attempts are counted too, so hammering does not shorten the wait.
func (l *Limiter) Hit(ctx context.Context, key string) (Hit, error) {
	now := time.Now().UTC()
	h := Hit{ID: id.New()}
	if _, err := l.DB.ExecContext(ctx, `INSERT INTO throttle_hits (id, bucket, k, at) VALUES (?, ?, ?, ?)`, h.ID, l.Bucket, key, now); err != nil {
		return h, fmt.Errorf("throttle %s: %w", l.Bucket, err)
	}
	if err := l.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM throttle_hits WHERE bucket = ? AND k = ? AND at > ?`,
		l.Bucket, key, now.Add(-l.Window)).Scan(&h.Count); err != nil {
		return h, fmt.Errorf("throttle %s: %w", l.Bucket, err)
	}
	h.Allowed = h.Count <= l.Limit
	return h, nil
}

// Count returns the attempts for key in the window, without counting one.
func (l *Limiter) Count(ctx context.Context, key string) (int, error) {
	var n int
	err := l.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM throttle_hits WHERE bucket = ? AND k = ? AND at > ?`,
		l.Bucket, key, time.Now().UTC().Add(-l.Window)).Scan(&n)
	return n, err
}

// Refund forgets one attempt, e.g. a sign-in whose password was right.
func (l *Limiter) Refund(ctx context.Context, h Hit) error {
	_, err := l.DB.ExecContext(ctx, `DELETE FROM throttle_hits WHERE id = ?`, h.ID)
	return err
}

// Reset forgets every attempt for key, e.g. after a complete sign-in.
func (l *Limiter) Reset(ctx context.Context, key string) error {
	_, err := l.DB.ExecContext(ctx, `DELETE FROM throttle_hits WHERE bucket = ? AND k = ?`, l.Bucket, key)
	return err
}

// Purge deletes attempts older than maxWindow (the longest window of any
// limiter); a periodic job calls it.
func Purge(ctx context.Context, d *db.DB, maxWindow time.Duration) error {
	_, err := d.ExecContext(ctx, `DELETE FROM throttle_hits WHERE at < ?`, time.Now().UTC().Add(-maxWindow))
	return err
}
