package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/store"
)

const vacuumUsage = `vacuum [flags]

Rebuilds the SQLite database file without its free pages and switches it
to incremental auto-vacuum, after which the retention job (--retain-*)
gives deleted rows' space back by itself. Databases created by this
version are in that mode already; run it once on an older one. It holds
the database's write lock while it copies (stop the node, or run it at a
quiet time) and needs free disk space the size of the database.
PostgreSQL reuses deleted rows' space on its own (autovacuum).`

func runVacuum(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "vacuum", vacuumUsage)
	cfg := config.RegisterData(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	before, after, err := st.Vacuum(ctx)
	if errors.Is(err, store.ErrNotSQLite) {
		return errors.New("vacuum is for SQLite: PostgreSQL's autovacuum makes deleted rows' space reusable by itself; " +
			"to give it back to the file system, run VACUUM FULL on the large tables at a quiet time (it locks each table while it runs)")
	}
	if err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	fmt.Fprintf(e.stdout, "The database went from %.1f MB to %.1f MB; it now gives deleted rows' space back by itself.\n",
		float64(before)/1e6, float64(after)/1e6)
	return nil
}
