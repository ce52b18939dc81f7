package telegram

import (
	"context"
	"log/slog"

	"github.com/gotd/log"
	"github.com/gotd/log/logslog"
)

// gotdLogger passes gotd's records to our slog logger one level quieter:
// gotd logs every connect and close at Info, which for us is one line per
// login step nobody needs; its warnings and errors stay visible.
func gotdLogger(l *slog.Logger) log.Logger {
	return quieter{next: logslog.New(l.With(slog.String("component", "gotd")))}
}

type quieter struct{ next log.Logger }

func demote(level log.Level) log.Level {
	if level < log.LevelWarn {
		return log.LevelDebug
	}
	return level
}

func (q quieter) Enabled(ctx context.Context, level log.Level) bool {
	return q.next.Enabled(ctx, demote(level))
}

func (q quieter) Log(ctx context.Context, level log.Level, msg string, attrs ...log.Attr) {
	q.next.Log(ctx, demote(level), msg, attrs...)
}
