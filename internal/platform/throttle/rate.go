package throttle

import (
	"math"
	"sync"
	"time"
)

// Rate limits requests per key (a client address) in memory, as a token
// bucket: PerMinute requests a minute on average, Burst at once. It counts
// in this process only (several instances each allow the rate), which
// suits a limit on anonymous reading: cheap enough to run on every request,
// where Limiter's database rows suit rare attempts such as sign-ins.
type Rate struct {
	PerMinute int
	Burst     int

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time // tests
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Allow takes one request for key. When it is refused, wait is how long
// until one more would be allowed.
func (l *Rate) Allow(key string) (ok bool, wait time.Duration) {
	if l.PerMinute <= 0 {
		return true, 0
	}
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	perSecond := float64(l.PerMinute) / 60
	burst := float64(max(l.Burst, 1))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	// Forget buckets that have refilled: a full bucket is the same as none,
	// so memory follows the clients of the last few minutes only.
	if full := time.Duration(burst / perSecond * float64(time.Second)); now.Sub(l.swept) > full {
		for k, b := range l.buckets {
			if now.Sub(b.at) > full {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.at).Seconds()*perSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perSecond * float64(time.Second))
}
