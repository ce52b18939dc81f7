package backoff

import (
	"testing"
	"time"
)

func TestStreaks(t *testing.T) {
	s := New(2*time.Second, time.Minute, 7)
	want := []time.Duration{2, 4, 8, 16, 32, 60, 60}
	for i, w := range want {
		wait, n, ok := s.Fail(1)
		if wait != w*time.Second || n != i+1 || !ok {
			t.Fatalf("failure %d: wait %s n %d ok %v, want %ds", i+1, wait, n, ok, w)
		}
	}
	if _, _, ok := s.Fail(1); ok {
		t.Fatal("failure past the limit still retried here")
	}
	if wait, _, _ := s.Fail(2); wait != 2*time.Second {
		t.Fatalf("another key waits %s", wait)
	}
	s.Reset(1)
	if wait, n, ok := s.Fail(1); wait != 2*time.Second || n != 1 || !ok {
		t.Fatalf("after progress: wait %s n %d ok %v", wait, n, ok)
	}
}
