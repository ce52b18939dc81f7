package config

import (
	"log/slog"

	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store/storeopen"
)

// StoreOptions opens the configured database.
func (d Data) StoreOptions(logger *slog.Logger) storeopen.Options {
	return storeopen.Options{DataDir: d.DataDir, DatabaseURL: d.DatabaseURL.Reveal(), Logger: logger}
}

// KeyOptions loads the configured master keys.
func (d Data) KeyOptions(logger *slog.Logger) secrets.KeyOptions {
	return secrets.KeyOptions{Keys: d.SecretKey, KeyFile: d.SecretKeyFile, DataDir: d.DataDir, Logger: logger}
}
