package main

import (
	"context"
	"fmt"

	"github.com/telegramate/telegramate/internal/config"
)

const migrateUsage = `migrate [flags]

Brings the database schema up to date and exits. 'serve' does this on start
too; run it alone to upgrade before starting several nodes.`

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", migrateUsage)
	cfg := config.RegisterData(fs)
	if err := parse(e, fs, cfg, args); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, logger(e, cfg))
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "The %s database is up to date.\n", st.Dialect())
	return nil
}
