package jobs

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// River's SQLite listener reads its notifications table every 50 ms,
// which was most of what an idle node spent (issue 17: 2.2 % of a core
// with nothing to do). On SQLite the only writer is this process (the
// command-line tools insert no jobs), and every notification is a row it
// writes; so the listener here reads the table when a write of this
// process has ended, and otherwise every idleListenPoll, for what another
// process might have written. Only a write that notified wakes it: River
// marks those through its executor (NotifyMany), so a producer's poll or
// a node's heartbeat costs no read of the notifications.

// idleListenPoll is how often the listener reads River's notifications
// when this process wrote nothing (a variable for the tests).
var idleListenPoll = 5 * time.Second

// listenerPolls counts the listener's reads, for the tests.
var listenerPolls atomic.Int64

// onePoll bounds one read of the notifications: River's listener reads at
// once and then waits 50 ms for its next read, which this cuts short.
const onePoll = 40 * time.Millisecond

// slowPollRetries are the reads after a notifying write whose read found
// nothing: on a loaded machine a read can wait for a connection past
// onePoll, and a notification missed then waited for the idle poll (a job
// not run for minutes; seen in CI). Each is allowed retryPoll.
var slowPollRetries = []time.Duration{250 * time.Millisecond, time.Second, 3 * time.Second}

// retryPoll bounds one retry's read.
const retryPoll = 500 * time.Millisecond

// wokenDriver is River's SQLite driver with the woken listener.
type wokenDriver struct {
	*riversqlite.Driver
	written func() <-chan struct{}
	// notified is set by a notification's write, and taken by the
	// listener when a write ends.
	notified *atomic.Bool
}

func newWokenDriver(d *riversqlite.Driver, written func() <-chan struct{}) wokenDriver {
	return wokenDriver{Driver: d, written: written, notified: &atomic.Bool{}}
}

func (d wokenDriver) GetListener(p *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &wokenListener{Listener: d.Driver.GetListener(p), written: d.written, notified: d.notified, idle: idleListenPoll}
}

func (d wokenDriver) GetExecutor() riverdriver.Executor {
	return markingExecutor{Executor: d.Driver.GetExecutor(), notified: d.notified}
}

func (d wokenDriver) UnwrapExecutor(tx *sql.Tx) riverdriver.ExecutorTx {
	return markingTx{ExecutorTx: d.Driver.UnwrapExecutor(tx), notified: d.notified}
}

func (d wokenDriver) UnwrapTx(execTx riverdriver.ExecutorTx) *sql.Tx {
	if m, ok := execTx.(markingTx); ok {
		execTx = m.ExecutorTx
	}
	return d.Driver.UnwrapTx(execTx)
}

// markingExecutor marks River's notifications as they are written.
type markingExecutor struct {
	riverdriver.Executor
	notified *atomic.Bool
}

func (e markingExecutor) NotifyMany(ctx context.Context, p *riverdriver.NotifyManyParams) error {
	e.notified.Store(true)
	return e.Executor.NotifyMany(ctx, p)
}

func (e markingExecutor) Begin(ctx context.Context) (riverdriver.ExecutorTx, error) {
	tx, err := e.Executor.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return markingTx{ExecutorTx: tx, notified: e.notified}, nil
}

type markingTx struct {
	riverdriver.ExecutorTx
	notified *atomic.Bool
}

func (e markingTx) NotifyMany(ctx context.Context, p *riverdriver.NotifyManyParams) error {
	e.notified.Store(true)
	return e.ExecutorTx.NotifyMany(ctx, p)
}

func (e markingTx) Begin(ctx context.Context) (riverdriver.ExecutorTx, error) {
	tx, err := e.ExecutorTx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return markingTx{ExecutorTx: tx, notified: e.notified}, nil
}

// wokenListener is used by River's notifier alone, one call at a time.
type wokenListener struct {
	riverdriver.Listener
	written  func() <-chan struct{}
	notified *atomic.Bool
	idle     time.Duration // idleListenPoll when it was made
	lastPoll time.Time
	more     bool // the last read found one: read again at once
}

// WaitForNotification reads River's notifications when a write of this
// process notified, when the last read found some (River reads them in
// batches), or every idleListenPoll, until one comes. River's notifier
// calls it again every 5 s (to ping): that alone reads nothing.
func (l *wokenListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	var (
		retry   <-chan time.Time
		retries []time.Duration // after retry, while nothing is found
		bound   = onePoll
	)
	for {
		// Taken before reading: a write during the read wakes the next.
		wake := l.written()
		if l.more || l.notified.Swap(false) || time.Since(l.lastPoll) >= l.idle {
			l.lastPoll = time.Now()
			n, err := l.pollOnce(ctx, bound)
			bound = onePoll
			l.more = n != nil
			if n != nil || err != nil {
				return n, err
			}
		}
		idle := time.NewTimer(l.idle - time.Since(l.lastPoll))
		select {
		case <-ctx.Done():
			idle.Stop()
			return nil, ctx.Err()
		case <-wake:
			if l.notified.Load() {
				retry, retries = time.After(slowPollRetries[0]), slowPollRetries[1:]
			}
		case <-retry:
			retry = nil
			if len(retries) > 0 {
				retry, retries = time.After(retries[0]), retries[1:]
			}
			l.more, bound = true, retryPoll // read again, in case the last one was cut short
		case <-idle.C:
		}
		idle.Stop()
	}
}

// pollOnce is one read of the notifications: nil, nil when none is there.
func (l *wokenListener) pollOnce(ctx context.Context, bound time.Duration) (*riverdriver.Notification, error) {
	listenerPolls.Add(1)
	pctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	n, err := l.Listener.WaitForNotification(pctx)
	switch {
	case err == nil:
		return n, nil
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return nil, nil
	}
	return nil, err
}
