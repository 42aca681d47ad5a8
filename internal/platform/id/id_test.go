package id

import (
	"sync"
	"testing"
)

// TestNewIsInCallOrder: ids made one after the other, many in one
// millisecond, sort in the order they were made, and ids made at once by
// many goroutines are all different and well-formed.
func TestNewIsInCallOrder(t *testing.T) {
	prev := New()
	for range 20000 {
		next := New()
		if next <= prev {
			t.Fatalf("%s after %s", next, prev)
		}
		prev = next
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				s := New()
				mu.Lock()
				if seen[s] || !Valid(s) {
					t.Errorf("%s: made twice or not a ULID", s)
				}
				seen[s] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
