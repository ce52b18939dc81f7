// Package backoff counts a job's passing failures in a row and says how
// long to wait before its next run: short at first, doubling to a ceiling.
package backoff

import (
	"context"
	"sync"
	"time"
)

// Streaks holds, per key (an account, an extraction), the failures in a
// row since the key's work last made progress. It lives in the node's
// memory: a restarted node, or another node taking the job over, starts
// again at the shortest wait, which is right for a fresh connection, and
// River's own attempt count is left untouched by snoozes, so the job
// cannot tell it. The zero value is not usable; use New.
type Streaks struct {
	first, max time.Duration
	limit      int

	mu sync.Mutex
	n  map[int64]int
}

// New waits first after the first failure, doubling up to max; after
// limit failures in a row Fail answers ok=false, and the caller hands the
// failure to River's retries instead.
func New(first, max time.Duration, limit int) *Streaks {
	return &Streaks{first: first, max: max, limit: limit, n: map[int64]int{}}
}

// Fail counts one more failure of key and says how long to wait.
func (s *Streaks) Fail(key int64) (wait time.Duration, n int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[key]++
	n = s.n[key]
	wait = s.first
	for i := 1; i < n && wait < s.max; i++ {
		wait *= 2
	}
	return min(wait, s.max), n, n <= s.limit
}

// Reset forgets key's failures: its work made progress.
func (s *Streaks) Reset(key int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.n, key)
}

// Sleep waits d, or until ctx ends (then it returns ctx's error). A d of
// zero or less returns at once.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
