package telegram

import (
	"context"
	"errors"
	"time"

	waits "github.com/telegramate/telegramate/internal/backoff"

	"github.com/cenkalti/backoff/v4"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/tdp"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// methodName returns the TL name of a request, e.g. "auth.sendCode".
func methodName(input bin.Encoder) string {
	if t, ok := input.(interface{ TypeInfo() tdp.Type }); ok {
		if name := t.TypeInfo().Name; name != "" {
			return name
		}
	}
	return "call"
}

// classifyMiddleware translates every RPC error at the point where the
// method name is known. It sits above gotd's *_MIGRATE handling, so
// migrations never reach it.
func classifyMiddleware() telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			if err := next.Invoke(ctx, input, output); err != nil {
				return classify(methodName(input), err)
			}
			return nil
		}
	})
}

// sleepFunc waits d or until ctx is done; tests replace it to see the
// exact durations asked for.
type sleepFunc func(ctx context.Context, d time.Duration) error

// realSleep is the one context-aware sleep of the tree.
var realSleep sleepFunc = waits.Sleep

// floodWaitMiddleware repeats a call after waiting out its FLOOD_WAIT, when
// the wait is at most max. It must run outside classifyMiddleware.
func floodWaitMiddleware(max time.Duration, sleep sleepFunc) telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			return waitFlood(ctx, max, sleep, func(ctx context.Context) error {
				return next.Invoke(ctx, input, output)
			})
		}
	})
}

// WaitFlood calls call and, while it fails with a *FloodWaitError of at
// most max, waits exactly the time Telegram asked for and calls again. A
// longer wait, any other error, or ctx ending is returned. PEER_FLOOD is
// never retried: it is not a wait, it is a verdict.
func WaitFlood(ctx context.Context, max time.Duration, call func(ctx context.Context) error) error {
	return waitFlood(ctx, max, realSleep, call)
}

func waitFlood(ctx context.Context, max time.Duration, sleep sleepFunc, call func(ctx context.Context) error) error {
	for {
		err := call(ctx)
		var fw *FloodWaitError
		if !errors.As(err, &fw) || fw.Wait > max {
			return err
		}
		if err := sleep(ctx, fw.Wait); err != nil {
			return errors.Join(err, fw)
		}
	}
}

// giveUpAfter is gotd's reconnection backoff with a limit: once the
// connection has failed for longer than limit since it last came up, the
// client stops and Run returns the last error instead of retrying forever.
func giveUpAfter(limit time.Duration) func() backoff.BackOff {
	return func() backoff.BackOff {
		b := backoff.NewExponentialBackOff()
		b.InitialInterval = 100 * time.Millisecond
		b.MaxInterval = 5 * time.Second
		b.MaxElapsedTime = 0
		return &limitedBackoff{inner: b, limit: limit, now: time.Now}
	}
}

type limitedBackoff struct {
	inner backoff.BackOff
	limit time.Duration
	now   func() time.Time
	first time.Time // first failure since the last Reset
}

func (l *limitedBackoff) NextBackOff() time.Duration {
	now := l.now()
	if l.first.IsZero() {
		l.first = now
	}
	if now.Sub(l.first) >= l.limit {
		return backoff.Stop
	}
	return l.inner.NextBackOff()
}

// Reset is called by gotd each time the connection comes up.
func (l *limitedBackoff) Reset() {
	l.first = time.Time{}
	l.inner.Reset()
}
