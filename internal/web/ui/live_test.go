package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStreamLiveSendsChangesOnly: a block goes out when its HTML changed
// since it was last sent, not at every look; a wake-up looks again before
// the interval; "done" ends the stream.
func TestStreamLiveSendsChangesOnly(t *testing.T) {
	h := &Handler{Deps: Deps{Logger: slog.New(slog.DiscardHandler)}}
	wake := make(chan struct{})
	looks := []liveLook{
		{events: []liveEvent{{"a", []byte("one")}, {"b", []byte("x\ny")}}},
		{events: []liveEvent{{"a", []byte("one")}, {"b", []byte("x\ny")}}},
		{events: []liveEvent{{"a", []byte("two")}, {"b", []byte("x\ny")}}},
		{events: []liveEvent{{"a", []byte("two")}}, done: true},
	}
	n := 0
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/x/events", nil)
	go func() {
		for range len(looks) - 1 {
			wake <- struct{}{}
		}
	}()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		// An hour's interval: only the wake-ups can bring the next looks.
		h.streamLive(w, r, "test", time.Hour, wake, func(context.Context) (liveLook, error) {
			n++
			return looks[n-1], nil
		})
	}()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		t.Fatal("the stream did not end after done")
	}
	want := "event: a\ndata: one\n\nevent: b\ndata: x\ndata: y\n\nevent: a\ndata: two\n\nevent: done\ndata: done\n\n"
	if got := w.Body.String(); got != want {
		t.Fatalf("stream:\n%q\nwant\n%q", got, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestStreamLiveEndsOnError: a look that fails ends the stream without
// "done", so the browser's EventSource reconnects and the page recovers.
func TestStreamLiveEndsOnError(t *testing.T) {
	h := &Handler{Deps: Deps{Logger: slog.New(slog.DiscardHandler)}}
	w := httptest.NewRecorder()
	h.streamLive(w, httptest.NewRequest("GET", "/x/events", nil), "test", time.Hour, nil, func(context.Context) (liveLook, error) {
		return liveLook{}, errors.New("database gone")
	})
	if strings.Contains(w.Body.String(), "done") {
		t.Fatalf("a failed look said done: %q", w.Body.String())
	}
}
