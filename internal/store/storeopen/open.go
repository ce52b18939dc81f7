// Package storeopen picks and opens the store named by the configuration.
// It lives apart from package store because it imports both engines, and
// they import store.
package storeopen

import (
	"context"
	"errors"
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
	if err := privateFiles(o.DataDir, logger); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, filepath.Join(o.DataDir, FileName), logger)
}

// privateFiles makes the database readable by its owner only. SQLite gives
// its -wal and -shm files the database file's mode, so creating that 0600
// covers all three; files of older versions (0644) are tightened. A data
// directory others can enter is worth a warning: the sealed secrets are
// safe without the key, but the database still lists every user's
// accounts and member lists.
func privateFiles(dir string, logger *slog.Logger) error {
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the data directory can be read by other accounts on this host; restrict it with: chmod 700 "+dir,
			slog.String("dir", dir), slog.String("mode", fi.Mode().Perm().String()))
	}
	db := filepath.Join(dir, FileName)
	f, err := os.OpenFile(db, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open database file: %w", err)
	}
	for _, name := range []string{db, db + "-wal", db + "-shm"} {
		if err := os.Chmod(name, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("make %s private: %w", name, err)
		}
	}
	return nil
}
