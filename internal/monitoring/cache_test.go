package monitoring

import (
	"context"
	"errors"
	"html/template"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent requests that find a view missing under the same fingerprint
// run its build once and all get what it built.
func TestCacheBuildsOnceForConcurrentRequests(t *testing.T) {
	var c cache
	fp := fingerprint{versions: 3, published: 2, cycles: 1}
	var builds atomic.Int32
	release := make(chan struct{})
	build := func(context.Context) (any, error) {
		builds.Add(1)
		<-release
		return "view", nil
	}
	const n = 16
	var started, wg sync.WaitGroup
	got := make([]any, n)
	errs := make([]error, n)
	for i := range n {
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			got[i], errs[i] = c.getAt(context.Background(), fp, "trends||en", build)
		}()
	}
	started.Wait()
	// Give every request time to reach the cache; without the single
	// flight, each of them would be blocked in its own build by now.
	for deadline := time.Now().Add(200 * time.Millisecond); time.Now().Before(deadline) && builds.Load() < n; {
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	wg.Wait()
	if b := builds.Load(); b != 1 {
		t.Errorf("%d concurrent requests ran the build %d times, want 1", n, b)
	}
	for i := range n {
		if got[i] != "view" || errs[i] != nil {
			t.Fatalf("request %d: %v, %v", i, got[i], errs[i])
		}
	}
	// Kept: the next request builds nothing.
	if v, err := c.getAt(context.Background(), fp, "trends||en", build); v != "view" || err != nil || builds.Load() != 1 {
		t.Errorf("kept view: %v, %v after %d builds", v, err, builds.Load())
	}
}

// A request that read a newer fingerprint does not wait for, nor get, a
// build begun under an older one.
func TestCacheNewerFingerprintBuildsItsOwn(t *testing.T) {
	var c cache
	old, cur := fingerprint{versions: 1}, fingerprint{versions: 2}
	release := make(chan struct{})
	done := make(chan any)
	go func() {
		v, _ := c.getAt(context.Background(), old, "k", func(context.Context) (any, error) {
			<-release
			return "old", nil
		})
		done <- v
	}()
	// Wait until the old build is in flight.
	for {
		c.mu.Lock()
		n := len(c.flights)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	v, err := c.getAt(context.Background(), cur, "k", func(context.Context) (any, error) { return "new", nil })
	if v != "new" || err != nil {
		t.Fatalf("newer fingerprint got %v, %v", v, err)
	}
	close(release)
	if v := <-done; v != "old" {
		t.Errorf("the old build's own request got %v", v)
	}
	// The old build finished after the fingerprint moved on: not kept.
	v, _ = c.getAt(context.Background(), cur, "k", func(context.Context) (any, error) { return "rebuilt", nil })
	if v != "new" {
		t.Errorf("after both builds: %v, want the newer one kept", v)
	}
}

// When the request that is building goes away, a request waiting for the
// same view builds it for itself instead of failing.
func TestCacheWaiterOutlivesCanceledBuilder(t *testing.T) {
	var c cache
	fp := fingerprint{versions: 1}
	ctx, cancel := context.WithCancel(context.Background())
	inBuild := make(chan struct{})
	go func() {
		_, _ = c.getAt(ctx, fp, "k", func(ctx context.Context) (any, error) {
			close(inBuild)
			<-ctx.Done()
			return nil, ctx.Err()
		})
	}()
	<-inBuild
	res := make(chan any)
	go func() {
		v, err := c.getAt(context.Background(), fp, "k", func(context.Context) (any, error) { return "mine", nil })
		if err != nil {
			v = err
		}
		res <- v
	}()
	time.Sleep(20 * time.Millisecond) // let it wait for the first build
	cancel()
	if v := <-res; v != "mine" {
		t.Errorf("waiter got %v, want its own build", v)
	}
}

// A build that panics releases the requests waiting for it with an error.
func TestCacheBuildPanicReleasesWaiters(t *testing.T) {
	var c cache
	fp := fingerprint{versions: 1}
	inBuild, release := make(chan struct{}), make(chan struct{})
	go func() {
		defer func() { _ = recover() }()
		_, _ = c.getAt(context.Background(), fp, "k", func(context.Context) (any, error) {
			close(inBuild)
			<-release
			panic("boom")
		})
	}()
	<-inBuild
	res := make(chan error)
	go func() {
		_, err := c.getAt(context.Background(), fp, "k", func(context.Context) (any, error) { return "late", nil })
		res <- err
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	select {
	case err := <-res:
		// Either it waited (and got the panic's error) or it came after
		// the failed build and built the view itself.
		if err != nil && !errors.Is(err, errBuildPanicked) {
			t.Errorf("waiter: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a waiter is stuck after the build panicked")
	}
}

// The views kept stay within maxBytes however many are asked for: a
// crawler walking every map (norm × cycle × group × language) must not
// make the server keep each one.
func TestCacheIsBoundedBySize(t *testing.T) {
	var c cache
	fp := fingerprint{versions: 1}
	chart := make([]byte, 150<<10)
	for i := range len(chart) {
		chart[i] = 'x'
	}
	for i := range 500 {
		key := "map|n" + string(rune('a'+i%26)) + "|" + string(rune('a'+i/26))
		if _, err := c.getAt(context.Background(), fp, key, func(context.Context) (any, error) {
			return View{Chart: template.HTML(chart)}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for k, v := range c.entries {
		if c.sizes[k] != viewSize(v) {
			t.Fatalf("%s: counted %d bytes, holds %d", k, c.sizes[k], viewSize(v))
		}
		total += c.sizes[k]
	}
	if total != c.used || c.used > maxBytes || len(c.entries) == 0 {
		t.Fatalf("keeps %d views of %d bytes (counted %d), bound %d", len(c.entries), total, c.used, maxBytes)
	}
	// The newest view is the one kept for sure.
	if _, ok := c.entries["map|n"+string(rune('a'+499%26))+"|"+string(rune('a'+499/26))]; !ok {
		t.Error("the newest view was let go")
	}
}
