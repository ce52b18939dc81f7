package config

import (
	"fmt"
	"io"
	"log/slog"
	"os"
)

// Logger is the process's logger, on standard error, as configured.
func Logger(c *Config) *slog.Logger { return NewLogger(os.Stderr, c.LogFormat, c.LogLevel) }

// NewLogger writes to w in format ("text" or "json") from level up;
// unknown values fall back to text and info (Load has refused them).
func NewLogger(w io.Writer, format, level string) *slog.Logger {
	lvl, err := parseLevel(level)
	if err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
}
