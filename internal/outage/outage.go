// Package outage says once that the database stopped answering, and once
// that it answers again with how long it did not, instead of a line from
// every request, job, lease renewal, heartbeat and tick that failed
// meanwhile (a 6 s outage used to write 53 ERROR lines). It is node-wide:
// Handler wraps the node's log handler, so every package's failure lines
// pass through one Tracker without each package knowing of it.
package outage

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Options are a Tracker's parts.
type Options struct {
	// Logger writes the outage's two lines; it must not be the wrapped
	// logger itself (its handler is the one Handler wraps).
	Logger *slog.Logger
	// IsOutage reports an error that says the database could not be
	// reached or answer (store.IsUnavailable).
	IsOutage func(error) bool
	// IsOutageText does the same for an error a library logged as text
	// only (River logs some as strings).
	IsOutageText func(string) bool
	// Hint is what the operator should do, written with the outage's line.
	Hint string
	// ProbeEvery is how often the database is tried while it does not
	// answer (default 1 s).
	ProbeEvery time.Duration
	// Settle is how long after the database answers again a failure that
	// says it is unavailable is still taken for the outage's (default
	// 10 s): work that began during it (River's completer retrying, a
	// pooled connection the outage broke) gives up only then.
	Settle time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Tracker knows whether the database is out, since when, and how many
// lines it kept from the log meanwhile.
type Tracker struct {
	o Options

	mu         sync.Mutex
	probe      func(context.Context) error
	since      time.Time // zero while the database answers
	recovered  time.Time // when the last outage ended
	answered   time.Time // when a probe before an outage found the database answering
	suppressed int
	closed     bool
	stop       chan struct{}
	done       chan struct{}
}

// New returns a Tracker that can say an outage began; SetProbe lets it
// tell when one ends.
func New(o Options) *Tracker {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.IsOutage == nil {
		o.IsOutage = func(error) bool { return false }
	}
	if o.IsOutageText == nil {
		o.IsOutageText = func(string) bool { return false }
	}
	if o.ProbeEvery <= 0 {
		o.ProbeEvery = time.Second
	}
	if o.Settle <= 0 {
		o.Settle = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Tracker{o: o, stop: make(chan struct{})}
}

// SetProbe gives the check that tells the database answers again (the
// store's Ping), once the store is open. Until then no outage is declared:
// a database that fails at start stops the start with its own error.
func (t *Tracker) SetProbe(probe func(context.Context) error) {
	t.mu.Lock()
	t.probe = probe
	t.mu.Unlock()
}

// Down reports whether an outage is under way.
func (t *Tracker) Down() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.since.IsZero()
}

// settling reports whether an outage is under way or ended less than
// Settle ago.
func (t *Tracker) settling() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.since.IsZero() || (!t.recovered.IsZero() && t.o.Now().Sub(t.recovered) < t.o.Settle)
}

// Failed tells the tracker that work failed with err, an error IsOutage
// accepts (or the text of one): the first of an outage logs it and starts
// probing the database until it answers; the others are counted.
func (t *Tracker) Failed(ctx context.Context, err string) {
	t.mu.Lock()
	if !t.since.IsZero() || t.probe == nil || t.closed || (!t.recovered.IsZero() && t.o.Now().Sub(t.recovered) < t.o.Settle) {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	if !t.answered.IsZero() && t.o.Now().Sub(t.answered) < t.o.ProbeEvery {
		// The database answered a moment ago: not its outage.
		t.mu.Unlock()
		return
	}
	probe := t.probe
	t.mu.Unlock()
	// A timeout or a refused connection may be another service's (a
	// Telegram data center): ask the database before declaring it down.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.o.ProbeEvery)
	perr := probe(pctx)
	cancel()
	t.mu.Lock()
	if perr == nil {
		t.answered = t.o.Now()
		t.mu.Unlock()
		return
	}
	if !t.since.IsZero() || t.closed {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	t.since = t.o.Now()
	t.suppressed = 0
	t.done = make(chan struct{})
	done := t.done
	t.mu.Unlock()
	t.o.Logger.LogAttrs(ctx, slog.LevelError, "database unavailable: requests and jobs that need it fail until it answers again",
		slog.String("err", err), slog.String("hint", t.o.Hint))
	go t.watch(probe, done)
}

// watch tries the database every ProbeEvery until it answers, then ends
// the outage with one line.
func (t *Tracker) watch(probe func(context.Context) error, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(t.o.ProbeEvery)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), t.o.ProbeEvery)
		err := probe(ctx)
		cancel()
		if err != nil {
			continue
		}
		t.mu.Lock()
		lasted := t.o.Now().Sub(t.since)
		kept := t.suppressed
		t.since = time.Time{}
		t.recovered = t.o.Now()
		t.suppressed = 0
		t.mu.Unlock()
		t.o.Logger.LogAttrs(context.Background(), slog.LevelInfo, "database answers again",
			slog.Duration("outage", lasted.Round(time.Millisecond)), slog.Int("failures_logged_at_debug", kept))
		return
	}
}

// Close stops probing; an outage under way is not reported as over.
func (t *Tracker) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	close(t.stop)
	done := t.done
	t.mu.Unlock()
	if done != nil {
		<-done
	}
}
