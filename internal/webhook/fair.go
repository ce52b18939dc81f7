package webhook

import (
	"net/http"
	"sync"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
)

// One tenant's slow receivers must not hold up everyone's events: the
// node has MaxDeliverers requests in flight at once, and ten endpoints
// that each take ten seconds to time out used to fill them all. So one
// user has at most MaxInFlightPerUser requests in flight on a node; a
// delivery beyond that waits a moment (a snooze, which costs no attempt)
// and frees its worker for another user's event.

// MaxInFlightPerUser is how many of one user's requests a node has in
// flight at once: a fifth of MaxDeliverers, so five users' hanging
// receivers are needed to fill the node, and a user's healthy endpoints
// still get their turns between the hanging ones.
const MaxInFlightPerUser = MaxDeliverers / 5

// busyWait is how long a delivery held back by its user's share waits
// before it tries for a turn again.
const busyWait = time.Second

type inFlight struct {
	mu sync.Mutex
	n  map[int64]int
}

// take reserves one of the user's turns; false when they are all taken.
func (f *inFlight) take(userID int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == nil {
		f.n = map[int64]int{}
	}
	if f.n[userID] >= MaxInFlightPerUser {
		return false
	}
	f.n[userID]++
	return true
}

func (f *inFlight) give(userID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n[userID]--; f.n[userID] <= 0 {
		delete(f.n, userID)
	}
}

// Test events a user may send: TestEventsPerMinute in any minute, so the
// button cannot be used to queue thousands of requests.
const TestEventsPerMinute = 10

type testLimit struct {
	mu   sync.Mutex
	sent map[int64][]time.Time
}

// allow records a test event at now, or says how long until one is
// allowed.
func (l *testLimit) allow(userID int64, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sent == nil {
		l.sent = map[int64][]time.Time{}
	}
	recent := l.sent[userID][:0]
	for _, t := range l.sent[userID] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= TestEventsPerMinute {
		l.sent[userID] = recent
		return recent[0].Add(time.Minute).Sub(now)
	}
	l.sent[userID] = append(recent, now)
	return 0
}

var errTooManyTests = &apperr.Error{
	Code:    "too_many_test_events",
	Message: "Too many test events",
	Hint:    "At most 10 test events a minute: wait a little, then send another.",
	Status:  http.StatusTooManyRequests,
}
