package testrig

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// HeapAdded runs fn and returns the most heap in use during it above what
// was in use when it started, in MB, sampled every 5 ms: what a streaming
// writer adds to the process (the sampler also counts whatever else runs,
// such as a test server).
func HeapAdded(fn func()) float64 {
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if p := peak.Load(); p > base.HeapInuse {
		return float64(p-base.HeapInuse) / (1 << 20)
	}
	return 0
}

// CPUTime is the processor time the process has used so far, user and
// system, all threads: a benchmark reports its difference over b.N as
// "cpu-ms/op", steadier than the time per operation on a machine whose
// other work takes turns with the benchmark (the load tool's CPU ms
// column, measured the same way).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchGet serves GET path through h on every iteration of b, as the
// holder of token (a personal API token; "" for an anonymous reader),
// fails on any status but 200, and reports allocations and the processor
// time per request ("cpu-ms/op", CPUTime).
func BenchGet(b *testing.B, h http.Handler, path, token string) {
	b.Helper()
	b.ReportAllocs()
	cpu := CPUTime()
	for b.Loop() {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: status %d", path, rec.Code)
		}
	}
	b.ReportMetric(float64(CPUTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
