package outage

import (
	"context"
	"log/slog"
)

// Handler wraps next so that warning and error lines caused by a database
// outage go to t instead: the first one starts the outage's one ERROR
// line, and each of them is written at debug (for whoever runs at debug),
// not at its own level. While an outage is under way, every warning or
// error line that carries an error is taken as its consequence: work that
// needs the database fails in ways (timeouts, cancelled transactions) a
// classifier cannot all know.
func Handler(next slog.Handler, t *Tracker) slog.Handler { return handler{next, t, false} }

// QueueHandler is Handler for a library whose every line is about the
// database (River, the job queue): during an outage, and for Settle after
// it, all its warnings and errors are the outage's, those without an
// error too ("Too many errors; giving up").
func QueueHandler(next slog.Handler, t *Tracker) slog.Handler { return handler{next, t, true} }

type handler struct {
	next slog.Handler
	t    *Tracker
	// all: every warning or error while settling is the outage's.
	all bool
}

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.next.WithAttrs(attrs), h.t, h.all}
}

func (h handler) WithGroup(name string) slog.Handler {
	return handler{h.next.WithGroup(name), h.t, h.all}
}

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	text, caused := h.cause(r)
	switch {
	case caused:
		h.t.Failed(ctx, text)
		if !h.t.settling() {
			// No probe yet (the node is starting): the line stays as it was.
			return h.next.Handle(ctx, r)
		}
	case (text != "" && h.t.Down()) || (h.all && h.t.settling()):
		h.t.Failed(ctx, text)
	default:
		return h.next.Handle(ctx, r)
	}
	if !h.next.Enabled(ctx, slog.LevelDebug) {
		return nil
	}
	d := slog.NewRecord(r.Time, slog.LevelDebug, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool { d.AddAttrs(a); return true })
	return h.next.Handle(ctx, d)
}

// cause finds the record's error (an attribute whose value is an error,
// or a string under "err" or "error") and whether it says the database
// is unavailable.
func (h handler) cause(r slog.Record) (text string, outage bool) {
	r.Attrs(func(a slog.Attr) bool {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindAny {
			if err, ok := v.Any().(error); ok && err != nil {
				text, outage = err.Error(), h.t.o.IsOutage(err)
				return false
			}
		}
		if v.Kind() == slog.KindString && (a.Key == "err" || a.Key == "error") {
			text, outage = v.String(), h.t.o.IsOutageText(v.String())
			return false
		}
		return true
	})
	return text, outage
}
