package testkit

import (
	"testing"
	"time"
)

// poll is how often the waits below look again: often enough that a test
// does not idle long after the work is done, seldom enough not to load a
// shared machine.
const poll = 20 * time.Millisecond

// Until polls cond until it holds or within has passed, and reports
// whether it held. It is for the wait whose failure needs more than a
// message (a screenshot, a process to stop first); the others use
// Eventually or EventuallyWith.
func Until(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(poll)
	}
	return true
}

// Eventually polls cond until it holds, failing the test with what after
// within: the one way tests wait for work, instead of sleeping.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Until(within, cond) {
		t.Fatalf("waited %v for %s", within, what)
	}
}

// EventuallyWith is Eventually for a wait whose failure is explained by
// the last state seen: cond reports whether it holds and what it saw, and
// the failure shows what it saw last.
func EventuallyWith(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	if !Until(within, func() bool {
		var ok bool
		ok, last = cond()
		return ok
	}) {
		t.Fatalf("waited %v for %s: %s", within, what, last)
	}
}
