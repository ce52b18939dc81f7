package main

import (
	"context"

	"github.com/telegramate/telegramate/internal/sandbox"
)

// runSandbox is `telegramate sandbox`: a Telegram data center on loopback,
// owned by package sandbox.
func runSandbox(ctx context.Context, e *env, args []string) error {
	return sandbox.RunCommand(ctx, args, e.stdout, e.stderr)
}
