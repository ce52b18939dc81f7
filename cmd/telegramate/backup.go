package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/telegramate/telegramate/internal/backup"
	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/masterkey"
	"github.com/telegramate/telegramate/internal/store/storeopen"
)

const backupUsage = `backup --to FILE [flags]

Writes a consistent copy of the database to FILE (mode 0600) while the
node goes on running: SQLite's VACUUM INTO, or pg_dump's plain SQL on
PostgreSQL (pg_dump must be installed). FILE must not exist.

The backup holds the Telegram sessions, API hashes and webhook secrets
(sealed with the master key) and the users' password and token hashes:
store it like a password, encrypted and readable by the operator only.
The master key is NOT in it, and without that key its sessions never open
again: keep the key (secret.key, or the file or variable you give) with
every backup, stored apart from it. After a key rotation old backups still
need the old key.`

func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup", backupUsage)
	cfg := config.RegisterData(fs)
	to := fs.String("to", "", "the backup file to write (required); it must not exist")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "to", *to); err != nil {
		return err
	}
	log := logger(e, cfg)
	start := time.Now()
	taken, err := backup.Take(ctx, backup.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL.Reveal(), Logger: log}, *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Wrote the backup taken at %s to %s (mode 0600) in %.1f s.\n", taken.Format(time.RFC3339), *to, time.Since(start).Seconds())
	fmt.Fprintln(e.stdout, "The master key is not in it: keep the key with the backup, stored apart from it. The backup holds sessions and password hashes: store it encrypted.")
	return nil
}

const restoreUsage = `restore --from FILE [flags]

Loads a backup written by 'telegramate backup' into a new database: an
empty data directory (SQLite) or an empty PostgreSQL database owned by the
role in --database-url (see docs/deploy.md). It then checks that the
configured master key opens the backup's secrets, naming the key id it
needs if not (on SQLite the restored file is removed again).

The first start on the restored database pauses the campaigns that were
running, with a notice: the old installation may have sent more after the
backup was taken. Resuming one looks for those messages in each
conversation before sending, so nobody gets a message twice.`

func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore", restoreUsage)
	cfg := config.RegisterData(fs)
	from := fs.String("from", "", "the backup file to load (required)")
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	if err := required(e, fs, "from", *from); err != nil {
		return err
	}
	log := logger(e, cfg)
	o := backup.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL.Reveal(), Logger: log}
	if err := backup.Restore(ctx, o, *from); err != nil {
		return err
	}
	undo := func() {}
	if !storeopen.IsPostgres(o.DatabaseURL) {
		db := filepath.Join(cfg.DataDir, storeopen.FileName)
		undo = func() { os.Remove(db); os.Remove(db + "-wal"); os.Remove(db + "-shm") }
	}
	err := checkRestored(ctx, e, cfg, *from)
	if err != nil {
		undo()
		if storeopen.IsPostgres(o.DatabaseURL) {
			return fmt.Errorf("%w\n  The backup was loaded into the database; give the right key and start serve, or drop the database", err)
		}
		return fmt.Errorf("%w\n  Nothing was restored", err)
	}
	return nil
}

// checkRestored migrates the restored database, checks the keys against
// it and makes sure it carries a backup mark.
func checkRestored(ctx context.Context, e *env, cfg *config.Config, from string) error {
	log := logger(e, cfg)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := masterkey.Open(ctx, st, cfg.KeyOptions(log))
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	taken, err := st.BackupTakenAt(ctx)
	if err != nil {
		return err
	}
	if taken.IsZero() {
		// A copy made some other way: its file's time is after the copy
		// began, so an hour before it is taken to be safe.
		fi, err := os.Stat(from)
		if err != nil {
			return err
		}
		taken = fi.ModTime().Add(-time.Hour).UTC()
		if err := st.MarkBackup(ctx, taken); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "The backup was not written by 'telegramate backup'; it is taken to be from %s (an hour before the file's time).\n", taken.Format(time.RFC3339))
	}
	fmt.Fprintf(e.stdout, "Restored the backup taken at %s; key %s opens its secrets.\n", taken.Format(time.RFC3339), keys.CurrentKeyID())
	fmt.Fprintln(e.stdout, "The first start pauses the campaigns that were running; resuming one first looks in each conversation for what was sent after the backup.")
	return nil
}
