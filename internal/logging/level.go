// Package logging holds what several packages need around log/slog.
package logging

import (
	"context"
	"log/slog"
)

// AtLeast is l without records below min. River logs routine lines (each
// migration, producer statistics every few seconds) at info, which would
// bury the lines a person looks for.
func AtLeast(l *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(atLeast{l.Handler(), min})
}

type atLeast struct {
	slog.Handler
	min slog.Level
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(attrs []slog.Attr) slog.Handler {
	return atLeast{h.Handler.WithAttrs(attrs), h.min}
}

func (h atLeast) WithGroup(name string) slog.Handler {
	return atLeast{h.Handler.WithGroup(name), h.min}
}
