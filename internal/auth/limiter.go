package auth

import (
	"sync"
	"time"
)

// limiter counts failed authentications per client key in token buckets
// of burst tokens refilled at rate per second: a client whose bucket is
// empty is refused until a token comes back. It keeps at most max keys: a
// key whose bucket is full again is the same as no key, so those are
// dropped first; when none is, an arbitrary one is. It is safe for
// concurrent use.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	max   int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perMinute, max int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(perMinute), max: max, buckets: map[string]*bucket{}}
}

// level returns the tokens of b at now.
func (l *limiter) level(b *bucket, now time.Time) float64 {
	return min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
}

// allow reports whether key may try to authenticate at now and, when not,
// how long until it may.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return true, 0
	}
	lvl := l.level(b, now)
	if lvl >= 1 {
		return true, 0
	}
	return false, time.Duration((1 - lvl) / l.rate * float64(time.Second))
}

// fail takes a token from key's bucket at now and reports whether the
// bucket became empty (the client is refused from now on).
func (l *limiter) fail(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = max(l.level(b, now)-1, 0)
	b.last = now
	return b.tokens < 1
}

// evict makes room for one key: at most once a second it drops every key
// whose bucket is full again; if that freed nothing, it drops an arbitrary
// key. l.mu is held.
func (l *limiter) evict(now time.Time) {
	if now.Sub(l.lastSweep) >= time.Second {
		l.lastSweep = now
		for k, b := range l.buckets {
			if l.level(b, now) >= l.burst {
				delete(l.buckets, k)
			}
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max {
			break
		}
		delete(l.buckets, k)
	}
}

// size returns how many keys are kept.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
