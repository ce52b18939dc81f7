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
	rm, err := rivermigrate.New(m.River, &rivermigrate.Config{Logger: quiet(logger)})
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

// quiet keeps River's per-migration lines out of the info log.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}
