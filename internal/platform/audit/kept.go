package audit

import (
	"context"
	"sync"

	"github.com/cybernorms/cybernorms/internal/platform/db"
)

// Kept is a value read from the database and kept in memory until the
// audit log's tail moves. Every write appends to the log in its own
// transaction (on PostgreSQL under a lock held to its commit, so the tail
// grows in commit order): while the tail has not moved, nothing the value
// was read from has changed, whichever instance wrote. A use costs one
// read of the log's last entry. The value is shared by every request that
// gets it: callers must not change it.
type Kept[T any] struct{ by KeptBy[struct{}, T] }

// Get returns the kept value, or reads it again with read when something
// has been written since it was read.
func (k *Kept[T]) Get(ctx context.Context, q db.Querier, read func(context.Context) (T, error)) (T, error) {
	return k.by.Get(ctx, q, struct{}{}, read)
}

// KeptBy is Kept for a value per key (a page's parts per language, say):
// every key's value is dropped when the tail moves. The keys must be few
// and bounded; the values are shared, as Kept's. Requests that find a
// key's value missing at the same time wait for one read of it rather
// than each reading it.
type KeptBy[K comparable, T any] struct {
	mu      sync.Mutex
	stamp   int64
	v       map[K]T
	reading map[K]*keptRead[T]
}

// keptRead is a read under way, which others waiting for the same key at
// the same or an older tail take the value of.
type keptRead[T any] struct {
	stamp int64
	done  chan struct{}
	v     T
	err   error
}

// Get returns the value kept for key, or reads it again with read when
// something has been written since it was read.
func (k *KeptBy[K, T]) Get(ctx context.Context, q db.Querier, key K, read func(context.Context) (T, error)) (T, error) {
	stamp, err := Tail(ctx, q)
	if err != nil {
		var zero T
		return zero, err
	}
	k.mu.Lock()
	if v, ok := k.v[key]; ok && k.stamp == stamp {
		k.mu.Unlock()
		return v, nil
	}
	if r := k.reading[key]; r != nil && r.stamp >= stamp {
		k.mu.Unlock()
		select {
		case <-r.done:
			if r.err == nil {
				return r.v, nil
			}
			// The other read failed (its request may have gone): read.
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		k.mu.Lock()
	}
	r := &keptRead[T]{stamp: stamp, done: make(chan struct{})}
	if k.reading == nil {
		k.reading = map[K]*keptRead[T]{}
	}
	k.reading[key] = r
	k.mu.Unlock()
	// Read after the tail, so the value is at least as new as the stamp it
	// is kept under; a write meanwhile moves the tail past it.
	r.v, r.err = read(ctx)
	k.mu.Lock()
	if r.err == nil {
		if k.v == nil || stamp > k.stamp {
			k.stamp, k.v = stamp, map[K]T{}
		}
		if stamp == k.stamp {
			k.v[key] = r.v
		}
	}
	if k.reading[key] == r {
		delete(k.reading, key)
	}
	k.mu.Unlock()
	close(r.done)
	return r.v, r.err
}
