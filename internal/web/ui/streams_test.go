package ui

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/web/auth"
)

// TestStreamsPerUserAreLimited: a user holds at most MaxStreamsPerUser live
// streams at once; another user is not affected, and a closed stream frees
// its slot.
func TestStreamsPerUserAreLimited(t *testing.T) {
	h := &Handler{}
	release := make(chan struct{})
	var started sync.WaitGroup
	open := h.streamLimit(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Done()
		<-release
	}))
	as := func(id int64) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/extractions/1/events", nil)
		return r.WithContext(auth.WithUser(r.Context(), store.User{ID: id}))
	}
	var done sync.WaitGroup
	for range MaxStreamsPerUser {
		started.Add(1)
		done.Add(1)
		go func() { defer done.Done(); open.ServeHTTP(httptest.NewRecorder(), as(1)) }()
	}
	started.Wait()

	w := httptest.NewRecorder()
	open.ServeHTTP(w, as(1))
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("stream %d of one user: %d, want 429", MaxStreamsPerUser+1, w.Code)
	}
	started.Add(1)
	done.Add(1)
	go func() { defer done.Done(); open.ServeHTTP(httptest.NewRecorder(), as(2)) }()
	started.Wait() // another user's stream opens

	close(release)
	done.Wait()
	started.Add(1)
	release = make(chan struct{})
	close(release)
	open.ServeHTTP(httptest.NewRecorder(), as(1)) // slots are free again
}
