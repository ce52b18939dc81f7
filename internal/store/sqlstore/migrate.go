package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/telegramate/telegramate/internal/logging"
)

// Migrations is what one engine migrates: our schema (goose) and River's.
type Migrations struct {
	Goose   goose.Dialect
	FS      fs.FS // the engine's folder of goose .sql files
	River   riverdriver.Driver[*sql.Tx]
	Options []goose.ProviderOption
}

// Run applies our migrations, then River's. It logs one line when it
// changed anything.
func (m Migrations) Run(ctx context.Context, db *sql.DB, logger *slog.Logger) error {
	opts := append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}, m.Options...)
	p, err := goose.NewProvider(m.Goose, db, m.FS, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	applied, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rm, err := rivermigrate.New(m.River, &rivermigrate.Config{Logger: logging.AtLeast(logger, slog.LevelWarn)})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if len(applied) > 0 || len(res.Versions) > 0 {
		version, _ := p.GetDBVersion(ctx)
		logger.Info("database migrated", slog.Int("applied", len(applied)), slog.Int64("version", version),
			slog.Int("river_applied", len(res.Versions)))
	}
	return nil
}
