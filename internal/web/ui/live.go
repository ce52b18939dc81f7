package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/telegramate/telegramate/internal/apperr"
)

// liveEvent is one block of a live page, sent as the server-sent event
// name; the page swaps it in with htmx's sse-swap="name".
type liveEvent struct {
	name string
	html []byte
}

// liveLook is one look at what a live page shows.
type liveLook struct {
	// events are sent when their HTML differs from what the stream sent
	// last under the same name.
	events []liveEvent
	// done sends "done" and ends the stream: the page stops listening
	// (sse-close="done").
	done bool
	// next, when set, is the time to the following look from now on.
	next time.Duration
}

// streamLive answers a live page's event stream. It calls look at once and
// then every interval, or sooner when wake fires (nil: never), sending each
// block that changed, until look says done, the client leaves, or an
// error. The caller has checked the user may see what it streams.
//
// The pages watch the database rather than this node's memory because the
// work (extraction, sending, updates) may run on another node; wake only
// shortens the wait when this node knows of a change first.
func (h *Handler) streamLive(w http.ResponseWriter, r *http.Request, what string, every time.Duration, wake <-chan struct{}, look func(context.Context) (liveLook, error)) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	last := map[string][]byte{}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		l, err := look(r.Context())
		if err != nil {
			// A client that left, or an object deleted meanwhile, simply
			// ends the stream; anything else is worth a log line.
			if _, expected := apperr.As(err); r.Context().Err() == nil && !expected {
				h.Logger.Error("live "+what, "err", err)
			}
			return
		}
		for _, ev := range l.events {
			if bytes.Equal(ev.html, last[ev.name]) {
				continue
			}
			if err := writeEvent(w, ev.name, ev.html); err != nil {
				return
			}
			last[ev.name] = ev.html
		}
		if l.done {
			_ = writeEvent(w, "done", []byte("done"))
			_ = rc.Flush()
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if l.next > 0 && l.next != every {
			every = l.next
			tick.Reset(every)
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		case <-wake:
		}
	}
}

// block renders a page's block as a live event.
func (h *Handler) block(event, page, block string, data any) (liveEvent, error) {
	html, err := h.fragment(page, block, data)
	return liveEvent{name: event, html: html}, err
}

// writeEvent writes one server-sent event; data's lines each get "data: ".
func writeEvent(w http.ResponseWriter, event string, data []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "event: %s\n", event)
	for _, line := range bytes.Split(data, []byte("\n")) {
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}
