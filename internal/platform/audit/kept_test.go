package audit_test

import (
	"context"
	"errors"
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
