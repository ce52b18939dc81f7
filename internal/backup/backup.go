// Package backup copies the database to one file and back, marking the
// copy so that a node started on a restored database knows it is one and
// pauses the campaigns that were running (see campaign.HandleRestore).
//
// A backup holds the Telegram sessions, API hashes and webhook secrets
// sealed with the master key, and the users' password hashes and API
// token hashes in the clear: it is written mode 0600 and must be stored as
// carefully as the key, but apart from it. The key is not in it.
package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/telegramate/telegramate/internal/store/sqlite"
	"github.com/telegramate/telegramate/internal/store/storeopen"
)

// Options says which database to copy or to restore into.
type Options struct {
	DataDir     string // SQLite's, when DatabaseURL is empty
	DatabaseURL string // postgres://…
	Logger      *slog.Logger
	Now         func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// Take writes a backup of the configured database to path, which must not
// exist, and returns when it was taken (the copy's moment). On SQLite it
// is VACUUM INTO: a consistent copy while the node goes on writing,
// without the page-by-page restarts of the online backup. On PostgreSQL it
// is pg_dump's plain SQL, which psql restores.
func Take(ctx context.Context, o Options, path string) (time.Time, error) {
	// Created here, 0600 and exclusively: VACUUM INTO and pg_dump would use
	// the umask, and an existing backup must not be replaced by accident.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return time.Time{}, fmt.Errorf("%s already exists: choose a new file name, a backup never overwrites one", path)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("backup file: %w", err)
	}
	f.Close()
	var taken time.Time
	if storeopen.IsPostgres(o.DatabaseURL) {
		taken, err = takePostgres(ctx, o, path)
	} else {
		taken, err = takeSQLite(ctx, o, path)
	}
	if err != nil {
		os.Remove(path)
		return time.Time{}, err
	}
	return taken, nil
}

func takeSQLite(ctx context.Context, o Options, path string) (time.Time, error) {
	dbPath := filepath.Join(o.DataDir, storeopen.FileName)
	if _, err := os.Stat(dbPath); err != nil {
		return time.Time{}, fmt.Errorf("no database to back up at %s: %w", dbPath, err)
	}
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: o.DataDir, Logger: o.logger(), NoMigrate: true})
	if err != nil {
		return time.Time{}, fmt.Errorf("open database: %w", err)
	}
	defer st.Close()
	// Before the copy starts: anything the copy lacks happened after it.
	taken := o.now()
	if _, err := st.DB().ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return time.Time{}, fmt.Errorf("copy the database (VACUUM INTO): %w", err)
	}
	return taken, mark(ctx, path, taken, o.logger())
}

// mark writes the backup's time into the SQLite copy.
func mark(ctx context.Context, path string, taken time.Time, logger *slog.Logger) error {
	cp, err := sqlite.Open(ctx, path, logger)
	if err != nil {
		return fmt.Errorf("open the copy: %w", err)
	}
	if err := cp.MarkBackup(ctx, taken); err != nil {
		cp.Close()
		return fmt.Errorf("mark the copy as a backup: %w", err)
	}
	return cp.Close()
}

func takePostgres(ctx context.Context, o Options, path string) (time.Time, error) {
	taken := o.now()
	var stderr bytes.Buffer
	// Plain SQL without owners or grants: it restores into a database
	// owned by whichever role runs psql (see docs/deploy.md).
	cmd := exec.CommandContext(ctx, "pg_dump", "--no-owner", "--no-privileges", "--format=plain", "--file", path, "--dbname", o.DatabaseURL)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return time.Time{}, fmt.Errorf("pg_dump: %w: %s (install PostgreSQL's client tools, the same major version as the server or newer)",
			err, bytes.TrimSpace(stderr.Bytes()))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return time.Time{}, err
	}
	_, werr := fmt.Fprintf(f, "\n-- Written by telegramate backup: a database restored from this file knows it is one.\n"+
		"INSERT INTO public.backup_marks (id, taken_at) VALUES (1, '%s') ON CONFLICT (id) DO UPDATE SET taken_at = excluded.taken_at, handled_at = NULL;\n",
		taken.Format(time.RFC3339Nano))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return taken, werr
}

// Restore loads the backup at path into the configured database, which
// must be new: SQLite's data directory without a database, or an empty
// PostgreSQL database. The restored database carries the backup's mark,
// so the first node started on it pauses what was running.
func Restore(ctx context.Context, o Options, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup file: %w", err)
	}
	if storeopen.IsPostgres(o.DatabaseURL) {
		return restorePostgres(ctx, o, path)
	}
	return restoreSQLite(o, path)
}

func restoreSQLite(o Options, path string) error {
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	dst := filepath.Join(o.DataDir, storeopen.FileName)
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: restore into a new data directory (or move the old database away first), so nothing is overwritten by mistake", dst)
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	in, err := os.Open(path)
	if err == nil {
		_, err = io.Copy(out, in)
		in.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

func restorePostgres(ctx context.Context, o Options, path string) error {
	st, err := storeopen.Open(ctx, storeopen.Options{DatabaseURL: o.DatabaseURL, Logger: o.logger(), NoMigrate: true})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	var tables int
	err = st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables)
	st.Close()
	if err != nil {
		return fmt.Errorf("inspect database: %w", err)
	}
	if tables > 0 {
		return errors.New("the database is not empty: restore into a new database (createdb -O telegramate NAME), so nothing is overwritten by mistake")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "psql", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction",
		"--file", path, "--dbname", o.DatabaseURL)
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("psql: %w: %s (run it as the role that owns the database, see docs/deploy.md)", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}
