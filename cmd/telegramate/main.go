// Command telegramate runs the Telegramate platform and administers it.
// Each subcommand lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/telegramate/telegramate/internal/apperr"
)

// version is set at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

// env is the process's surroundings, passed in so tests can run commands
// in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server and background jobs", runServe},
		{"migrate", "bring the database schema up to date and exit", runMigrate},
		{"user", "manage platform users: create, password, list", runUser},
		{"token", "manage API tokens: create, list, revoke", runToken},
		{"workspace", "manage workspaces: list, add-member", runWorkspace},
		{"secrets", "master keys: new-key, rotate", runSecrets},
		{"backup", "write a consistent copy of the database to a file", runBackup},
		{"restore", "load a backup into a new database", runRestore},
		{"vacuum", "shrink a SQLite database file and let it shrink by itself from then on", runVacuum},
		{"sandbox", "run a Telegram data center on loopback for tests and demos", runSandbox},
		{"demo", "run Telegramate against a built-in sandbox with sample data", runDemo},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// run returns the exit status: 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		}
		printError(e.stderr, err)
		return 1
	}
	fmt.Fprintf(e.stderr, "telegramate: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

// errUsage means the usage was already printed.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintf(w, "Telegramate %s: member extraction and campaigns on your own Telegram accounts.\n\nUsage: telegramate <command> [flags]\n\nCommands:\n", version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'telegramate <command> --help' for a command's flags. Every flag can also be set with a")
	fmt.Fprintln(w, "TELEGRAMATE_* environment variable, e.g. --data-dir as TELEGRAMATE_DATA_DIR.")
}

// printError shows a user-facing error as its message and hint.
func printError(w io.Writer, err error) {
	if e, ok := apperr.As(err); ok {
		fmt.Fprintf(w, "telegramate: %s\n", e.Message)
		if e.Hint != "" {
			fmt.Fprintf(w, "  %s\n", e.Hint)
		}
		return
	}
	fmt.Fprintf(w, "telegramate: %v\n", err)
}
