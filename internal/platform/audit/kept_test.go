package audit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cybernorms/cybernorms/internal/platform/audit"
)

// TestKeptUntilTheLogMoves checks that a kept value is read once while
// nothing is written, read again after any write (the audit log's tail
// moved), and not kept when reading fails.
func TestKeptUntilTheLogMoves(t *testing.T) {
	ctx := context.Background()
	d := open(t)
	var k audit.Kept[int]
	reads := 0
	read := func(context.Context) (int, error) { reads++; return reads * 10, nil }
	get := func(want, wantReads int) {
		t.Helper()
		v, err := k.Get(ctx, d, read)
		if err != nil || v != want || reads != wantReads {
			t.Fatalf("Get = %d, %v after %d reads; want %d after %d", v, err, reads, want, wantReads)
		}
	}
	get(10, 1)
	get(10, 1)
	record(t, d, 1)
	get(20, 2)
	get(20, 2)
	boom := errors.New("boom")
	record(t, d, 1)
	if _, err := k.Get(ctx, d, func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("a failed read: %v", err)
	}
	get(30, 3)
	get(30, 3)
}

// TestKeptByDropsEveryKeyWhenTheLogMoves: values per key are read once
// each, and all read again after a write.
func TestKeptByDropsEveryKeyWhenTheLogMoves(t *testing.T) {
	ctx := context.Background()
	d := open(t)
	var k audit.KeptBy[string, string]
	reads := map[string]int{}
	get := func(key string, wantReads int) {
		t.Helper()
		v, err := k.Get(ctx, d, key, func(context.Context) (string, error) { reads[key]++; return key, nil })
		if err != nil || v != key || reads[key] != wantReads {
			t.Fatalf("Get(%s) = %q, %v after %d reads; want %d reads", key, v, err, reads[key], wantReads)
		}
	}
	get("en", 1)
	get("fr", 1)
	get("en", 1)
	get("fr", 1)
	record(t, d, 1)
	get("fr", 2)
	get("en", 2)
	get("en", 2)
}

// TestKeptByReadsOnceForRequestsAtTheSameTime: requests that miss a
// key's value while it is being read wait for that read.
func TestKeptByReadsOnceForRequestsAtTheSameTime(t *testing.T) {
	ctx := context.Background()
	d := open(t)
	var k audit.KeptBy[string, int]
	var reads atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	read := func(context.Context) (int, error) {
		if reads.Add(1) == 1 {
			close(entered)
		}
		<-release
		return 7, nil
	}
	var wg sync.WaitGroup
	got := make([]int, 8)
	get := func(i int) {
		defer wg.Done()
		v, err := k.Get(ctx, d, "en", read)
		if err != nil {
			t.Error(err)
		}
		got[i] = v
	}
	wg.Add(len(got))
	go get(0)
	<-entered // the first request reads; the others come while it does
	for i := 1; i < len(got); i++ {
		go get(i)
	}
	close(release)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d reads for %d requests, want 1", n, len(got))
	}
	for i, v := range got {
		if v != 7 {
			t.Errorf("request %d got %d", i, v)
		}
	}

	// A failed read is not passed on as a failure to those who wait: they
	// read for themselves.
	record(t, d, 1)
	entered, fail := make(chan struct{}), make(chan struct{})
	failed := make(chan error)
	go func() {
		_, err := k.Get(ctx, d, "en", func(context.Context) (int, error) { close(entered); <-fail; return 0, errors.New("gone") })
		failed <- err
	}()
	<-entered
	done := make(chan int)
	go func() {
		v, _ := k.Get(ctx, d, "en", func(context.Context) (int, error) { return 9, nil })
		done <- v
	}()
	close(fail)
	if err := <-failed; err == nil {
		t.Error("the failed read gave no error")
	}
	if v := <-done; v != 9 {
		t.Errorf("after another's failed read: %d, want its own read's 9", v)
	}
}
