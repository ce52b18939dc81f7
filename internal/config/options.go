package config

import (
	"log/slog"

	"github.com/telegramate/telegramate/internal/secrets"
)

// KeyOptions loads the configured master keys.
func (d Data) KeyOptions(logger *slog.Logger) secrets.KeyOptions {
	return secrets.KeyOptions{Keys: d.SecretKey, KeyFile: d.SecretKeyFile, DataDir: d.DataDir, Logger: logger}
}
