package throttle

import (
	"testing"
	"time"
)

func TestRateRefillsAndForgets(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	l := &Rate{PerMinute: 120, Burst: 4, now: func() time.Time { return now }}
	for i := 0; i < 4; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("beyond the burst: ok %v, wait %v; want refused for 500 ms (2 a second)", ok, wait)
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refused after the wait it gave")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares the first one's bucket")
	}
	now = now.Add(time.Minute)
	l.Allow("c")
	if _, kept := l.buckets["a"]; kept || len(l.buckets) != 1 {
		t.Fatalf("refilled buckets are kept: %d", len(l.buckets))
	}
}
