// Package storeopen picks and opens the store named by the configuration.
// It lives apart from package store because it imports both engines, and
// they import store.
package storeopen

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/postgres"
	"github.com/telegramate/telegramate/internal/store/sqlite"
)

// FileName is the SQLite database's name inside the data directory.
const FileName = "telegramate.db"

type Options struct {
	// DataDir holds the SQLite file when DatabaseURL is not PostgreSQL.
	DataDir string
	// DatabaseURL starting with postgres:// or postgresql:// selects
	// PostgreSQL.
	DatabaseURL string
	Logger      *slog.Logger
	// NoMigrate skips migrating on open (for tools that only read, and for
	// tests of migrations themselves).
	NoMigrate bool
}

// IsPostgres reports whether url selects PostgreSQL.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens the store and, unless told not to, migrates it.
func Open(ctx context.Context, o Options) (store.Store, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := open(ctx, o, logger)
	if err != nil {
		return nil, err
	}
	if !o.NoMigrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func open(ctx context.Context, o Options, logger *slog.Logger) (store.Store, error) {
	switch {
	case IsPostgres(o.DatabaseURL):
		return postgres.Open(ctx, o.DatabaseURL, logger)
	case o.DatabaseURL != "":
		return nil, fmt.Errorf("database URL must start with postgres:// or postgresql:// (leave it empty for SQLite in the data directory)")
	}
	if o.DataDir == "" {
		return nil, fmt.Errorf("no data directory for the SQLite database")
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(o.DataDir, FileName), logger)
}
