package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestAtLeastDropsLowerLevelsAlsoInDerivedLoggers(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := AtLeast(base, slog.LevelWarn)
	for _, l := range []*slog.Logger{l, l.With("component", "river"), l.WithGroup("g")} {
		l.Info("routine")
		l.Debug("chatter")
		l.Warn("look at me")
	}
	out := buf.String()
	if strings.Contains(out, "routine") || strings.Contains(out, "chatter") {
		t.Errorf("lower levels logged:\n%s", out)
	}
	if n := strings.Count(out, "look at me"); n != 3 {
		t.Errorf("%d warnings logged, want 3:\n%s", n, out)
	}
}
