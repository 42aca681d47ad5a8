// Package clock is the time the application reads. Production code asks a
// *Clock for the time instead of calling time.Now, so tests and demos can
// move the application's time forward (to close an objection period of ten
// working days, say) without editing rows in the database.
package clock

import (
	"sync"
	"time"
)

// Clock gives the current time in UTC. The zero value, and a nil *Clock,
// read the system clock. Advance and Set change what it reads; they are
// meant for tests and demonstrations. It is safe for concurrent use.
type Clock struct {
	mu     sync.RWMutex
	offset time.Duration
	fixed  time.Time // when set, the clock stands still at fixed
}

// New returns a clock that reads the system clock.
func New() *Clock { return &Clock{} }

// Fixed returns a clock that stands at t until Set or Advance moves it.
func Fixed(t time.Time) *Clock { return &Clock{fixed: t.UTC()} }

// Now returns the current time in UTC, to the microsecond (what both
// databases store).
func (c *Clock) Now() time.Time {
	if c == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.fixed.IsZero() {
		return c.fixed.Truncate(time.Microsecond)
	}
	return time.Now().Add(c.offset).UTC().Truncate(time.Microsecond)
}

// Advance moves the clock forward (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		c.fixed = c.fixed.Add(d)
		return
	}
	c.offset += d
}

// Set stops the clock at t; the zero time lets it run with the system clock
// again (without offset).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed, c.offset = t.UTC(), 0
}
