package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/telegramate/telegramate/internal/config"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storeopen"
)

// newFlags makes a subcommand's flag set; usage (a synopsis line, a blank
// line and a description) heads its --help.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: telegramate %s\n\nFlags:\n", strings.TrimSpace(usage))
		fs.PrintDefaults()
	}
	return fs
}

// parse loads flags and TELEGRAMATE_* variables into cfg.
func parse(e *env, fs *flag.FlagSet, cfg *config.Config, args []string) error {
	shown, usage := false, fs.Usage
	fs.Usage = func() { shown = true; usage() }
	if err := cfg.Load(fs, args, e.getenv); err != nil {
		if err == flag.ErrHelp || !shown {
			return err
		}
		return errUsage // flag already printed the problem and the usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "telegramate %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func logger(e *env, cfg *config.Config) *slog.Logger {
	return config.NewLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)
}

// openStore opens (and migrates) the configured database.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	st, err := storeopen.Open(ctx, storeopen.Options{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL.Reveal(), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

// subcommand picks "create" in "telegramate user create …".
func subcommand(e *env, group string, args []string, subs map[string]func([]string) error, summary string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(e.stderr, "Usage: telegramate %s <command> [flags]\n\n%s\n", group, summary)
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	fn, ok := subs[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "telegramate %s: unknown command %q\n\n%s\n", group, args[0], summary)
		return errUsage
	}
	return fn(args[1:])
}
