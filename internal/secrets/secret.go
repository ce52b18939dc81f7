package secrets

import "log/slog"

// Secret is a value that must never reach a log line, an error message or a
// rendered page by accident: API hashes, login codes, 2FA passwords. Call
// Reveal where the plain value is really needed (sealing, sending to
// Telegram).
type Secret string

func (Secret) String() string               { return "[redacted]" }
func (Secret) GoString() string             { return "[redacted]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Reveal returns the plain value.
func (s Secret) Reveal() string { return string(s) }
